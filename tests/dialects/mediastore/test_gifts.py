"""Gifts through MediaStore: an order bought as a gift, its delivery details (a recipient, a day, a note) set on
the order and changed on the gift until it is sent, paid by coupon, card (3-D Secure too) or PayPal; the e-mail
sent at once or by the worker's chore on the day. One bought through the InPlayer API is read by its buyer,
checked and redeemed by its receiver, once."""

from __future__ import annotations

from typing import Any

import httpx

from boxoffice.billing import gift_delivery
from boxoffice.billing.models import Gift, Payment
from boxoffice.dialects.inplayer.transactions import charge_token
from boxoffice.kit import clock, jobs
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import fetch_rows, plain_text, sign_in
from tests.dialects.inplayer.test_gifts import code_in, gift_form, gift_mail
from tests.dialects.inplayer.test_payment_methods import answer_page
from tests.dialects.inplayer.test_payments import CHALLENGE, VISA
from tests.dialects.inplayer.test_refunds import refund
from tests.dialects.inplayer.test_vouchers import add_voucher
from tests.dialects.mediastore.conftest import PASSWORD, Customer, Publisher, call, data, refused, register
from tests.dialects.mediastore.test_connectors import has_access, pay
from tests.dialects.mediastore.test_offers import Shop, shop
from tests.dialects.mediastore.test_orders import order

__all__ = ["shop"]  # the offers' fixture, used here too

FRIEND, OTHER = "friend@example.com", "other@example.com"
NOTE = "Happy birthday!\nSee you at the final."


async def gift_order(server: Server, customer: Customer, offer: str, **extra: Any) -> dict[str, Any]:
    return await order(server, customer, offer, buyAsAGift=True, **extra)


async def deliver(server: Server, customer: Customer, order_id: int, details: Any) -> httpx.Response:
    body = {"deliveryDetails": details}
    return await call(server, "PATCH", f"/orders/{order_id}", body, headers=customer.auth)


def details(email: str = FRIEND, date: int | None = None, note: str = NOTE) -> dict[str, Any]:
    return {"recipientEmail": email, "deliveryDate": date, "personalNote": note}


async def paypal(server: Server, customer: Customer, order_id: int) -> httpx.Response:
    urls = {"orderId": order_id, "successUrl": "https://app.example.com/thankyou"}
    return await call(server, "POST", "/connectors/paypal/v1/tokens", urls, headers=customer.auth)


async def only_gift(server: Server, publisher: Publisher) -> Gift:
    [gift] = await fetch_rows(server, Gift, publisher.merchant.id)
    return gift


