"""A password or PIN hashed with other argon2id parameters than those in force is hashed anew when it is next
used to sign in, by every way of signing in: a viewer (InPlayer, MediaStore), a merchant (with and without its
client id), a profile's PIN."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select, update

from boxoffice.identity.models import Customer, Profile
from boxoffice.identity.models import Merchant as MerchantRow
from boxoffice.kit import passwords
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, sign_in
from tests.dialects.mediastore.conftest import log_in, publisher_of

# What hashes were made with before the operator changed the parameters: the defaults.
EARLIER = PasswordHasher(type=Type.ID)
MERCHANT_PASSWORD = "merchant-pass-1"


@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    """The server hashes with other parameters than the defaults: OWASP's floor."""
    yield settings.model_copy(update={"argon2_memory_kib": 19_456, "argon2_time_cost": 2, "argon2_parallelism": 1})
    passwords.configure(settings)  # back to the parameters every other test's server hashes with


def in_force(settings: Settings) -> str:
    """How a hash made with the server's parameters begins."""
    return (
        f"$argon2id$v=19$m={settings.argon2_memory_kib},t={settings.argon2_time_cost},p={settings.argon2_parallelism}$"
    )


async def store(server: Server, statement: Any) -> None:
    async with server.app.state.sessions.begin() as session:
        await session.execute(statement)


async def read(server: Server, statement: Any) -> str:
    async with server.app.state.sessions() as session:
        found = await session.scalar(statement)
    assert isinstance(found, str)
    return found


async def signs_in_and_is_rehashed(
    server: Server, stored: Any, *, again: Callable[[], Awaitable[httpx.Response]]
) -> None:
    """`again` signs in; the hash read by `stored` must begin with the parameters in force afterwards."""
    before = await read(server, stored)
    assert before.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    response = await again()
    assert response.status_code == 200, response.text
    after = await read(server, stored)
    assert after.startswith(in_force(server.settings)) and after != before
    repeated = await again()  # the new hash is the same password's
    assert repeated.status_code == 200, repeated.text
    assert await read(server, stored) == after  # and, current, it is left alone


async def hashed_earlier(server: Server, merchant: Merchant, viewer: Viewer) -> Any:
    """Give the viewer's password a hash made with the earlier parameters; the statement that reads it back."""
    await store(
        server,
        update(Customer)
        .where(Customer.merchant_id == merchant.id, Customer.id == viewer.id)
        .values(password_hash=EARLIER.hash(viewer.password)),
    )
    return select(Customer.password_hash).where(Customer.merchant_id == merchant.id, Customer.id == viewer.id)


async def test_a_viewer_signing_in_through_inplayer(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    stored = await hashed_earlier(server, merchant, viewer)
    await signs_in_and_is_rehashed(
        server, stored, again=lambda: sign_in(server, merchant, viewer.email, viewer.password)
    )


async def test_a_customer_signing_in_through_mediastore(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    publisher = await publisher_of(server, merchant)
    stored = await hashed_earlier(server, merchant, viewer)
    await signs_in_and_is_rehashed(
        server, stored, again=lambda: log_in(server, publisher, viewer.email, viewer.password)
    )


async def test_a_merchant_signing_in_without_a_client_id(server: Server, merchant: Merchant) -> None:
    await store(
        server,
        update(MerchantRow).where(MerchantRow.id == merchant.id).values(password_hash=EARLIER.hash(MERCHANT_PASSWORD)),
    )
    form = {"grant_type": "password", "username": merchant.email, "password": MERCHANT_PASSWORD}
    await signs_in_and_is_rehashed(
        server,
        select(MerchantRow.password_hash).where(MerchantRow.id == merchant.id),
        again=lambda: server.http.post("/accounts/authenticate", data=form),
    )


async def test_a_merchant_signing_in_with_its_own_client_id(server: Server, merchant: Merchant) -> None:
    await store(
        server,
        update(MerchantRow).where(MerchantRow.id == merchant.id).values(password_hash=EARLIER.hash(MERCHANT_PASSWORD)),
    )

    async def as_merchant() -> httpx.Response:
        response = await sign_in(server, merchant, merchant.email, MERCHANT_PASSWORD)
        assert response.json()["account"]["roles"] == ["merchant"], response.text
        return response

    await signs_in_and_is_rehashed(
        server, select(MerchantRow.password_hash).where(MerchantRow.id == merchant.id), again=as_merchant
    )


async def test_a_viewer_entering_a_profile_with_its_pin(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    made = await server.http.post("/v2/accounts/profiles", headers=viewer.auth, data={"name": "Kids", "pin": "1234"})
    assert made.status_code == 200, made.text
    profile_id = made.json()["id"]
    await store(
        server,
        update(Profile)
        .where(Profile.merchant_id == merchant.id, Profile.id == profile_id)
        .values(pin_hash=EARLIER.hash("1234")),
    )
    stored = select(Profile.pin_hash).where(Profile.merchant_id == merchant.id, Profile.id == profile_id)
    await signs_in_and_is_rehashed(
        server,
        stored,
        again=lambda: server.http.post(
            f"/v2/accounts/profiles/{profile_id}/token", headers=viewer.auth, data={"pin": "1234"}
        ),
    )
