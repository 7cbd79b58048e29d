"""Payment details over JSON-RPC: a customer's card listed by their e-mail and forgotten by its id, by their own
publisher only."""

from __future__ import annotations

from typing import Any

import pytest

from boxoffice.billing.models import PaymentProfile
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import fetch_rows, make_merchant, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of
from tests.dialects.jsonrpc.test_publisher import buy, open_shop


@pytest.fixture
async def rival(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server, "rival@publisher.example.com"))


async def test_a_customers_card_is_listed_then_forgotten(
    server: Server, rpc: JsonRpc, publisher: Publisher, rival: Publisher
) -> None:
    shop = await open_shop(server, publisher)
    vera = await sign_up(server, publisher.merchant)
    await buy(server, vera, shop.pass_fee)
    items, total = await rpc.items("listPaymentDetails", publisherToken=publisher.token, userEmail=vera.email.upper())
    assert total == 1
    [card] = items
    assert {k: card[k] for k in ("paymentMethod", "cardLastFourDigits", "cardExpirationDate")} == {
        "paymentMethod": "card",
        "cardLastFourDigits": "4242",
        "cardExpirationDate": f"12/{clock.now().year + 2}",
    }
    assert isinstance(card["paymentDetailsId"], int) and card["paymentGateway"]

    # Another publisher knows neither the customer nor the card.
    await rpc.refused(10, "listPaymentDetails", publisherToken=rival.token, userEmail=vera.email)
    message = await rpc.refused(
        11, "deletePaymentDetails", publisherToken=rival.token, paymentDetailsId=card["paymentDetailsId"]
    )
    assert "Payment details not found" in message
    assert (await rpc.items("listPaymentDetails", publisherToken=publisher.token, userEmail=vera.email))[1] == 1

    forgotten = await rpc.call(
        "deletePaymentDetails", publisherToken=publisher.token, paymentDetailsId=str(card["paymentDetailsId"])
    )
    assert forgotten == {"success": True}
    assert await rpc.items("listPaymentDetails", publisherToken=publisher.token, userEmail=vera.email) == ([], 0)
    [profile] = await fetch_rows(server, PaymentProfile, publisher.merchant.id)
    assert (profile.method_token, profile.card_last4) == (None, None)
    again = await rpc.refused(
        11, "deletePaymentDetails", publisherToken=publisher.token, paymentDetailsId=card["paymentDetailsId"]
    )
    assert "Payment details not found" in again


async def test_a_customer_without_a_card_has_none_and_an_unknown_one_is_refused(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    vera = await sign_up(server, publisher.merchant)
    assert await rpc.items("listPaymentDetails", publisherToken=publisher.token, userEmail=vera.email) == ([], 0)
    await rpc.refused(10, "listPaymentDetails", publisherToken=publisher.token, userEmail="nobody@example.com")
    await rpc.refused(11, "deletePaymentDetails", publisherToken=publisher.token, paymentDetailsId=2**40)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("listPaymentDetails", {}),
        ("listPaymentDetails", {"userEmail": ""}),
        ("listPaymentDetails", {"userEmail": ["a@example.com"]}),
        ("listPaymentDetails", {"userEmail": "x" * 400}),
        ("deletePaymentDetails", {}),
        ("deletePaymentDetails", {"paymentDetailsId": "card"}),
        ("deletePaymentDetails", {"paymentDetailsId": 0}),
        ("deletePaymentDetails", {"paymentDetailsId": 1.5}),
        ("deletePaymentDetails", {"paymentDetailsId": True}),
    ],
)
async def test_bad_params_are_invalid_arguments(
    rpc: JsonRpc, publisher: Publisher, method: str, params: dict[str, Any]
) -> None:
    await rpc.refused(11, method, publisherToken=publisher.token, **params)


@pytest.mark.parametrize(
    ("method", "params"),
    [("listPaymentDetails", {"userEmail": "a@example.com"}), ("deletePaymentDetails", {"paymentDetailsId": 1})],
)
async def test_payment_details_ask_for_a_publisher_token(rpc: JsonRpc, method: str, params: dict[str, Any]) -> None:
    await rpc.refused(3, method, **params)
    await rpc.refused(3, method, publisherToken="not-a-token", **params)
