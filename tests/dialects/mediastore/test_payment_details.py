"""My Account's payment details through the Adyen- and PayPal-shaped endpoints on the sandbox gateway: a card added
with nothing charged, one refused, one that needs 3-D Secure (approved on this server's page, then finalized), a
PayPal account approved on a page, and Adyen sessions; the new detail is listed and renews the subscription."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from boxoffice.billing.models import Payment, PaymentProfile
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import fetch_rows
from tests.dialects.inplayer.test_payment_methods import answer_page
from tests.dialects.inplayer.test_payments import CHALLENGE, DECLINED, VISA
from tests.dialects.inplayer.test_subscriptions import renew
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, log_in, refused, register
from tests.dialects.mediastore.test_connectors import drop_in, has_access, pay
from tests.dialects.mediastore.test_offers import Shop, shop
from tests.dialects.mediastore.test_orders import order

__all__ = ["shop"]  # the offers' fixture, used here too

MASTERCARD = "5555555555554444"
RETURN = "https://app.example.com/my-account/payment-info"
PAYPAL_URLS = {
    "paymentMethodId": 2,
    "successUrl": "https://app.example.com/my-account/payment-info",
    "cancelUrl": "https://app.example.com/my-account/cancelled",
    "errorUrl": "https://app.example.com/my-account/error",
}


async def add_card(server: Server, customer: Customer, number: str, **extra: Any) -> httpx.Response:
    body = {"paymentMethodId": 1, "paymentMethod": drop_in(number), "returnUrl": RETURN} | extra
    return await call(server, "POST", "/connectors/adyen/payment-details", body, headers=customer.auth)


async def finalize(server: Server, customer: Customer, details: Any) -> httpx.Response:
    body = {"paymentMethodId": 1, "details": details}
    return await call(server, "POST", "/connectors/adyen/payment-details/finalize", body, headers=customer.auth)


async def details_of(server: Server, customer: Customer) -> list[dict[str, Any]]:
    found = data(await call(server, "GET", f"/customers/{customer.id}/payment_details", headers=customer.auth))
    return list(found["paymentDetails"])


async def subscribed(server: Server, customer: Customer, shop: Shop) -> None:
    made = await order(server, customer, shop.monthly_id)
    assert data(await pay(server, customer, made["id"], VISA))["payment"]["status"] == "captured"


async def renewal_method(server: Server, publisher: Publisher, frozen: clock.FrozenClock) -> str:
    """The method the next renewal was charged to, which must be the customer's default."""
    frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    renewal = [p for p in await fetch_rows(server, Payment, publisher.merchant.id) if p.kind == "renewal"]
    [profile] = await fetch_rows(server, PaymentProfile, publisher.merchant.id)
    assert [p.status for p in renewal] == ["succeeded"] and renewal[0].gateway_method == profile.method_token
    return renewal[0].method


