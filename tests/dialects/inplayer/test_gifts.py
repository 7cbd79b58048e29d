"""Gifts: `POST /payments` with `is_gift` and `receiver_email` buys one, the receiver gets its code by e-mail and
redeems it (`GET /v2/gifts/{code}`, `POST /v2/gifts/{code}/redeem`); a full refund voids it."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

import httpx
from sqlalchemy import func, select

from boxoffice.access.models import Entitlement
from boxoffice.billing import gifts, ledger
from boxoffice.billing.models import Gift, LedgerEntry, Payment, PaymentProfile
from boxoffice.gateways.models import SandboxCharge
from boxoffice.kit.jobs import Job
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    plain_text,
    sign_up,
)
from tests.dialects.inplayer.test_payments import CHALLENGE, DECLINED, books_hold, card_form, pay, priced_item
from tests.dialects.inplayer.test_refunds import refund
from tests.dialects.inplayer.test_vouchers import add_voucher

FRIEND = "friend@example.com"


def gift_form(fee_id: int, receiver: str = FRIEND, **extra: str) -> dict[str, str]:
    """What the SDK's `createPayment` sends for a gift (`isGift`, `receiverEmail`)."""
    return card_form(fee_id, **({"is_gift": "true", "receiver_email": receiver} | extra))


def gift_mail(mailbox: Mailbox, receiver: str = FRIEND) -> EmailMessage:
    found = [m for m in mailbox.to(receiver) if "sent you a gift" in str(m["Subject"])]
    assert len(found) == 1, [str(m["Subject"]) for m in mailbox.to(receiver)]
    return found[0]


def code_in(message: EmailMessage) -> str:
    """The code as the receiver reads it: a line of its own in the text part."""
    [code] = re.findall(r"^([A-Z0-9]{12})\r?$", plain_text(message), re.MULTILINE)
    return code


async def bought_gift(server: Server, merchant: Merchant, buyer: Viewer, mailbox: Mailbox) -> tuple[int, str]:
    """The item id and the code the receiver was mailed."""
    item_id, fee_id = await priced_item(server, merchant)
    paid = await pay(server, buyer, gift_form(fee_id))
    assert paid.status_code == 200, paid.text
    await server.run_jobs()
    return item_id, code_in(gift_mail(mailbox))


async def redeem(server: Server, viewer: Viewer, code: str) -> httpx.Response:
    return await server.http.post(f"/v2/gifts/{code}/redeem", headers=viewer.auth)


async def can_watch(server: Server, viewer: Viewer, item_id: int) -> bool:
    answer = await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)
    assert answer.status_code in (200, 402), answer.text
    return answer.status_code == 200


