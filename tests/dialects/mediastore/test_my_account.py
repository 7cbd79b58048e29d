"""My Account through MediaStore, on a subscription and a purchase made through the InPlayer API by the same
account: subscriptions (cancel, take the cancel back, terminate), transactions and the card on file (plan switches:
test_switches)."""

from __future__ import annotations

import httpx
import pytest

from boxoffice.billing.models import Payment, Subscription
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import fetch_rows, sign_in
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.inplayer.test_subscriptions import renew
from tests.dialects.inplayer.test_vouchers import add_voucher
from tests.dialects.mediastore.conftest import PASSWORD, Customer, Publisher, call, data, log_in, refused, register
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop"]  # the offers' fixture, used here too


async def inplayer_token(server: Server, publisher: Publisher, customer: Customer) -> dict[str, str]:
    signed = await sign_in(server, publisher.merchant, customer.email, PASSWORD)
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['access_token']}"}


@pytest.fixture
async def subscribed(server: Server, publisher: Publisher, shop: Shop, customer: Customer) -> Customer:
    headers = await inplayer_token(server, publisher, customer)
    form = card_form(shop.monthly_fee["id"], return_url="https://app.example.com/plans")
    started = await server.http.post("/subscriptions", headers=headers, data=form)
    assert started.status_code == 200, started.text
    return customer


async def patch(server: Server, customer: Customer, **body: str) -> httpx.Response:
    return await call(server, "PATCH", f"/customers/{customer.id}/subscriptions", body, headers=customer.auth)


async def test_a_subscription_is_cancelled_resumed_and_terminated(
    server: Server, publisher: Publisher, shop: Shop, subscribed: Customer
) -> None:
    listed = data(await call(server, "GET", f"/customers/{subscribed.id}/subscriptions", headers=subscribed.auth))
    [running] = listed["items"]
    assert (running["offerId"], running["status"], running["period"], running["nextPaymentPrice"]) == (
        shop.monthly_id,
        "active",
        "month",
        9.99,
    )
    cancelled = data(await patch(server, subscribed, offerId=shop.monthly_id, status="cancelled"))
    assert (cancelled["status"], cancelled["expiresAt"]) == ("cancelled", running["expiresAt"])
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    assert row.status == "canceled" and row.canceled_at is not None
    resumed = data(await patch(server, subscribed, offerId=shop.monthly_id, status="active"))
    assert resumed["status"] == "active"
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    assert (row.status, row.canceled_at, row.due_at) == ("active", None, row.current_period_end)
    ended = data(await patch(server, subscribed, offerId=shop.monthly_id, status="terminated"))
    assert ended["status"] == "terminated"
    after = data(await call(server, "GET", f"/customers/{subscribed.id}/subscriptions", headers=subscribed.auth))
    assert after["items"] == []
    access = data(await call(server, "GET", f"/entitlements/{shop.monthly_id}", headers=subscribed.auth))
    assert access["accessGranted"] is False


async def test_bad_subscription_changes_are_refused(
    server: Server, publisher: Publisher, shop: Shop, subscribed: Customer
) -> None:
    refused(await patch(server, subscribed, offerId=shop.pass_id, status="cancelled"), 404)
    refused(await patch(server, subscribed, offerId="nonsense", status="cancelled"), 422, text="offerId")
    refused(await patch(server, subscribed, offerId=shop.monthly_id, status="paused"), 422, text="status")
    long_reason = await patch(
        server, subscribed, offerId=shop.monthly_id, status="cancelled", cancellationReason="x" * 101
    )
    refused(long_reason, 422)
    other = await register(server, publisher, "other@example.com")
    refused(await call(server, "GET", f"/customers/{subscribed.id}/subscriptions", headers=other.auth), 403)
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    assert row.status == "active"


