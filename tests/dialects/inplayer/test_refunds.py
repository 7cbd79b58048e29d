"""Refunds by the merchant (`POST /v2/payments/refunds`) and what was paid (`GET /v2/accounting/payment-history`,
`GET /payments/transactions`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from boxoffice.billing import janitor, ledger
from boxoffice.billing.models import LedgerEntry, Refund
from boxoffice.gateways.models import SandboxRefund
from boxoffice.gateways.protocol import GatewayError
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, count_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, books_hold, card_form, pay, priced_item


async def bought(server: Server, merchant: Merchant, viewer: Viewer, **fee: str) -> tuple[int, str]:
    """The item id, and the purchase's transaction token as the viewer's payment history shows it."""
    item_id, fee_id = await priced_item(server, merchant, **fee)
    assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    return item_id, history["collection"][0]["transaction_token"]


async def refund(server: Server, merchant: Merchant, token: str, key: str | None = None, **form: str) -> httpx.Response:
    headers = merchant.auth | ({"Idempotency-Key": key} if key else {})
    return await server.http.post("/v2/payments/refunds", headers=headers, data={"transaction_token": token} | form)


async def refunded_total(server: Server, merchant: Merchant) -> int:
    async with server.app.state.sessions() as session:
        return await ledger.balance(session, merchant.id, "refunds", "EUR")


async def test_payment_history_shows_what_was_paid_and_declined(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, token = await bought(server, merchant, viewer)
    _, other_fee = await priced_item(server, merchant, amount="1.50")
    await pay(server, viewer, card_form(other_fee, DECLINED))
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    assert history["total"] == 2
    declined, paid = history["collection"]
    assert (paid["item_id"], paid["charged_amount"], paid["currency_iso"]) == (item_id, 4.99, "EUR")
    assert paid["action_type"] == "payment" and paid["trx_token"] == paid["transaction_token"] == token
    assert token.startswith("C-") and token.endswith("-SB")
    assert (declined["action_type"], declined["note"], declined["charged_amount"]) == ("failed", "card_declined", 1.5)
    # Another viewer of the merchant sees none of it; the merchant sees it all.
    other = await sign_up(server, merchant, email="other@example.com")
    assert (await server.http.get("/v2/accounting/payment-history", headers=other.auth)).json()["total"] == 0
    listed = (await server.http.get("/payments/transactions", headers=merchant.auth)).json()
    assert listed["total"] == 2 and listed["unique_paying_customers"] == 1
    mine = await server.http.get("/payments/transactions", headers=merchant.auth, params={"customer_id": other.id})
    assert mine.json()["total"] == 0
    # A viewer (the SDK's getAssetsHistory) sees only their own, whatever customer they name.
    own = await server.http.get("/payments/transactions", headers=viewer.auth, params={"customer_id": other.id})
    assert own.json()["total"] == 2
    assert (await server.http.get("/payments/transactions", headers=other.auth)).json()["total"] == 0


async def test_a_partial_then_the_rest_refunded_ends_access_and_balances(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, token = await bought(server, merchant, viewer)
    part = await refund(server, merchant, token, amount="1.99", reason="Buffering")
    assert part.status_code == 200, part.text
    body = part.json()
    assert (body["amount"], body["is_partial"], body["parent_transaction_token"], body["status"]) == (
        1.99,
        True,
        token,
        "succeeded",
    )
    assert body["transaction_token"].startswith("R-") and body["reason"] == "Buffering"
    # A partial refund leaves access; refunding what is left ends it.
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    assert_error(await refund(server, merchant, token, amount="3.01"), 422, "amount")
    rest = await refund(server, merchant, token)
    assert rest.status_code == 200 and rest.json()["amount"] == 3.0 and rest.json()["is_partial"] is True
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    assert_error(await refund(server, merchant, token), 422, "transaction_token")
    assert await refunded_total(server, merchant) == 499
    await books_hold_after_refunds(server, merchant, refunded=499)
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    assert history["collection"][0]["refunded_amount"] == 4.99


async def books_hold_after_refunds(server: Server, merchant: Merchant, refunded: int) -> None:
    """Clearing holds what was taken less what was handed back; every transaction still balances."""
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
        clearing = await ledger.balance(session, merchant.id, "gateway_clearing", "EUR")
        revenue = await ledger.balance(session, merchant.id, "revenue", "EUR")
    assert clearing == -revenue - refunded


async def test_a_full_refund_in_one_go_ends_access(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, token = await bought(server, merchant, viewer)
    done = await refund(server, merchant, token, reason="Wrong film")
    assert done.status_code == 200 and done.json()["is_partial"] is False and done.json()["amount"] == 4.99
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    await books_hold_after_refunds(server, merchant, refunded=499)


async def test_fifty_refunds_at_once_never_hand_back_more_than_was_paid(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, token = await bought(server, merchant, viewer)
    answers = await asyncio.gather(*(refund(server, merchant, token, amount="1.00") for _ in range(50)))
    assert sum(a.status_code == 200 for a in answers) == 4  # four refunds of 1.00 fit in 4.99
    assert all(a.status_code in (200, 422) for a in answers)
    assert await refunded_total(server, merchant) == 400
    assert await count_rows(server, SandboxRefund, merchant.id) == 4
    await books_hold_after_refunds(server, merchant, refunded=400)


async def test_one_idempotency_key_refunds_once(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    _, token = await bought(server, merchant, viewer)
    first = await refund(server, merchant, token, key="refund-1", amount="1.00")
    again = await refund(server, merchant, token, key="refund-1", amount="1.00")
    assert first.json() == again.json()
    assert_error(await refund(server, merchant, token, key="refund-1", amount="2.00"), 409)
    assert await count_rows(server, Refund, merchant.id) == 1
    assert await refunded_total(server, merchant) == 100


async def test_bad_refunds_are_refused_and_write_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    _, token = await bought(server, merchant, viewer)
    _, declined_fee = await priced_item(server, merchant)
    await pay(server, viewer, card_form(declined_fee, DECLINED))
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    declined_token = history["collection"][0]["transaction_token"]
    rival = await make_merchant(server, "owner@rival.example.com")
    cases: list[tuple[Merchant, dict[str, str], int, tuple[str, ...]]] = [
        (merchant, {"transaction_token": ""}, 422, ("transaction_token",)),
        (merchant, {"transaction_token": "S-1-ST"}, 422, ("transaction_token",)),
        (merchant, {"transaction_token": "C-abc-SB"}, 422, ("transaction_token",)),
        (merchant, {"transaction_token": "C-999999-SB"}, 404, ()),
        (rival, {"transaction_token": token}, 404, ()),
        (merchant, {"transaction_token": declined_token}, 422, ("transaction_token",)),
        (merchant, {"transaction_token": token, "amount": "0"}, 422, ("amount",)),
        (merchant, {"transaction_token": token, "amount": "-1.00"}, 422, ("amount",)),
        (merchant, {"transaction_token": token, "amount": "1.001"}, 422, ("amount",)),
        (merchant, {"transaction_token": token, "amount": "ten"}, 422, ("amount",)),
        (merchant, {"transaction_token": token, "amount": "5.00"}, 422, ("amount",)),
        (merchant, {"transaction_token": token, "reason": "x" * 501}, 422, ("reason",)),
    ]
    for who, form, status, fields in cases:
        response = await server.http.post("/v2/payments/refunds", headers=who.auth, data=form)
        assert_error(response, status, *fields)
    assert_error(
        await server.http.post("/v2/payments/refunds", headers=viewer.auth, data={"transaction_token": token}), 403
    )
    assert await count_rows(server, Refund, merchant.id) == 0
    assert await refunded_total(server, merchant) == 0
    assert await count_rows(server, LedgerEntry, merchant.id) == 2  # the one charge
    assert await books_hold(server, merchant) == {"EUR": 499}


async def test_a_refund_the_gateway_did_not_answer_is_settled_by_the_janitor(
    server: Server, merchant: Merchant, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id, token = await bought(server, merchant, viewer)
    gateway = server.app.state.sandbox

    async def timed_out(*_args: Any, **_kwargs: Any) -> None:
        raise GatewayError("the gateway did not answer in time")

    monkeypatch.setattr(gateway, "refund", timed_out)
    pending = await refund(server, merchant, token)
    assert pending.status_code == 200 and pending.json()["status"] == "pending"
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    assert await refunded_total(server, merchant) == 0
    monkeypatch.undo()
    later = clock.now() + janitor.STALE_AFTER + timedelta(seconds=1)
    assert await janitor.reconcile(server.app.state.sessions, server.app.state.gateways, later) == 1
    assert await refunded_total(server, merchant) == 499
    assert await count_rows(server, SandboxRefund, merchant.id) == 1
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    # Nothing is left to do, and doing it again changes nothing.
    assert await janitor.reconcile(server.app.state.sessions, gateway, later) == 0
    await books_hold_after_refunds(server, merchant, refunded=499)