async def test_a_gift_is_mailed_to_its_receiver_who_redeems_it_and_the_buyer_gets_no_access(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    paid = await pay(server, viewer, gift_form(fee_id, receiver=" Friend@Example.com "))
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"code": 200, "message": "Submitted for payment"}
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.kind, payment.status, payment.amount, payment.entitlement_id) == ("gift", "succeeded", 499, None)
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert not await can_watch(server, viewer, item_id)
    [gift] = await fetch_rows(server, Gift, merchant.id)
    assert (gift.payment_id, gift.product_id, gift.price_id, gift.buyer_customer_id) == (
        payment.id,
        item_id,
        fee_id,
        viewer.id,
    )
    assert gift.receiver_email == "Friend@example.com" and gift.redeemed_at is None
    assert len(gift.code) == 12 and set(gift.code) <= set(gifts.ALPHABET)

    # The e-mail was written with the payment and goes out with the worker, to the real SMTP server.
    assert mailbox.to("Friend@example.com") == []
    await server.run_jobs()
    message = gift_mail(mailbox, "Friend@example.com")
    assert message["Subject"] == "Vera Viewer sent you a gift: Cup final"
    assert code_in(message) == gift.code
    html = message.get_body(("html",))
    assert html is not None and f'<code data-token="gift-code">{gift.code}</code>' in str(html.get_content())
    assert viewer.email not in plain_text(message)  # the buyer is named, their address not given away

    friend = await sign_up(server, merchant, email=FRIEND, full_name="Fred Friend")
    # The receiver checks the code, typed in lower case and in groups.
    typed = f"{gift.code[:4]}-{gift.code[4:8]} {gift.code[8:]}".lower()
    checked = await server.http.get(f"/v2/gifts/{typed}", headers=friend.auth)
    assert checked.status_code == 200, checked.text
    assert checked.json() == {
        "code": gift.code,
        "item_id": item_id,
        "item_title": "Cup final",
        "access_fee_id": fee_id,
        "redeemed": False,
        "refunded": False,
        "from_name": "Vera Viewer",
    }
    assert viewer.email not in checked.text

    redeemed = await redeem(server, friend, typed)
    assert redeemed.status_code == 200, redeemed.text
    body = redeemed.json()
    assert body["redeemed"] is True and body["item_id"] == item_id
    assert body["expires_at"] - body["starts_at"] == 7 * 86400  # the fee's seven days, from the redemption
    assert await can_watch(server, friend, item_id)
    assert not await can_watch(server, viewer, item_id)
    [entitlement] = await fetch_rows(server, Entitlement, merchant.id)
    assert (entitlement.customer_id, entitlement.source, entitlement.source_ref, entitlement.price_id) == (
        friend.id,
        "gift",
        str(payment.id),
        fee_id,
    )
    assert body["item_access_id"] == entitlement.id
    # The receiver's purchase list shows it as a gift, behind the buyer's charge.
    [listed] = (await server.http.get("/items/access/customers", headers=friend.auth)).json()["collection"]
    assert (listed["type"], listed["parent_resource_id"]) == ("gift", f"C-{payment.id}")
    assert (await server.http.get(f"/v2/gifts/{gift.code}", headers=friend.auth)).json()["redeemed"] is True

    # Once only, for anyone.
    again = assert_error(await redeem(server, friend, gift.code), 409)
    assert again["message"] == "This gift has already been redeemed"
    assert_error(await redeem(server, viewer, gift.code), 409)
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert await books_hold(server, merchant) == {"EUR": 499}
    async with server.app.state.sessions() as session:
        assert await ledger.balance(session, merchant.id, "revenue", "EUR") == -499


