"""Buying access by card: `GET /payments/methods` and `POST /payments` (createPayment, confirmPayment), with the
sandbox gateway's test cards, the entitlement it opens and the books it writes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing import janitor, ledger
from boxoffice.billing.models import LedgerEntry, Payment, Refund
from boxoffice.gateways.models import SandboxCharge, SandboxRefund
from boxoffice.gateways.protocol import ChargeResult, GatewayError
from boxoffice.gateways.sandbox import SandboxGateway
from boxoffice.kit import clock, jobs
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_up,
)

VISA, DECLINED, NO_FUNDS, CHALLENGE = "4242424242424242", "4000000000000002", "4000000000009995", "4000002500003155"


def card_form(fee_id: int, number: str = VISA, **extra: str) -> dict[str, str]:
    """The form the SDK's `createPayment` sends."""
    return {
        "number": number,
        "card_name": "Vera Viewer",
        "exp_month": "12",
        "exp_year": str(clock.now().year + 2),
        "cvv": "123",
        "access_fee": str(fee_id),
        "payment_method": "1",
        "referrer": "https://app.example.com/film",
        "branding_id": "undefined",
        "return_url": "https://app.example.com/film?ippwat=ppv",
    } | extra


async def pay(server: Server, viewer: Viewer, form: dict[str, str], key: str | None = None) -> httpx.Response:
    headers = viewer.auth | ({"Idempotency-Key": key} if key else {})
    return await server.http.post("/payments", headers=headers, data=form)


async def priced_item(server: Server, merchant: Merchant, **fee: Any) -> tuple[int, int]:
    item = await add_item(server, merchant)
    return item["id"], (await add_fee(server, merchant, item["id"], **fee))["id"]


async def books_hold(server: Server, merchant: Merchant) -> dict[str, int]:
    """The ledger balances, and its clearing account holds exactly what succeeded payments took, per currency."""
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
    taken: dict[str, int] = {}
    for payment in await fetch_rows(server, Payment, merchant.id):
        if payment.status == "succeeded":
            taken[payment.currency] = taken.get(payment.currency, 0) + payment.amount
    cleared: dict[str, int] = {}
    for entry in await fetch_rows(server, LedgerEntry, merchant.id):
        if entry.account == "gateway_clearing":
            cleared[entry.currency] = cleared.get(entry.currency, 0) + entry.amount
    assert cleared == taken
    return taken


async def test_the_card_is_the_payment_method(server: Server, viewer: Viewer) -> None:
    methods = await server.http.get("/payments/methods", headers=viewer.auth)
    assert methods.status_code == 200
    assert methods.json()[:2] == [
        {"id": 1, "method_name": "Card", "is_external": False},
        {"id": 2, "method_name": "Paypal", "is_external": True},
    ]
    assert_error(await server.http.get("/payments/methods"), 401)


async def test_a_card_payment_opens_the_item_and_writes_the_books(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    paid = await pay(server, viewer, card_form(fee_id))
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"code": 200, "message": "Submitted for payment"}
    access = await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)
    assert access.status_code == 200, access.text
    # Seven days of access, from the fee's access type.
    assert access.json()["expires_at"] - access.json()["starts_at"] == 7 * 86400
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.status, payment.amount, payment.currency, payment.customer_id) == (
        "succeeded",
        499,
        "EUR",
        viewer.id,
    )
    [entitlement] = await fetch_rows(server, Entitlement, merchant.id)
    assert (entitlement.source, entitlement.source_ref, entitlement.price_id) == ("purchase", str(payment.id), fee_id)
    assert await books_hold(server, merchant) == {"EUR": 499}
    async with server.app.state.sessions() as session:
        assert await ledger.balance(session, merchant.id, "revenue", "EUR") == -499


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        (DECLINED, "card_declined", "Your card was declined"),
        (NO_FUNDS, "insufficient_funds", "Your card has insufficient funds"),
    ],
)
async def test_a_declined_card_opens_nothing_and_writes_no_books(
    server: Server, merchant: Merchant, viewer: Viewer, number: str, code: str, message: str
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    refused = assert_error(await pay(server, viewer, card_form(fee_id, number)), 402, "decline_code")
    assert refused["message"] == message and refused["errors"]["decline_code"] == code
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.status, payment.decline_code) == ("declined", code)
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert await count_rows(server, LedgerEntry, merchant.id) == 0