async def test_a_new_card_replaces_the_old_one_and_renews_the_subscription(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    await subscribed(server, customer, shop)
    paid_before = len(await fetch_rows(server, Payment, publisher.merchant.id))
    added = data(await add_card(server, customer, MASTERCARD))
    params = added["paymentMethodSpecificParams"]
    assert (added["paymentMethod"], added["paymentMethodId"], added["active"], added["customerId"]) == (
        "card",
        1,
        True,
        customer.id,
    )
    assert (params["lastCardFourDigits"], params["variant"], params["holderName"], params["cardExpirationDate"]) == (
        "4444",
        "mastercard",
        "Vera Viewer",
        "03/2030",
    )
    assert await details_of(server, customer) == [added]
    assert len(await fetch_rows(server, Payment, publisher.merchant.id)) == paid_before  # kept, not charged
    assert await renewal_method(server, publisher, frozen) == "card"


async def test_a_refused_card_keeps_the_card_there_was(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    await subscribed(server, customer, shop)
    before = await details_of(server, customer)
    refused(await add_card(server, customer, DECLINED), 422, "ADYEN0002")
    assert await details_of(server, customer) == before
    assert before[0]["paymentMethodSpecificParams"]["lastCardFourDigits"] == "4242"


async def test_a_card_needing_3d_secure_is_approved_on_a_page_then_finalized(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    action = data(await add_card(server, customer, CHALLENGE))["action"]
    assert action["type"] == "redirect" and action["url"].startswith("http://testserver/sandbox/3ds/")
    page = await server.http.get(action["url"].removeprefix("http://testserver"))
    assert "nothing is charged" in page.text
    assert await details_of(server, customer) == []
    through = (await answer_page(server, action["url"], "success")).headers["location"]
    assert through.startswith("http://testserver/mediastore/connectors/adyen/return?")
    # The payer comes back through this server, which names what they approved as Adyen's clients read it.
    back = (await server.http.get(through.removeprefix("http://testserver"))).headers["location"]
    assert back.startswith(RETURN)
    setup_id = parse_qs(urlsplit(back).query)["redirectResult"][0]
    other = await register(server, publisher, "other@example.com")
    refused(await finalize(server, other, {"redirectResult": setup_id}), 404)
    refused(await finalize(server, customer, {"redirectResult": "pi_0123456789abcdef01234567"}), 404)
    done = data(await finalize(server, customer, {"redirectResult": setup_id}))["paymentDetails"]
    assert done["paymentMethodSpecificParams"]["lastCardFourDigits"] == "3155"
    assert await details_of(server, customer) == [done]
    assert await details_of(server, other) == []


async def test_a_3d_secure_card_not_yet_approved_or_failed_is_not_kept(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    action = data(await add_card(server, customer, CHALLENGE))["action"]
    setup_id = action["url"].rsplit("/", 1)[1]
    refused(await finalize(server, customer, {"redirectResult": setup_id}), 422, "ADYEN0005")
    await answer_page(server, action["url"], "fail")
    refused(await finalize(server, customer, {"setup_intent": setup_id}), 422, "ADYEN0002")
    assert await details_of(server, customer) == []


async def test_paypal_approved_on_a_page_becomes_the_payment_detail_and_renews(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    await subscribed(server, customer, shop)
    path = "/connectors/paypal/v1/payment_details/tokens"
    started = data(await call(server, "POST", path, PAYPAL_URLS, headers=customer.auth))
    assert started["redirectUrl"].startswith("http://testserver/sandbox/")
    via = (await answer_page(server, started["redirectUrl"], "success")).headers["location"]
    assert via.startswith("http://testserver/mediastore/connectors/paypal/v1/payment_details/return?")
    onward = await server.http.get(via.removeprefix("http://testserver"))
    assert (onward.status_code, onward.headers["location"]) == (303, PAYPAL_URLS["successUrl"])
    [detail] = await details_of(server, customer)
    assert (detail["paymentMethod"], detail["paymentMethodId"], detail["active"]) == ("paypal", 2, True)
    assert await renewal_method(server, publisher, frozen) == "paypal"


async def test_paypal_refused_on_its_page_sends_the_payer_to_the_cancel_url(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    path = "/connectors/paypal/v1/payment_details/tokens"
    started = data(await call(server, "POST", path, PAYPAL_URLS, headers=customer.auth))
    via = (await answer_page(server, started["redirectUrl"], "fail")).headers["location"]
    onward = await server.http.get(via.removeprefix("http://testserver"))
    assert onward.headers["location"] == PAYPAL_URLS["cancelUrl"]
    assert await details_of(server, customer) == []
    forged = via.replace("state=", "state=x")
    refused(await server.http.get(forged.removeprefix("http://testserver")), 400)
    for bad in ({"successUrl": "/relative"}, {"successUrl": None}, {"paymentMethodId": 1}, {"cancelUrl": "nope"}):
        refused(await call(server, "POST", path, PAYPAL_URLS | bad, headers=customer.auth), 422)


async def test_bad_payment_details_are_refused(server: Server, publisher: Publisher, customer: Customer) -> None:
    adyen = "/connectors/adyen/payment-details"
    for body in (
        {},
        {"paymentMethod": "scheme"},
        {"paymentMethod": {"type": "paypal"}},
        {"paymentMethod": drop_in(VISA) | {"encryptedExpiryYear": None}},
        {"paymentMethod": drop_in(VISA), "paymentMethodId": 2},
        {"paymentMethod": drop_in(VISA), "paymentMethodId": 999},
        {"paymentMethod": drop_in(VISA), "returnUrl": "app.example.com"},
    ):
        refused(await call(server, "POST", adyen, body, headers=customer.auth), 422)
    refused(await add_card(server, customer, "4242424242424241"), 422)  # not a card number
    for details in (None, "x", {}, {"redirectResult": 42}):
        refused(await finalize(server, customer, details), 422)
    wrong_type = {"paymentMethod": drop_in(VISA), "paymentMethodId": "card"}
    refused(await call(server, "POST", adyen, wrong_type, headers=customer.auth), 400, "REQ0001")
    refused(await call(server, "POST", adyen, {"paymentMethod": drop_in(VISA)}), 401)
    assert await details_of(server, customer) == []


async def session_for(server: Server, customer: Customer, **body: Any) -> dict[str, Any]:
    return dict(data(await call(server, "POST", "/connectors/adyen/sessions", body, headers=customer.auth)))


async def test_a_checkout_session_names_the_order_it_pays(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id)
    made_session = await session_for(server, customer, orderId=made["id"], returnUrl=RETURN)
    assert set(made_session) == {
        "id",
        "sessionData",
        "amount",
        "countryCode",
        "expiresAt",
        "returnUrl",
        "merchantAccount",
        "reference",
        "shopperStatement",
        "allowedPaymentMethods",
        "blockedPaymentMethods",
        "paymentMethod",
    }
    assert made_session["id"].startswith("CS") and made_session["amount"] == {"value": 1230, "currency": "EUR"}
    assert (made_session["reference"], made_session["returnUrl"]) == (str(made["id"]), RETURN)
    assert made_session["allowedPaymentMethods"] == ["scheme"] and made_session["blockedPaymentMethods"] == []
    assert made_session["paymentMethod"][0]["type"] == "scheme"
    hidden = await session_for(server, customer, orderId=made["id"], filterPaymentMethods=["paypal"])
    assert (hidden["allowedPaymentMethods"], hidden["blockedPaymentMethods"], hidden["paymentMethod"]) == (
        [],
        ["scheme"],
        [],
    )
    body = {"sessionData": made_session["sessionData"], "paymentMethod": drop_in(VISA), "returnUrl": RETURN}
    path = "/connectors/adyen/initial-payment"
    other = await register(server, publisher, "other@example.com")
    refused(await call(server, "POST", path, body, headers=other.auth), 422, text="sessionData")
    refused(await call(server, "POST", path, body | {"orderId": made["id"] + 1}, headers=customer.auth), 422)
    paid = data(await call(server, "POST", path, body, headers=customer.auth))["payment"]
    assert (paid["orderId"], paid["status"]) == (made["id"], "captured")
    assert await has_access(server, customer, shop.pass_id)
    refused(await call(server, "POST", "/connectors/adyen/sessions", {"orderId": 999999}, headers=other.auth), 404)


async def test_a_session_for_payment_details_adds_a_card_and_expires(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    kept = await session_for(server, customer, returnUrl=RETURN, filterPaymentMethodsByType="zeroPaymentSupported")
    sessions = "/connectors/adyen/sessions"
    for bad in ({"filterPaymentMethods": [1]}, {"filterPaymentMethodsByType": {"a": 1}}, {"filterPaymentMethods": 3}):
        refused(await call(server, "POST", sessions, bad, headers=customer.auth), 422, "REQ0001")
    refused(await call(server, "POST", sessions, {"orderId": "one"}, headers=customer.auth), 400, "REQ0001")
    assert kept["amount"] == {"value": 0, "currency": "EUR"} and kept["reference"] == f"payment-details-{customer.id}"
    made = await order(server, customer, shop.pass_id)
    checkout = await session_for(server, customer, orderId=made["id"])
    path = "/connectors/adyen/initial-payment"
    no_order = {"sessionData": kept["sessionData"], "paymentMethod": drop_in(VISA)}
    refused(await call(server, "POST", path, no_order, headers=customer.auth), 422)
    refused(await add_card(server, customer, VISA, sessionData=checkout["sessionData"]), 422)
    refused(await add_card(server, customer, VISA, sessionData="forged.session"), 422)
    data(await add_card(server, customer, VISA, sessionData=kept["sessionData"]))
    frozen.advance(hours=2)
    fresh = data(await log_in(server, publisher, customer.email))
    again = Customer(customer.email, fresh["jwt"], fresh["refreshToken"], customer.id)
    refused(await add_card(server, again, VISA, sessionData=kept["sessionData"]), 422, text="expired")


async def test_a_card_added_over_another_is_the_one_payment_detail(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    data(await add_card(server, customer, VISA))
    data(await add_card(server, customer, MASTERCARD))
    [only] = await details_of(server, customer)
    assert only["paymentMethodSpecificParams"]["lastCardFourDigits"] == "4444"


async def test_a_paypal_checkout_keeps_paypal_as_the_payment_details_renewals_charge(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    made = await order(server, customer, shop.monthly_id, paymentMethodId=2)
    urls = {"orderId": made["id"], "successUrl": "https://app.example.com/welcome"}
    started = data(await call(server, "POST", "/connectors/paypal/v1/tokens", urls, headers=customer.auth))
    back = await answer_page(server, started["redirectUrl"], "success")
    assert back.headers["location"].startswith("https://app.example.com/welcome")
    await server.run_jobs()  # the sandbox's event settles the first payment
    assert await has_access(server, customer, shop.monthly_id)
    [detail] = await details_of(server, customer)
    assert (detail["paymentMethod"], detail["paymentMethodId"], detail["active"], detail["customerId"]) == (
        "paypal",
        2,
        True,
        customer.id,
    )
    [first] = await fetch_rows(server, Payment, publisher.merchant.id)
    [profile] = await fetch_rows(server, PaymentProfile, publisher.merchant.id)
    assert profile.method_token == first.gateway_method  # the agreement approved with the first payment
    assert await renewal_method(server, publisher, frozen) == "paypal"
