"""Customers through JSON-RPC: reading them, registering them (passwordless unless a password is given), their
e-mail address and password changed from the publisher's back end, and where an address is. Each refusal has its
code, bad params are code 11 and write nothing, and another publisher's customers are never found."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update

from boxoffice.identity.models import Customer
from boxoffice.kit.settings import Settings
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import count_rows, fetch_rows, make_merchant, plain_text, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, customer_token, publisher_of

GERMANY = "85.214.132.117"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"reset_rate_per_account": "3/60"})


def customer_data(email: str = "vera@example.com", **extra: Any) -> dict[str, Any]:
    return {"email": email, "locale": "en_GB", "country": "GB", "currency": "GBP"} | extra


async def register(rpc: JsonRpc, publisher: Publisher, **data: Any) -> str:
    result = await rpc.call("registerCustomer", publisherToken=publisher.token, customerData=customer_data(**data))
    assert set(result) == {"token"}
    token = result["token"]
    assert isinstance(token, str)
    return token


async def deactivate(server: Server, merchant_id: int, email: str) -> None:
    async with server.app.state.sessions() as session, session.begin():
        changed = update(Customer).where(Customer.merchant_id == merchant_id, Customer.email == email)
        await session.execute(changed.values(active=False))


async def test_a_registered_customer_is_read_back(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    token = await register(rpc, publisher, externalId="crm-7", registrationDate=1_600_000_000)
    shown = await rpc.call("getCustomer", customerToken=token)
    assert {k: shown[k] for k in ("email", "displayName", "currency", "locale", "country")} == {
        "email": "vera@example.com",
        "displayName": "vera@example.com",
        "currency": "GBP",
        "locale": "en_GB",
        "country": "GB",
    }
    [row] = await fetch_rows(server, Customer, publisher.merchant.id)
    assert (str(row.id), row.password_hash, row.external_id, row.created_at.year) == (shown["id"], None, "crm-7", 2020)
    email = await rpc.call("getCustomerEmail", publisherToken=publisher.token, customerToken=token)
    assert email == {"email": "vera@example.com"}


async def test_registering_refuses_a_taken_address_and_bad_data(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    await register(rpc, publisher, password="vera-pass-1")
    [row] = await fetch_rows(server, Customer, publisher.merchant.id)
    assert row.password_hash
    await rpc.refused(
        13, "registerCustomer", publisherToken=publisher.token, customerData=customer_data("VERA@example.com")
    )
    bad: list[Any] = [
        None,
        "vera@example.com",
        {"email": "ann@example.com"},  # locale, country and currency are required
        customer_data("not an address"),
        customer_data("ann@example.com", country="XX"),
        customer_data("ann@example.com", currency="XYZ"),
        customer_data("ann@example.com", locale="en GB!"),
        customer_data("ann@example.com", password="short"),
        customer_data("ann@example.com", registrationDate="yesterday"),
        customer_data() | {"email": ["ann@example.com"]},
    ]
    for data in bad:
        await rpc.refused(11, "registerCustomer", publisherToken=publisher.token, customerData=data)
    await rpc.refused(3, "registerCustomer", publisherToken="nope", customerData=customer_data("ann@example.com"))
    assert await count_rows(server, Customer, publisher.merchant.id) == 1


async def test_a_customer_token_of_another_publisher_is_refused(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    other = await publisher_of(server, await make_merchant(server, "owner@other.example.com"))
    token = await register(rpc, other)
    await rpc.refused(1, "getCustomerEmail", publisherToken=publisher.token, customerToken=token)
    await rpc.refused(1, "getCustomerEmail", publisherToken=publisher.token, customerToken="not-a-token")
    await rpc.refused(1, "getCustomer", customerToken=None)
    await rpc.refused(3, "getCustomerEmail", customerToken=token)


async def test_the_publisher_changes_a_customers_address(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    viewer = await sign_up(server, publisher.merchant)
    await sign_up(server, publisher.merchant, "taken@example.com")
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    assert await rpc.call("updateCustomerEmail", **given, newEmail="vera@new.example") == {"success": True}
    token = await customer_token(rpc, publisher, "vera@new.example")
    assert (await rpc.call("getCustomer", customerToken=token))["email"] == "vera@new.example"
    moved = given | {"customerEmail": "vera@new.example"}
    await rpc.refused(13, "updateCustomerEmail", **moved, newEmail="TAKEN@example.com")
    await rpc.refused(11, "updateCustomerEmail", **moved, newEmail="nonsense")
    await rpc.refused(11, "updateCustomerEmail", **moved)
    await rpc.refused(10, "updateCustomerEmail", **given, newEmail="ann@example.com")  # the old address is gone
    other = await publisher_of(server, await make_merchant(server, "owner@other.example.com"))
    await rpc.refused(
        10,
        "updateCustomerEmail",
        publisherToken=other.token,
        customerEmail="vera@new.example",
        newEmail="x@example.com",
    )


async def test_a_forgotten_password_is_reset_with_the_emailed_token(
    server: Server, rpc: JsonRpc, publisher: Publisher, mailbox: Mailbox
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    assert await rpc.call("requestPasswordReset", **given) == {"success": True}
    unknown = given | {"customerEmail": "ghost@example.com"}
    assert await rpc.call("requestPasswordReset", **unknown) == {"success": True}  # no probing for accounts
    await rpc.refused(11, "requestPasswordReset", publisherToken=publisher.token, customerEmail="not an address")
    await rpc.refused(11, "requestPasswordReset", publisherToken=publisher.token)
    await server.run_jobs()
    text = plain_text(mailbox.last(viewer.email))
    found = re.search(r"reset token:\s+(\S+)", text)
    assert found and f"/pages/{publisher.merchant.uuid}/new-password?token={found.group(1)}" in text
    reset = given | {"resetPasswordToken": found.group(1)}
    await rpc.refused(11, "updateCustomerPassword", **reset, newPassword="short")
    await rpc.refused(
        16, "updateCustomerPassword", **reset | {"resetPasswordToken": "guess"}, newPassword="new-pass-123"
    )
    other = await sign_up(server, publisher.merchant, "ann@example.com")
    await rpc.refused(
        16, "updateCustomerPassword", **reset | {"customerEmail": other.email}, newPassword="new-pass-123"
    )
    stranger = await publisher_of(server, await make_merchant(server, "owner@other.example.com"))
    await rpc.refused(
        16, "updateCustomerPassword", **reset | {"publisherToken": stranger.token}, newPassword="new-pass-123"
    )
    assert await rpc.call("updateCustomerPassword", **reset, newPassword="new-pass-123") == {"success": True}
    await rpc.refused(16, "updateCustomerPassword", **reset, newPassword="new-pass-456")  # once only
    signed = await rpc.call("generateCustomerTokenFromPassword", **given, password="new-pass-123")
    assert signed["token"]


async def test_reset_emails_are_limited_per_account(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    for _ in range(3):
        assert await rpc.call("requestPasswordReset", **given) == {"success": True}
    await rpc.refused(14, "requestPasswordReset", **given | {"customerEmail": viewer.email.upper()})
    assert await rpc.call("requestPasswordReset", **given | {"customerEmail": "ann@example.com"}) == {"success": True}


async def test_where_an_address_is(rpc: JsonRpc, publisher: Publisher) -> None:
    found = await rpc.call("getLocaleDataFromIp", publisherToken=publisher.token, ipAddress=GERMANY)
    assert found == {"country": "DE", "currency": "EUR", "locale": "en_DE", "ipAddress": GERMANY}
    nowhere = await rpc.call("getLocaleDataFromIp", publisherToken=publisher.token, ipAddress="10.0.0.1")
    assert nowhere == {"country": "", "currency": "USD", "locale": "en_US", "ipAddress": "10.0.0.1"}
    for address in ("not-an-address", None, 42.5, "999.1.1.1"):
        await rpc.refused(11, "getLocaleDataFromIp", publisherToken=publisher.token, ipAddress=address)
    await rpc.refused(3, "getLocaleDataFromIp", publisherToken="nope", ipAddress=GERMANY)