async def test_a_3d_secure_card_pays_after_the_challenge_and_confirm(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    submitted = await pay(server, viewer, card_form(fee_id, CHALLENGE))
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["message"] == "Submitted for payment" and body["pi_id"].startswith("pi_")
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    # The viewer's browser passes the bank's challenge and comes back to the app with the payment intent.
    page = body["redirect_to_url"].removeprefix("http://testserver")
    back = await server.http.get(page, params={"result": "success"})
    assert back.status_code == 303
    assert back.headers["location"] == f"https://app.example.com/film?ippwat=ppv&payment_intent={body['pi_id']}"
    confirmed = await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})
    assert confirmed.status_code == 200, confirmed.text
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    # Confirming again changes nothing: one entitlement, one charge in the books.
    assert (await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})).status_code == 200
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert await books_hold(server, merchant) == {"EUR": 499}


async def test_a_failed_challenge_is_a_decline(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    body = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    await server.http.get(body["redirect_to_url"].removeprefix("http://testserver"), params={"result": "fail"})
    refused = assert_error(await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]}), 402)
    assert refused["errors"] == {"decline_code": "authentication_failed"}
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    assert await count_rows(server, LedgerEntry, merchant.id) == 0


async def test_one_idempotency_key_sent_twenty_times_at_once_charges_once(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    answers = await asyncio.gather(*(pay(server, viewer, card_form(fee_id), key="order-7") for _ in range(20)))
    assert {a.status_code for a in answers} <= {200, 409}
    assert any(a.status_code == 200 for a in answers)
    assert await count_rows(server, Payment, merchant.id) == 1
    assert await count_rows(server, SandboxCharge, merchant.id) == 1
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert await books_hold(server, merchant) == {"EUR": 499}
    # A replay afterwards answers as the first did; the key for another fee is a conflict.
    assert (await pay(server, viewer, card_form(fee_id), key="order-7")).status_code == 200
    _, other_fee = await priced_item(server, merchant)
    assert_error(await pay(server, viewer, card_form(other_fee), key="order-7"), 409)
    assert await count_rows(server, Payment, merchant.id) == 1


async def test_a_payment_left_pending_by_a_crash_is_reconciled_without_charging_twice(
    server: Server, merchant: Merchant, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from boxoffice.billing import charges

    _, fee_id = await priced_item(server, merchant)

    async def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the process died after the gateway charged")

    monkeypatch.setattr(charges, "settle", crash)
    with pytest.raises(RuntimeError):
        await pay(server, viewer, card_form(fee_id))
    monkeypatch.undo()
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == "pending" and await count_rows(server, SandboxCharge, merchant.id) == 1
    assert await count_rows(server, Entitlement, merchant.id) == 0
    # Not yet: a request may still be talking to the gateway. After a while, the janitor settles it.
    sessions, gateway = server.app.state.sessions, server.app.state.gateways
    assert await janitor.reconcile(sessions, gateway, clock.now()) == 0
    assert await janitor.reconcile(sessions, gateway, clock.now() + janitor.STALE_AFTER + timedelta(seconds=1)) == 1
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == "succeeded"
    assert await count_rows(server, SandboxCharge, merchant.id) == 1
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert await books_hold(server, merchant) == {"EUR": 499}


async def test_bad_payments_are_refused_and_write_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    monthly = (await add_fee(server, merchant, item_id, access_type_id="7", description="Monthly"))["id"]
    rival = await make_merchant(server, "owner@rival.example.com")
    _, their_fee = await priced_item(server, rival)
    past = str(clock.now().year - 1)
    cases: list[tuple[dict[str, str], int, tuple[str, ...]]] = [
        (card_form(fee_id, number=""), 422, ("number",)),
        (card_form(fee_id, number="4242424242424241"), 422, ("number",)),
        (card_form(fee_id, cvv=""), 422, ("cvv",)),
        (card_form(fee_id, cvv="12"), 422, ("cvv",)),
        (card_form(fee_id, exp_month="13"), 422, ("exp_month",)),
        (card_form(fee_id, exp_year=past), 422, ("exp_year",)),
        (card_form(fee_id, exp_year="soon"), 422, ("exp_year",)),
        (card_form(fee_id, card_name=""), 422, ("card_name",)),
        (card_form(fee_id, access_fee=""), 422, ("access_fee",)),
        (card_form(fee_id, access_fee="abc"), 422, ("access_fee",)),
        (card_form(fee_id, payment_method="2"), 422, ("payment_method",)),
        (card_form(fee_id, voucher_code="SPRING"), 422, ("voucher_code",)),
        (card_form(monthly), 422, ("access_fee",)),
        (card_form(999_999), 404, ()),
        (card_form(their_fee), 404, ()),
    ]
    for form, status, fields in cases:
        assert_error(await pay(server, viewer, form), status, *fields)
    assert_error(await pay(server, viewer, card_form(fee_id), key="x" * 151), 422, "idempotency_key")
    await server.http.delete(f"/v2/items/{item_id}/access-fees/{fee_id}", headers=merchant.auth)
    assert_error(await pay(server, viewer, card_form(fee_id)), 422, "access_fee")
    assert_error(await server.http.post("/payments", headers=viewer.auth, data={"pi_id": "pi_unknown"}), 404)
    assert_error(await server.http.post("/payments", data=card_form(fee_id)), 401)
    assert_error(await server.http.post("/payments", headers=merchant.auth, data=card_form(fee_id)), 403)
    assert await count_rows(server, Payment, merchant.id) == 0
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert await count_rows(server, SandboxCharge, merchant.id) == 0


async def test_another_merchants_viewer_cant_confirm_this_ones_payment(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    body = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    rival = await make_merchant(server, "owner@rival.example.com")
    outsider = await sign_up(server, rival, email="fan@rival.example.com")
    assert_error(await server.http.post("/payments", headers=outsider.auth, data={"pi_id": body["pi_id"]}), 404)
    second = await sign_up(server, merchant, email="other@example.com")
    assert_error(await server.http.post("/payments", headers=second.auth, data={"pi_id": body["pi_id"]}), 404)


async def test_the_default_card_is_the_last_one_paid_with_or_set(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    assert (await server.http.get("/v2/payments/cards/default", headers=viewer.auth)).json() == {"cards": {}}
    _, fee_id = await priced_item(server, merchant)
    await pay(server, viewer, card_form(fee_id))
    year = clock.now().year + 2
    shown = await server.http.get("/v2/payments/cards/default", headers=viewer.auth)
    assert shown.json() == {
        "cards": {
            "EUR": {
                "number": "4242",
                "card_name": "Vera Viewer",
                "exp_month": 12,
                "exp_year": year,
                "card_type": "visa",
                "account_id": viewer.id,
            }
        }
    }
    form = {
        "number": "5555 5555 5555 4444",
        "card_name": "Vera V",
        "cvv": "321",
        "exp_month": "3",
        "exp_year": str(year + 1),
        "currency_iso": "USD",
    }
    changed = await server.http.put("/v2/payments/cards/default", headers=viewer.auth, data=form)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"number": "4444", "card_name": "Vera V", "exp_month": 3, "exp_year": year + 1}
    cards = (await server.http.get("/v2/payments/cards/default", headers=viewer.auth)).json()["cards"]
    assert list(cards) == ["USD"] and cards["USD"]["card_type"] == "mastercard"
    for change, field in [
        ({"number": "5555555555554445"}, "number"),
        ({"currency_iso": "usd$"}, "currency_iso"),
        ({"currency_iso": ""}, "currency_iso"),
        ({"exp_year": str(clock.now().year - 1)}, "exp_year"),
        ({"cvv": ""}, "cvv"),
    ]:
        assert_error(
            await server.http.put("/v2/payments/cards/default", headers=viewer.auth, data=form | change), 422, field
        )
    assert (await server.http.get("/v2/payments/cards/default", headers=viewer.auth)).json()["cards"] == cards
    assert_error(await server.http.put("/v2/payments/cards/default", headers=merchant.auth, data=form), 403)
    assert_error(await server.http.get("/v2/payments/cards/default"), 401)


@pytest.mark.parametrize("second_pays", ["at_once", "through_its_own_challenge"])
async def test_a_challenge_awaited_by_an_attempt_another_paid_can_no_longer_be_passed(
    server: Server, merchant: Merchant, viewer: Viewer, second_pays: str
) -> None:
    """Two attempts at one item, the first challenged: once the second pays (at once, or confirmed after its own
    challenge), the first is given up at the gateway, and passing its challenge later charges nothing."""
    item_id, fee_id = await priced_item(server, merchant)
    first = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    if second_pays == "at_once":
        assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    else:
        second = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
        passed = await server.http.get(
            second["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"}
        )
        assert passed.status_code == 303
        confirmed = await server.http.post("/payments", headers=viewer.auth, data={"pi_id": second["pi_id"]})
        assert confirmed.status_code == 200, confirmed.text
    page = first["redirect_to_url"].removeprefix("http://testserver")
    assert "Already answered" in (await server.http.get(page)).text
    await server.http.get(page, params={"result": "success"})
    await jobs.run_due_jobs(server.app.state.sessions, server.settings)  # the event the page sent, if any
    refused = assert_error(
        await server.http.post("/payments", headers=viewer.auth, data={"pi_id": first["pi_id"]}), 402
    )
    assert refused["errors"] == {"decline_code": "canceled"}
    given_up = next(p for p in await fetch_rows(server, Payment, merchant.id) if p.gateway_charge_id == first["pi_id"])
    assert (given_up.status, given_up.decline_code, given_up.entitlement_id) == ("declined", "canceled", None)
    assert await count_rows(server, SandboxCharge, merchant.id, SandboxCharge.status == "succeeded") == 1
    assert await count_rows(server, Refund, merchant.id) == 0
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    assert await books_hold(server, merchant) == {"EUR": 499}


@pytest.mark.parametrize("told_by", ["confirm", "event"])
async def test_a_purchase_paid_through_a_late_challenge_for_what_is_held_is_refunded(
    server: Server, merchant: Merchant, viewer: Viewer, told_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two attempts, the first challenged: the second pays, but the gateway can't be asked to give up the first,
    whose challenge is then passed. The money it took is handed back, and the viewer holds one purchase."""

    async def unreachable(*_args: Any, **_kwargs: Any) -> ChargeResult:
        raise GatewayError("the gateway did not answer")

    monkeypatch.setattr(SandboxGateway, "cancel", unreachable)
    item_id, fee_id = await priced_item(server, merchant)
    first = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    await server.http.get(first["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    sessions, gateways = server.app.state.sessions, server.app.state.gateways
    if told_by == "confirm":
        assert (
            await server.http.post("/payments", headers=viewer.auth, data={"pi_id": first["pi_id"]})
        ).status_code == 200
    else:
        assert await jobs.run_due_jobs(sessions, server.settings) >= 1
        # Settled by the worker, which has no gateway at hand: the janitor makes the refund it wrote.
        assert (
            await janitor.reconcile(sessions, gateways, clock.now() + janitor.STALE_AFTER + timedelta(seconds=1)) == 1
        )
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    late = next(p for p in await fetch_rows(server, Payment, merchant.id) if p.gateway_charge_id == first["pi_id"])
    assert (late.status, late.refunded, late.entitlement_id) == ("succeeded", 499, None)
    [refund] = await fetch_rows(server, Refund, merchant.id)
    assert (refund.payment_id, refund.amount, refund.status) == (late.id, 499, "succeeded")
    assert [r.amount for r in await fetch_rows(server, SandboxRefund, merchant.id)] == [499]
    cleared = sum(
        e.amount for e in await fetch_rows(server, LedgerEntry, merchant.id) if e.account == "gateway_clearing"
    )
    assert cleared == 499  # two charges taken, one handed back