async def test_a_gift_is_read_by_its_buyer_and_redeemed_once_by_its_receiver(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    signed = await sign_in(server, publisher.merchant, customer.email, PASSWORD)
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    bought = await server.http.post(
        "/payments", headers=headers, data=gift_form(shop.pass_fee["id"], "friend@example.com")
    )
    assert bought.status_code == 200, bought.text
    [gift] = await fetch_rows(server, Gift, publisher.merchant.id)
    read = data(await call(server, "GET", f"/gifts/{gift.id}", headers=customer.auth))
    assert (read["code"], read["offerId"], read["redeemedAt"]) == (gift.code, shop.pass_id, None)
    assert read["deliveryDetails"] == {"recipientEmail": "friend@example.com", "deliveryDate": None, "personalNote": ""}
    assert gift.sent_at is not None and read["sentAt"] == clock.unix(gift.sent_at)  # mailed when bought
    friend = await register(server, publisher, "friend@example.com")
    refused(await call(server, "GET", f"/gifts/{gift.id}", headers=friend.auth), 404)  # the buyer's alone
    checked = data(await call(server, "GET", f"/gifts/verification/{gift.code}", headers=friend.auth))
    assert (checked["redeemable"], checked["redeemRefusalReason"], checked["offerId"]) == (True, None, shop.pass_id)
    redeemed = data(await call(server, "POST", f"/gifts/redeem/{gift.code}", headers=friend.auth))
    assert (redeemed["redeemable"], redeemed["redeemRefusalReason"]) == (False, "REDEEMED")
    held = data(await call(server, "GET", f"/entitlements/{shop.pass_id}", headers=friend.auth))
    assert held["accessGranted"] is True
    refused(await call(server, "POST", f"/gifts/redeem/{gift.code}", headers=customer.auth), 422, text="redeemed")
    refused(await call(server, "GET", "/gifts/verification/NOSUCHCODE", headers=friend.auth), 404)


async def test_a_refunded_gift_is_no_longer_redeemable(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await gift_order(server, customer, shop.pass_id)
    data(await deliver(server, customer, made["id"], details()))
    data(await pay(server, customer, made["id"], VISA))
    [payment] = await fetch_rows(server, Payment, publisher.merchant.id)
    assert (await refund(server, publisher.merchant, charge_token(payment))).status_code == 200
    gift = await only_gift(server, publisher)
    friend = await register(server, publisher, FRIEND)
    checked = data(await call(server, "GET", f"/gifts/verification/{gift.code}", headers=friend.auth))
    # The SDK's words for it: the offer the code was for is no longer there to be had.
    assert (checked["redeemable"], checked["redeemRefusalReason"]) == (False, "INACTIVE_OFFER")
    refused(await call(server, "POST", f"/gifts/redeem/{gift.code}", headers=friend.auth), 422, text="refunded")
    assert not await has_access(server, friend, shop.pass_id)


async def test_a_gift_bought_with_a_full_coupon_goes_to_its_receiver_at_once_with_the_note(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, mailbox: Mailbox
) -> None:
    assert (await add_voucher(server, publisher.merchant, code="ALL", discount="100")).status_code == 201
    made = await gift_order(server, customer, shop.pass_id, couponCode="ALL")
    assert (made["buyAsAGift"], made["deliveryDetails"], made["totalPrice"]) == (True, None, 0)
    # Not paid before the buyer says whom it is for.
    refused(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth), 422, text="gift")
    patched = data(await deliver(server, customer, made["id"], details()))["order"]
    assert patched["deliveryDetails"] == {"recipientEmail": FRIEND, "deliveryDate": None, "personalNote": NOTE}
    read = data(await call(server, "GET", f"/orders/{made['id']}", headers=customer.auth))["order"]
    assert read["deliveryDetails"] == patched["deliveryDetails"] and read["buyAsAGift"] is True
    paid = data(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth))
    assert (paid["status"], paid["totalAmount"]) == ("captured", 0)
    assert not await has_access(server, customer, shop.pass_id)  # a gift, not the buyer's access
    gift = await only_gift(server, publisher)
    assert (gift.receiver_email, gift.personal_note, gift.delivery_date) == (FRIEND, NOTE, None)
    assert gift.sent_at is not None
    await server.run_jobs()
    text = plain_text(gift_mail(mailbox, FRIEND))
    assert "Happy birthday!\nSee you at the final." in text.replace("\r\n", "\n") and gift.code in text
    shown = data(await call(server, "GET", f"/gifts/{gift.id}", headers=customer.auth))
    assert shown["sentAt"] == clock.unix(gift.sent_at) and shown["deliveryDetails"]["personalNote"] == NOTE
    # Once sent, its delivery can't be called back.
    late = await call(server, "PATCH", f"/gifts/{gift.id}", {"deliveryDetails": details(OTHER)}, headers=customer.auth)
    refused(late, 422, text="already been sent")
    friend = await register(server, publisher, FRIEND)
    redeemed = data(await call(server, "POST", f"/gifts/redeem/{code_in(gift_mail(mailbox))}", headers=friend.auth))
    assert redeemed["redeemRefusalReason"] == "REDEEMED"
    assert await has_access(server, friend, shop.pass_id) and not await has_access(server, customer, shop.pass_id)
    redeemed_first = await call(
        server, "PATCH", f"/gifts/{gift.id}", {"deliveryDetails": details()}, headers=customer.auth
    )
    refused(redeemed_first, 422, text="redeemed")