async def test_transactions_and_the_card_on_file(
    server: Server, publisher: Publisher, shop: Shop, subscribed: Customer
) -> None:
    headers = await inplayer_token(server, publisher, subscribed)
    bought = await server.http.post("/payments", headers=headers, data=card_form(shop.pass_fee["id"]))
    assert bought.status_code == 200, bought.text
    found = data(await call(server, "GET", f"/customers/{subscribed.id}/transactions", headers=subscribed.auth))
    assert sorted(
        (t["offerId"], t["offerType"], t["transactionPriceInclTax"], t["transactionCurrency"]) for t in found["items"]
    ) == [
        (shop.pass_id, "P", "12.3000", "EUR"),
        (shop.monthly_id, "S", "9.9900", "EUR"),
    ]
    assert all(t["transactionId"].startswith("T") and t["publisherId"] == publisher.id for t in found["items"])
    first = data(
        await call(
            server, "GET", f"/customers/{subscribed.id}/transactions", headers=subscribed.auth, params={"limit": 1}
        )
    )
    assert len(first["items"]) == 1
    details = data(await call(server, "GET", f"/customers/{subscribed.id}/payment_details", headers=subscribed.auth))
    [card] = details["paymentDetails"]
    assert (card["paymentMethod"], card["active"], card["paymentMethodSpecificParams"]["lastCardFourDigits"]) == (
        "card",
        True,
        "4242",
    )
    nobody = await register(server, publisher, "nobody@example.com")
    assert data(await call(server, "GET", f"/customers/{nobody.id}/payment_details", headers=nobody.auth)) == {
        "paymentDetails": []
    }
    refused(await call(server, "DELETE", f"/payment_details/{card['id']}", headers=nobody.auth), 404)
    forgotten = data(await call(server, "DELETE", f"/payment_details/{card['id']}", headers=subscribed.auth))
    assert forgotten == {"paymentDetailsId": card["id"]}
    after = data(await call(server, "GET", f"/customers/{subscribed.id}/payment_details", headers=subscribed.auth))
    assert after == {"paymentDetails": []}
    transaction = found["items"][0]["transactionId"]
    pdf = await call(server, "GET", f"/receipt/{transaction}", headers=subscribed.auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    refused(await call(server, "GET", f"/receipt/{transaction}", headers=nobody.auth), 404)
    refused(await call(server, "GET", "/receipt/42", headers=subscribed.auth), 422, "REQ0003")


async def test_a_coupon_on_a_running_subscription_discounts_its_next_charge(
    server: Server, publisher: Publisher, shop: Shop, subscribed: Customer, frozen: clock.FrozenClock
) -> None:
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    path = f"/customers/{subscribed.id}/subscriptions/{row.id}"
    refused(await call(server, "PATCH", path, {"couponCode": "NOPE"}, headers=subscribed.auth), 422, text="not found")
    assert (await add_voucher(server, publisher.merchant, code="HALF", discount="50")).status_code == 201
    assert (
        await add_voucher(server, publisher.merchant, code="SPENT", discount="10", usage_limit="1")
    ).status_code == 201
    other = await register(server, publisher, "other@example.com")
    refused(await call(server, "PATCH", path, {"couponCode": "HALF"}, headers=other.auth), 403)
    data(await call(server, "PATCH", path, {"couponCode": "HALF"}, headers=subscribed.auth))
    again = await call(server, "PATCH", path, {"couponCode": "SPENT"}, headers=subscribed.auth)
    refused(again, 422, text="already applied")
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    assert row.discounted_charges_left == 1 and row.voucher_id is not None
    # My Account shows the next payment as it will be charged, in both places it reads one.
    [listed] = data(await call(server, "GET", f"/customers/{subscribed.id}/subscriptions", headers=subscribed.auth))[
        "items"
    ]
    held = data(await call(server, "GET", f"/customers/{subscribed.id}/offers", headers=subscribed.auth))["items"]
    assert listed["nextPaymentPrice"] == 4.99 and [o["nextPaymentPrice"] for o in held] == [4.99]
    frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    charged = sorted(p.amount for p in await fetch_rows(server, Payment, publisher.merchant.id))
    assert charged == [499, 999]  # 9.99 less half of it (5.00, rounded half up), after the first full month
    fresh = data(await log_in(server, publisher, subscribed.email))["jwt"]  # a month on, a new token
    path = f"/customers/{subscribed.id}/subscriptions"
    [listed] = data(await call(server, "GET", path, headers={"Authorization": f"Bearer {fresh}"}))["items"]
    assert listed["nextPaymentPrice"] == 9.99  # the coupon was for one charge
