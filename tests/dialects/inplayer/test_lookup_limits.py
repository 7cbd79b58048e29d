"""Per-account limits on what can be guessed: a password (however the account's address is typed), a client
secret, a gift code."""

from __future__ import annotations

import httpx
import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, sign_in, sign_up


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_rate_per_account": "3/60"})


def _limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == 429 and int(response.headers["Retry-After"]) > 0


async def test_blanks_and_case_around_the_address_are_the_same_account_to_the_limit_and_the_look_up(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))  # the attempts below fall in one window
    for _ in range(3):
        assert (await sign_in(server, merchant, viewer.email, "wrong-password")).status_code == 403
    for typed in (f" {viewer.email}", f"{viewer.email}\t", f"\t{viewer.email.upper()}  ", f"\n{viewer.email}"):
        _limited(await sign_in(server, merchant, typed, viewer.password))
    frozen.advance(seconds=60)
    signed_in = await sign_in(server, merchant, f" {viewer.email.upper()}\t", viewer.password)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["account"]["email"] == viewer.email


async def test_a_merchant_signing_in_is_limited_however_its_address_is_typed(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))

    async def attempt(username: str, password: str = "merchant-pass-1") -> httpx.Response:
        form = {"grant_type": "password", "username": username, "password": password}
        return await server.http.post("/accounts/authenticate", data=form)

    for _ in range(3):
        assert (await attempt(merchant.email, "wrong-password")).status_code == 403
    _limited(await attempt(f"{merchant.email} "))
    _limited(await attempt(f"\t{merchant.email.upper()}"))
    frozen.advance(seconds=60)
    signed_in = await attempt(f" {merchant.email.upper()} ")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["account"]["uuid"] == merchant.uuid


async def test_client_credentials_are_limited_per_client(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))

    async def attempt(secret: str) -> httpx.Response:
        form = {"grant_type": "client_credentials", "client_id": merchant.uuid, "client_secret": secret}
        return await server.http.post("/accounts/authenticate", data=form)

    for _ in range(3):
        assert (await attempt("wrong-secret")).status_code == 403
    _limited(await attempt(merchant.secret))
    frozen.advance(seconds=60)
    assert (await attempt(merchant.secret)).status_code == 200


async def test_gift_codes_are_looked_up_a_limited_number_of_times_per_customer(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))
    other = await sign_up(server, merchant, "other@example.com")
    assert (await server.http.get("/v2/gifts/GUESS1", headers=viewer.auth)).status_code == 404
    assert (await server.http.post("/v2/gifts/GUESS2/redeem", headers=viewer.auth)).status_code == 404
    assert (await server.http.get("/v2/gifts/GUESS3", headers=viewer.auth)).status_code == 404
    _limited(await server.http.get("/v2/gifts/GUESS4", headers=viewer.auth))
    _limited(await server.http.post("/v2/gifts/GUESS4/redeem", headers=viewer.auth))
    # The customer is what is limited: another one, from the same address, is not held back.
    assert (await server.http.get("/v2/gifts/GUESS4", headers=other.auth)).status_code == 404
    frozen.advance(seconds=60)
    assert (await server.http.get("/v2/gifts/GUESS4", headers=viewer.auth)).status_code == 404