async def test_an_order_turns_into_a_gift_and_back_as_the_sdk_asks(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id)
    path = f"/orders/{made['id']}"
    # "Purchase as a gift", then the delivery with the payment (as the SDK's Adyen and PayPal steps send them).
    gift = data(await call(server, "PATCH", path, {"buyAsAGift": True}, headers=customer.auth))["order"]
    assert (gift["buyAsAGift"], gift["deliveryDetails"]) == (True, None)
    both = {"buyAsAGift": True, "deliveryDetails": details()}
    assert data(await call(server, "PATCH", path, both, headers=customer.auth))["order"]["deliveryDetails"] == (
        details()
    )
    # "Purchase for myself": the delivery goes with it.
    mine = data(await call(server, "PATCH", path, {"buyAsAGift": False}, headers=customer.auth))["order"]
    assert (mine["buyAsAGift"], mine["deliveryDetails"]) == (False, None)
    refused(await call(server, "PATCH", path, {"buyAsAGift": "yes"}, headers=customer.auth), 400)
    monthly = await order(server, customer, shop.monthly_id)
    refused(
        await call(server, "PATCH", f"/orders/{monthly['id']}", {"buyAsAGift": True}, headers=customer.auth),
        422,
        text="gift",
    )
    data(await pay(server, customer, made["id"], VISA))
    assert await has_access(server, customer, shop.pass_id)
    # Already held: a new order for it can only be a gift.
    again = await gift_order(server, customer, shop.pass_id)
    mine_again = {"buyAsAGift": False}
    refused(
        await call(server, "PATCH", f"/orders/{again['id']}", mine_again, headers=customer.auth),
        409,
        text="Access already granted",
    )


async def test_a_gift_paid_by_card_for_a_later_day_is_sent_by_the_chore_once_due(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, mailbox: Mailbox, frozen: clock.FrozenClock
) -> None:
    assert "billing.gift_deliveries" in jobs.CHORES
    later = clock.unix(frozen.now()) + 2 * 86400
    made = await gift_order(server, customer, shop.pass_id)
    data(await deliver(server, customer, made["id"], details(date=later)))
    paid = data(await pay(server, customer, made["id"], VISA))["payment"]
    assert (paid["status"], paid["totalAmount"]) == ("captured", 12.3)
    assert not await has_access(server, customer, shop.pass_id)
    gift = await only_gift(server, publisher)
    shown = data(await call(server, "GET", f"/gifts/{gift.id}", headers=customer.auth))
    assert (shown["sentAt"], shown["deliveryDetails"]["deliveryDate"]) == (None, later)
    # Before it is sent, the buyer may send it elsewhere, with other words, a day sooner.
    sooner = later - 86400
    changed = {"deliveryDetails": details(OTHER, sooner, "From all of us")}
    shown = data(await call(server, "PATCH", f"/gifts/{gift.id}", changed, headers=customer.auth))
    assert shown["deliveryDetails"] == {
        "recipientEmail": OTHER,
        "deliveryDate": sooner,
        "personalNote": "From all of us",
    }
    assert shown["sentAt"] is None
    await gift_delivery.gift_deliveries_chore(server.app.state.sessions, server.settings)
    await server.run_jobs()
    assert mailbox.to(OTHER) == [] and mailbox.to(FRIEND) == []  # not due yet
    frozen.advance(days=1)
    await gift_delivery.gift_deliveries_chore(server.app.state.sessions, server.settings)
    await gift_delivery.gift_deliveries_chore(server.app.state.sessions, server.settings)  # sent once
    await server.run_jobs()
    assert "From all of us" in plain_text(gift_mail(mailbox, OTHER)) and mailbox.to(FRIEND) == []
    sent = await only_gift(server, publisher)
    assert sent.sent_at == frozen.now()


