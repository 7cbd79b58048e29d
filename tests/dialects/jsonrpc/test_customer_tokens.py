"""The customer-token methods: by e-mail (the publisher vouches), by password (counted against the sign-in
limits), by the Facebook account a customer registered with, and by a transaction. Each refusal has its code;
another publisher's customers and transactions are never found."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from boxoffice.billing.models import Payment
from boxoffice.identity.models import Customer
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import fetch_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop"]  # the offers' fixture, used here too


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_rate_per_account": "5/60", "auth_rate_per_ip": "3/60"})


async def deactivate(server: Server, merchant_id: int, email: str) -> None:
    async with server.app.state.sessions() as session, session.begin():
        changed = update(Customer).where(Customer.merchant_id == merchant_id, Customer.email == email)
        await session.execute(changed.values(active=False))


async def other_publisher(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server, "owner@other.example.com"))


async def email_of(rpc: JsonRpc, token: str) -> str:
    email = (await rpc.call("getCustomer", customerToken=token))["email"]
    assert isinstance(email, str)
    return email


async def test_a_token_by_email_for_the_publishers_own_customers(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    token = (await rpc.call("generateCustomerToken", publisherToken=publisher.token, customerEmail=viewer.email))[
        "token"
    ]
    assert await email_of(rpc, token) == viewer.email
    other = await other_publisher(server)
    await rpc.refused(10, "generateCustomerToken", publisherToken=other.token, customerEmail=viewer.email)
    await rpc.refused(11, "generateCustomerToken", publisherToken=publisher.token)
    await rpc.refused(11, "generateCustomerToken", publisherToken=publisher.token, customerEmail={"a": 1})
    await deactivate(server, publisher.merchant.id, viewer.email)
    await rpc.refused(12, "generateCustomerToken", publisherToken=publisher.token, customerEmail=viewer.email)


async def test_a_token_by_password(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email.upper()}
    token = (await rpc.call("generateCustomerTokenFromPassword", **given, password=viewer.password))["token"]
    assert await email_of(rpc, token) == viewer.email
    await rpc.refused(15, "generateCustomerTokenFromPassword", **given, password="wrong-pass-1")
    await rpc.refused(
        15, "generateCustomerTokenFromPassword", **given | {"customerEmail": "ghost@example.com"}, password="x"
    )
    await rpc.refused(11, "generateCustomerTokenFromPassword", **given)
    other = await other_publisher(server)
    await rpc.refused(
        15, "generateCustomerTokenFromPassword", **given | {"publisherToken": other.token}, password=viewer.password
    )
    await deactivate(server, publisher.merchant.id, viewer.email)
    await rpc.refused(15, "generateCustomerTokenFromPassword", **given, password="wrong-pass-1")
    await rpc.refused(12, "generateCustomerTokenFromPassword", **given, password=viewer.password)


async def test_password_attempts_are_limited_per_account_refused_ones_included(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    for _ in range(5):
        await rpc.refused(15, "generateCustomerTokenFromPassword", **given, password="wrong-pass-1")
    await rpc.refused(14, "generateCustomerTokenFromPassword", **given, password=viewer.password)
    answers = await rpc.batch(("generateCustomerTokenFromPassword", given | {"password": viewer.password}))
    assert [getattr(answer, "code", None) for answer in answers] == [14]


async def test_a_back_end_signs_in_more_customers_than_one_address_may(rpc: JsonRpc, publisher: Publisher) -> None:
    # Three sign-ins a minute from one address (the test's settings); the publisher's back end has one address.
    for n in range(5):
        email = f"viewer{n}@example.com"
        account = {"email": email, "password": "viewer-pass-1", "locale": "en_US", "country": "DE", "currency": "EUR"}
        await rpc.call("registerCustomer", publisherToken=publisher.token, customerData=account)
        given = {"publisherToken": publisher.token, "customerEmail": email, "password": "viewer-pass-1"}
        assert (await rpc.call("generateCustomerTokenFromPassword", **given))["token"]


async def test_a_token_by_the_facebook_account_registered_with(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    data = {"email": "vera@example.com", "locale": "en_US", "country": "US", "currency": "USD", "facebookId": "1000123"}
    await rpc.call("registerCustomer", publisherToken=publisher.token, customerData=data)
    token = (await rpc.call("generateCustomerTokenFromFacebook", publisherToken=publisher.token, facebookId="1000123"))[
        "token"
    ]
    assert await email_of(rpc, token) == "vera@example.com"
    taken = data | {"email": "ann@example.com"}
    await rpc.refused(13, "registerCustomer", publisherToken=publisher.token, customerData=taken)
    await rpc.refused(10, "generateCustomerTokenFromFacebook", publisherToken=publisher.token, facebookId="1000124")
    await rpc.refused(11, "generateCustomerTokenFromFacebook", publisherToken=publisher.token, facebookId=["1000123"])
    await rpc.refused(11, "generateCustomerTokenFromFacebook", publisherToken=publisher.token)
    other = await other_publisher(server)
    await rpc.refused(10, "generateCustomerTokenFromFacebook", publisherToken=other.token, facebookId="1000123")
    await deactivate(server, publisher.merchant.id, "vera@example.com")
    await rpc.refused(12, "generateCustomerTokenFromFacebook", publisherToken=publisher.token, facebookId="1000123")


async def test_a_token_for_the_customer_of_a_transaction(
    server: Server, rpc: JsonRpc, publisher: Publisher, shop: Shop
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    bought = await server.http.post("/payments", headers=viewer.auth, data=card_form(shop.pass_fee["id"]))
    assert bought.status_code == 200, bought.text
    [payment] = await fetch_rows(server, Payment, publisher.merchant.id)
    transaction = f"T{payment.id:09d}"
    given = {"publisherToken": publisher.token}
    token = (await rpc.call("generateCustomerTokenFromTransactionId", **given, transactionId=transaction))["token"]
    assert await email_of(rpc, token) == viewer.email
    await rpc.refused(10, "generateCustomerTokenFromTransactionId", **given, transactionId=f"T{payment.id + 1:09d}")
    for bad in (str(payment.id), "X000000001", None, ["T1"]):
        await rpc.refused(11, "generateCustomerTokenFromTransactionId", **given, transactionId=bad)
    other = await other_publisher(server)
    await rpc.refused(
        10, "generateCustomerTokenFromTransactionId", publisherToken=other.token, transactionId=transaction
    )
    await deactivate(server, publisher.merchant.id, viewer.email)
    await rpc.refused(12, "generateCustomerTokenFromTransactionId", **given, transactionId=transaction)