async def test_twenty_redemptions_at_once_open_one_access(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    item_id, code = await bought_gift(server, merchant, viewer, mailbox)
    friends = [await sign_up(server, merchant, email=f"friend{n}@example.com") for n in range(5)]
    answers = await asyncio.gather(*(redeem(server, friends[n % 5], code) for n in range(20)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 19, [a.text for a in answers]
    [winner] = [friends[n % 5] for n, a in enumerate(answers) if a.status_code == 200]
    [entitlement] = await fetch_rows(server, Entitlement, merchant.id)
    assert entitlement.customer_id == winner.id
    [gift] = await fetch_rows(server, Gift, merchant.id)
    assert (gift.redeemed_by_customer_id, gift.entitlement_id) == (winner.id, entitlement.id)
    assert [await can_watch(server, f, item_id) for f in friends].count(True) == 1


async def test_a_gift_may_be_paid_with_a_voucher(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    assert (await add_voucher(server, merchant, code="HALF", discount="50")).status_code == 201
    paid = await pay(server, viewer, gift_form(fee_id, voucher_code="half"))
    assert paid.status_code == 200, paid.text
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.kind, payment.amount, payment.discount) == ("gift", 249, 250)
    await server.run_jobs()
    friend = await sign_up(server, merchant, email=FRIEND)
    assert (await redeem(server, friend, code_in(gift_mail(mailbox)))).status_code == 200
    assert await can_watch(server, friend, item_id)
    assert await books_hold(server, merchant) == {"EUR": 249}


async def test_a_declined_gift_makes_no_gift_and_sends_nothing(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    _, fee_id = await priced_item(server, merchant)
    assert_error(await pay(server, viewer, gift_form(fee_id, number=DECLINED)), 402, "decline_code")
    await server.run_jobs()
    assert await count_rows(server, Gift, merchant.id) == 0
    assert mailbox.to(FRIEND) == []
    assert await count_rows(server, LedgerEntry, merchant.id) == 0


async def test_a_3d_secure_gift_is_made_and_mailed_when_the_challenge_is_confirmed(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    _, fee_id = await priced_item(server, merchant)
    body = (await pay(server, viewer, gift_form(fee_id, number=CHALLENGE))).json()
    await server.run_jobs()
    assert await count_rows(server, Gift, merchant.id) == 0 and mailbox.to(FRIEND) == []
    await server.http.get(body["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    assert (await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})).status_code == 200
    await server.run_jobs()
    [gift] = await fetch_rows(server, Gift, merchant.id)
    assert code_in(gift_mail(mailbox)) == gift.code
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert await books_hold(server, merchant) == {"EUR": 499}


async def gift_token(server: Server, buyer: Viewer) -> str:
    history = (await server.http.get("/v2/accounting/payment-history", headers=buyer.auth)).json()
    return str(history["collection"][0]["transaction_token"])


async def test_a_full_refund_voids_an_unredeemed_gift(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    _, code = await bought_gift(server, merchant, viewer, mailbox)
    token = await gift_token(server, viewer)
    # A partial refund leaves the gift as it is; the rest of it voids the code.
    assert (await refund(server, merchant, token, amount="1.00")).status_code == 200
    friend = await sign_up(server, merchant, email=FRIEND)
    assert (await server.http.get(f"/v2/gifts/{code}", headers=friend.auth)).json()["refunded"] is False
    assert (await refund(server, merchant, token)).status_code == 200
    checked = (await server.http.get(f"/v2/gifts/{code}", headers=friend.auth)).json()
    assert (checked["refunded"], checked["redeemed"]) == (True, False)
    refused = assert_error(await redeem(server, friend, code), 409)
    assert refused["message"] == "This gift was refunded"
    assert await count_rows(server, Entitlement, merchant.id) == 0
    [gift] = await fetch_rows(server, Gift, merchant.id)
    assert gift.refunded_at is not None and gift.redeemed_at is None
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
        assert await ledger.balance(session, merchant.id, "refunds", "EUR") == 499
        assert await ledger.balance(session, merchant.id, "gateway_clearing", "EUR") == 0


async def test_a_full_refund_of_a_redeemed_gift_ends_the_receivers_access(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    item_id, code = await bought_gift(server, merchant, viewer, mailbox)
    friend = await sign_up(server, merchant, email=FRIEND)
    assert (await redeem(server, friend, code)).status_code == 200
    assert await can_watch(server, friend, item_id)
    assert (await refund(server, merchant, await gift_token(server, viewer))).status_code == 200
    assert not await can_watch(server, friend, item_id)
    [entitlement] = await fetch_rows(server, Entitlement, merchant.id)
    assert entitlement.revoked_reason == "refunded"
    checked = (await server.http.get(f"/v2/gifts/{code}", headers=friend.auth)).json()
    assert (checked["redeemed"], checked["refunded"]) == (True, True)


async def test_the_payment_history_shows_the_gift_to_its_buyer_and_the_merchant_only(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    item_id, code = await bought_gift(server, merchant, viewer, mailbox)
    [gift] = await fetch_rows(server, Gift, merchant.id)
    shown = {"id": gift.id, "code": code, "buyer_email": viewer.email, "receiver_email": FRIEND}
    [mine] = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()["collection"]
    assert (mine["gift"], mine["action_type"], mine["item_id"], mine["charged_amount"]) == (
        shown,
        "payment",
        item_id,
        4.99,
    )
    [theirs] = (await server.http.get("/payments/transactions", headers=merchant.auth)).json()["collection"]
    assert theirs["gift"] == shown
    [assets] = (await server.http.get("/payments/transactions", headers=viewer.auth)).json()["collection"]
    assert assets["gift"] == shown
    # The receiver, even after redeeming, sees no payment and so no code; a purchase row has no gift.
    friend = await sign_up(server, merchant, email=FRIEND)
    await redeem(server, friend, code)
    for path in ("/v2/accounting/payment-history", "/payments/transactions"):
        assert (await server.http.get(path, headers=friend.auth)).json()["total"] == 0
    _, fee_id = await priced_item(server, merchant)
    await pay(server, viewer, card_form(fee_id))
    purchase, _ = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()["collection"]
    assert "gift" not in purchase and purchase["action_type"] == "payment"


async def count_jobs(server: Server) -> int:
    async with server.app.state.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Job)) or 0)


async def test_bad_gifts_are_refused_and_write_nothing(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    _, fee_id = await priced_item(server, merchant)
    jobs_before = await count_jobs(server)
    without_receiver = card_form(fee_id, is_gift="1")
    cases: list[tuple[dict[str, str], str]] = [
        (without_receiver, "receiver_email"),
        (gift_form(fee_id, receiver=""), "receiver_email"),
        (gift_form(fee_id, receiver="   "), "receiver_email"),
        (gift_form(fee_id, receiver="not-an-address"), "receiver_email"),
        (gift_form(fee_id, receiver="friend@"), "receiver_email"),
        (gift_form(fee_id, receiver="a" * 250 + "@example.com"), "receiver_email"),
        (gift_form(fee_id, is_gift="maybe"), "is_gift"),
        (card_form(fee_id, receiver_email=FRIEND), "is_gift"),
        (card_form(fee_id, is_gift="false", receiver_email=FRIEND), "is_gift"),
    ]
    for form, field in cases:
        assert_error(await pay(server, viewer, form), 422, field)
    for model in (Payment, Gift, PaymentProfile, SandboxCharge, Entitlement):
        assert await count_rows(server, model, merchant.id) == 0, model
    assert await count_jobs(server) == jobs_before
    # A key used for a purchase is not reused for a gift, nor one gift's for another receiver.
    assert (await pay(server, viewer, card_form(fee_id), key="order-1")).status_code == 200
    assert_error(await pay(server, viewer, gift_form(fee_id), key="order-1"), 409)
    assert (await pay(server, viewer, gift_form(fee_id), key="order-2")).status_code == 200
    assert_error(await pay(server, viewer, gift_form(fee_id, receiver="other@example.com"), key="order-2"), 409)
    assert await count_rows(server, Gift, merchant.id) == 1


async def test_unknown_and_other_merchants_codes_are_not_found(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    rival = await make_merchant(server, "owner@rival.example.com")
    fan = await sign_up(server, rival, email="fan@rival.example.com")
    _, their_code = await bought_gift(server, rival, fan, mailbox)
    for code in (their_code, their_code.lower(), "ABCDEFGHJKMN", "x"):
        assert_error(await server.http.get(f"/v2/gifts/{code}", headers=viewer.auth), 404)
        assert_error(await redeem(server, viewer, code), 404)
    assert_error(await redeem(server, viewer, "A" * 65), 422)
    assert_error(await server.http.post(f"/v2/gifts/{their_code}/redeem"), 401)
    assert_error(await server.http.post(f"/v2/gifts/{their_code}/redeem", headers=rival.auth), 403)
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert await count_rows(server, Entitlement, rival.id) == 0
    [gift] = await fetch_rows(server, Gift, rival.id)
    assert gift.redeemed_at is None
    # Their own viewer may still redeem it.
    assert (await redeem(server, fan, their_code)).status_code == 200