async def test_a_gift_finished_after_3d_secure_or_paid_with_paypal_carries_its_delivery(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, mailbox: Mailbox, frozen: clock.FrozenClock
) -> None:
    later = clock.unix(frozen.now()) + 86400
    made = await gift_order(server, customer, shop.pass_id)
    data(await deliver(server, customer, made["id"], details(date=later)))
    action = data(await pay(server, customer, made["id"], CHALLENGE))["action"]
    await answer_page(server, action["url"], "success")
    finalize = {"orderId": made["id"], "details": {"redirectResult": "x"}}
    done = data(
        await call(server, "POST", "/connectors/adyen/initial-payment/finalize", finalize, headers=customer.auth)
    )
    assert done["payment"]["status"] == "captured"
    gift = await only_gift(server, publisher)
    assert (gift.delivery_date, gift.personal_note, gift.sent_at) == (clock.from_unix(later), NOTE, None)
    # A date taken back (null) is now: it goes at once.
    now = {"deliveryDetails": details(date=None)}
    assert data(await call(server, "PATCH", f"/gifts/{gift.id}", now, headers=customer.auth))["sentAt"] is not None
    await server.run_jobs()
    assert code_in(gift_mail(mailbox, FRIEND)) == gift.code
    # PayPal: settled by the gateway's event, through the worker.
    other = await gift_order(server, customer, shop.pass_id)
    refused(await paypal(server, customer, other["id"]), 422, text="recipient")
    data(await deliver(server, customer, other["id"], details(OTHER)))
    started = data(await paypal(server, customer, other["id"]))
    await answer_page(server, started["redirectUrl"], "success")
    await server.run_jobs()
    await server.run_jobs()  # the e-mail the settlement enqueued
    assert "See you at the final." in plain_text(gift_mail(mailbox, OTHER))
    assert not await has_access(server, customer, shop.pass_id)


async def test_bad_gift_deliveries_are_refused(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    # Only a giftable (one-time) offer is bought as a gift.
    subscription = await call(
        server, "POST", "/orders", {"offerId": shop.monthly_id, "buyAsAGift": True}, headers=customer.auth
    )
    refused(subscription, 422, text="gift")
    mine = await order(server, customer, shop.pass_id)
    refused(await deliver(server, customer, mine["id"], details()), 422, text="gift")
    made = await gift_order(server, customer, shop.pass_id)
    for wrong in (
        "friend@example.com",
        [details()],
        details() | {"recipientEmail": 7},
        details() | {"deliveryDate": "tomorrow"},
        details() | {"deliveryDate": True},
        details() | {"deliveryDate": -1},
        details() | {"deliveryDate": 10**15},
        details() | {"personalNote": ["hi"]},
    ):
        refused(await deliver(server, customer, made["id"], wrong), 400, "REQ0001", text="deliveryDetails")
    refused(await deliver(server, customer, made["id"], details("not-an-address")), 422, text="email")
    refused(await deliver(server, customer, made["id"], details(note="x" * 501)), 422, text="500")
    refused(await deliver(server, customer, made["id"], {"personalNote": "hi"}), 422, text="email")
    unset = data(await call(server, "GET", f"/orders/{made['id']}", headers=customer.auth))["order"]
    assert unset["deliveryDetails"] is None
    # A day already gone is now; 500 characters are enough for a note.
    yesterday = clock.unix(frozen.now()) - 86400
    kept = data(await deliver(server, customer, made["id"], details(date=yesterday, note="x" * 500)))["order"]
    assert kept["deliveryDetails"]["deliveryDate"] is None and len(kept["deliveryDetails"]["personalNote"]) == 500
    # Another customer's order and gift are not found.
    stranger = await register(server, publisher, "stranger@example.com")
    refused(await deliver(server, stranger, made["id"], details()), 404)
    assert (await add_voucher(server, publisher.merchant, code="ALL", discount="100")).status_code == 201
    data(await call(server, "PATCH", f"/orders/{made['id']}", {"couponCode": "ALL"}, headers=customer.auth))
    data(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth))
    gift = await only_gift(server, publisher)
    for path_id in (gift.id, 999999):
        refused(await call(server, "GET", f"/gifts/{path_id}", headers=stranger.auth), 404)
        moved = {"deliveryDetails": details("stranger@example.com")}
        refused(await call(server, "PATCH", f"/gifts/{path_id}", moved, headers=stranger.auth), 404)
    refused(await call(server, "PATCH", f"/gifts/{gift.id}", {"deliveryDetails": None}, headers=customer.auth), 400)
    refused(await call(server, "PATCH", "/gifts/abc", {"deliveryDetails": details()}, headers=customer.auth), 400)
    assert (await only_gift(server, publisher)).receiver_email == FRIEND
