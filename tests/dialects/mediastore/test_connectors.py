"""Paying an order through the Adyen-shaped endpoints on the sandbox gateway, with card data as Adyen's Drop-in
sends it in test mode: a card that pays, one that is declined, one that needs 3-D Secure (approved on this
server's page, then finalized), and a subscription started the same way."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from boxoffice.billing.models import Payment
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows
from tests.dialects.inplayer.test_payment_methods import answer_page
from tests.dialects.inplayer.test_payments import CHALLENGE, DECLINED, VISA
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, refused
from tests.dialects.mediastore.test_offers import Shop, shop
from tests.dialects.mediastore.test_orders import order

__all__ = ["shop"]  # the offers' fixture, used here too


def drop_in(number: str) -> dict[str, Any]:
    return {
        "type": "scheme",
        "encryptedCardNumber": f"test_{number}",
        "encryptedExpiryMonth": "test_03",
        "encryptedExpiryYear": "test_2030",
        "encryptedSecurityCode": "test_737",
        "holderName": "Vera Viewer",
    }


async def pay(server: Server, customer: Customer, order_id: int, number: str) -> httpx.Response:
    back = f"https://app.example.com/checkout?orderId={order_id}"  # as the SDK builds it
    body = {"orderId": order_id, "paymentMethod": drop_in(number), "returnUrl": back}
    return await call(server, "POST", "/connectors/adyen/initial-payment", body, headers=customer.auth)


async def has_access(server: Server, customer: Customer, offer: str) -> bool:
    return bool(data(await call(server, "GET", f"/entitlements/{offer}", headers=customer.auth))["accessGranted"])


async def test_a_declined_card_leaves_the_order_open_for_one_that_pays(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id)
    methods = data(
        await call(server, "POST", "/connectors/adyen/payment-methods", {"orderId": made["id"]}, headers=customer.auth)
    )
    assert methods["amount"] == {"value": 1230, "currency": "EUR"} and methods["paymentMethods"][0]["type"] == "scheme"
    refused(await pay(server, customer, made["id"], DECLINED), 422, "ADYEN0002")
    assert not await has_access(server, customer, shop.pass_id)
    paid = data(await pay(server, customer, made["id"], VISA))["payment"]
    assert (paid["orderId"], paid["status"], paid["totalAmount"], paid["paymentMethod"]) == (
        made["id"],
        "captured",
        12.3,
        "card",
    )
    assert await has_access(server, customer, shop.pass_id)
    refused(await pay(server, customer, made["id"], VISA), 409)  # paid once


async def test_a_card_needing_3d_secure_is_approved_on_a_page_then_finalized(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id)
    action = data(await pay(server, customer, made["id"], CHALLENGE))["action"]
    assert action["type"] == "redirect" and action["url"].startswith("http://testserver/")
    finalize = {"orderId": made["id"], "details": {"redirectResult": "x"}}
    early = await call(server, "POST", "/connectors/adyen/initial-payment/finalize", finalize, headers=customer.auth)
    refused(early, 422, "ADYEN0005")
    through = (await answer_page(server, action["url"], "success")).headers["location"]
    back = await server.http.get(through.removeprefix("http://testserver"))
    # Back where the SDK asked, with its own query kept and what was approved as `redirectResult`.
    assert back.status_code == 303
    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert back.headers["location"].startswith("https://app.example.com/checkout?")
    assert query["orderId"] == [str(made["id"])] and query["redirectResult"][0]
    forged = through.removeprefix("http://testserver").replace("state=", "state=x")
    refused(await server.http.get(forged), 400)
    done = data(
        await call(server, "POST", "/connectors/adyen/initial-payment/finalize", finalize, headers=customer.auth)
    )
    assert done["payment"]["status"] == "captured"
    assert await has_access(server, customer, shop.pass_id)


async def test_a_subscription_order_starts_the_subscription(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.monthly_id)
    assert made["requiredPaymentDetails"] is True
    data(await pay(server, customer, made["id"], VISA))
    [running] = data(await call(server, "GET", f"/customers/{customer.id}/subscriptions", headers=customer.auth))[
        "items"
    ]
    assert (running["offerId"], running["status"]) == (shop.monthly_id, "active")


async def test_an_order_for_what_the_customer_got_meanwhile_is_refused_in_the_sdks_words(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    """Orders made before either was paid: the second is refused when paid, as creating it would be now."""
    passes = [await order(server, customer, shop.pass_id) for _ in range(2)]
    monthly = [await order(server, customer, shop.monthly_id) for _ in range(2)]
    data(await pay(server, customer, passes[0]["id"], VISA))
    refused(await pay(server, customer, passes[1]["id"], VISA), 409, text="Access already granted")
    data(await pay(server, customer, monthly[0]["id"], VISA))
    refused(await pay(server, customer, monthly[1]["id"], VISA), 409, text="Access already granted")
    refused(
        await call(server, "POST", "/orders", {"offerId": shop.pass_id}, headers=customer.auth),
        409,
        text="Access already granted",
    )
    assert await count_rows(server, Payment, publisher.merchant.id) == 2


async def test_bad_card_payments_are_refused(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id)
    path = "/connectors/adyen/initial-payment"
    for body in (
        {"orderId": made["id"], "paymentMethod": {"type": "paypal"}},
        {"orderId": made["id"], "paymentMethod": drop_in(VISA) | {"encryptedExpiryMonth": "test_March"}},
        {"orderId": made["id"]},
        {"paymentMethod": drop_in(VISA)},
        # Where the payer is sent back: an absolute http(s) address, nothing a browser would run.
        {"orderId": made["id"], "paymentMethod": drop_in(VISA), "returnUrl": "javascript:alert(1)"},
    ):
        refused(await call(server, "POST", path, body, headers=customer.auth), 422)
    refused(
        await call(server, "POST", path, {"orderId": 999999, "paymentMethod": drop_in(VISA)}, headers=customer.auth),
        404,
    )
    assert not await has_access(server, customer, shop.pass_id)
    assert await count_rows(server, Payment, publisher.merchant.id) == 0


async def test_paypal_sends_the_payer_to_approve_and_back_to_the_success_url(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id)
    urls = {
        "orderId": made["id"],
        "successUrl": "https://app.example.com/thankyou",
        "cancelUrl": "https://app.example.com/offer",
    }
    started = data(await call(server, "POST", "/connectors/paypal/v1/tokens", urls, headers=customer.auth))
    assert started["redirectUrl"].startswith("http://testserver/sandbox/")
    back = await answer_page(server, started["redirectUrl"], "success")
    assert back.headers["location"].startswith("https://app.example.com/thankyou")
    await server.run_jobs()  # the sandbox's event settles the payment
    assert await has_access(server, customer, shop.pass_id)
    relative = await call(
        server, "POST", "/connectors/paypal/v1/tokens", urls | {"successUrl": "/thankyou"}, headers=customer.auth
    )
    refused(relative, 422, text="successUrl")
