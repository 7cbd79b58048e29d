"""Subscriptions through the InPlayer dialect: starting one (trial, setup fee, voucher, 3-D Secure), reading
it in both field-name sets, cancelling it, and what the renewal engine then does with it over time."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing import renewals
from boxoffice.billing.models import LedgerEntry, Payment, Refund, Subscription
from boxoffice.gateways.models import SandboxCharge, SandboxRefund
from boxoffice.kit import clock, jobs
from boxoffice.kit.settings import Settings
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
from tests.dialects.inplayer.test_payments import CHALLENGE, DECLINED, NO_FUNDS, VISA, books_hold, card_form
from tests.dialects.inplayer.test_vouchers import add_voucher

MONTHLY, YEARLY = "7", "10"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the months these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


async def monthly_fee(server: Server, merchant: Merchant, item_id: int | None = None, **fee: str) -> tuple[int, int]:
    if item_id is None:
        item_id = (await add_item(server, merchant))["id"]
    form = {"access_type_id": MONTHLY, "amount": "9.99", "description": "Monthly"} | fee
    return item_id, (await add_fee(server, merchant, item_id, **form))["id"]


async def subscribe(
    server: Server, viewer: Viewer, fee_id: int, number: str = VISA, key: str | None = None, **extra: str
) -> httpx.Response:
    headers = viewer.auth | ({"Idempotency-Key": key} if key else {})
    form = card_form(fee_id, number, return_url="https://app.example.com/plans?ippwat=subscription") | extra
    return await server.http.post("/subscriptions", headers=headers, data=form)


async def only_subscription(server: Server, viewer: Viewer) -> dict[str, Any]:
    listed = await server.http.get("/subscriptions", headers=viewer.auth)
    assert listed.status_code == 200, listed.text
    [shown] = listed.json()["collection"]
    return dict(shown)


async def renew(server: Server) -> renewals.PassReport:
    return await renewals.renew_due_subscriptions(
        server.app.state.sessions,
        server.app.state.gateways,
        as_of=clock.now(),
        retry_days=server.settings.dunning_retry_days,
    )


def month_after(moment: datetime) -> datetime:
    """The same day and time a calendar month later, or the month's last day when it is shorter."""
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def months_after(start: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months after `start`, or that month's last day when it is shorter:
    a subscription's periods keep the day it began on (the 31st after a February's 28th)."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


async def access_expiry(server: Server, viewer: Viewer, item_id: int) -> int | None:
    """When the viewer's access to the item ends, or None when they have none."""
    found = await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)
    return int(found.json()["expires_at"]) if found.status_code == 200 else None


async def test_a_subscription_opens_the_item_and_shows_both_field_sets(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    started = await subscribe(server, viewer, fee_id)
    assert started.status_code == 200, started.text
    assert started.json()["code"] == 202 and started.json()["message"] == "Submitted for payment"
    shown = await only_subscription(server, viewer)
    now = clock.unix(clock.now())
    month_later = clock.unix(month_after(clock.now()))
    assert shown["item_id"] == shown["asset_id"] == item_id
    assert shown["item_title"] == shown["asset_title"]
    assert shown["access_fee_id"] == fee_id
    assert (shown["action_type"], shown["status"]) == ("recurrent", "active")
    assert shown["amount"] == shown["subscription_price"] == shown["charged_amount"] == 9.99
    assert (shown["currency"], shown["formatted_amount"]) == ("EUR", "9.99 EUR")
    assert shown["access_type"] == {"name": "subscription", "quantity": 1, "period": "month"}
    assert shown["next_rebill_date"] == shown["next_billing_date"] > now
    assert shown["next_rebill_date"] == month_later
    assert shown["subscription_id"] == f"S-{shown['id']}-SB"
    assert shown["unsubscribe_url"] == f"http://testserver/subscriptions/cancel/{shown['cancel_token']}"
    assert await access_expiry(server, viewer, item_id) == shown["next_rebill_date"]
    one = await server.http.get(f"/subscriptions/{shown['id']}", headers=viewer.auth)
    assert one.status_code == 200 and one.json() == shown
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.kind, payment.amount, payment.status) == ("subscription", 999, "succeeded")
    assert await books_hold(server, merchant) == {"EUR": 999}


async def test_renewals_charge_each_period_once_and_extend_access(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    first_end = await access_expiry(server, viewer, item_id)
    assert first_end is not None
    assert (await renew(server)).handled == 0  # nothing is due yet
    frozen.advance(days=32)
    report = await renew(server)
    assert (report.renewed, report.declined) == (1, 0)
    assert (await renew(server)).handled == 0  # a second pass finds nothing left to do
    second_end = await access_expiry(server, viewer, item_id)
    assert second_end is not None and second_end - first_end >= 28 * 86400
    shown = await only_subscription(server, viewer)
    assert shown["next_rebill_date"] == second_end and shown["action_type"] == "recurrent"
    payments = await fetch_rows(server, Payment, merchant.id)
    assert [(p.kind, p.amount, p.status) for p in payments] == [
        ("subscription", 999, "succeeded"),
        ("renewal", 999, "succeeded"),
    ]
    assert await count_rows(server, SandboxCharge, merchant.id) == 2
    assert await count_rows(server, Entitlement, merchant.id) == 1  # one entitlement, running on
    assert await books_hold(server, merchant) == {"EUR": 1998}


async def test_a_trial_is_free_once_and_the_setup_fee_is_charged_at_the_start(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(
        server, merchant, trial_period_quantity="7", trial_period_period="day", setup_fee_amount="1.50"
    )
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    shown = await only_subscription(server, viewer)
    assert shown["action_type"] == "free-trial"
    assert shown["next_rebill_date"] == clock.unix(clock.now() + timedelta(days=7))
    assert await access_expiry(server, viewer, item_id) == shown["next_rebill_date"]
    used = await server.http.get(f"/items/used-trial-period/{item_id}", headers=viewer.auth)
    assert used.json() is True
    [setup] = await fetch_rows(server, Payment, merchant.id)
    assert (setup.amount, setup.status) == (150, "succeeded")
    # The trial ends: the first period is charged and a paid entitlement follows the trial's.
    frozen.advance(days=7, seconds=1)
    assert (await renew(server)).renewed == 1
    shown = await only_subscription(server, viewer)
    assert shown["action_type"] == "recurrent"
    entitlements = await fetch_rows(server, Entitlement, merchant.id)
    assert [e.is_trial for e in sorted(entitlements, key=lambda e: e.id)] == [True, False]
    # Cancelled at once, then started again: no second trial.
    cancel = await server.http.post(
        f"/subscriptions/{shown['id']}/cancel", headers=merchant.auth, data={"immediately": "true"}
    )
    assert cancel.status_code == 200 and cancel.json()["action_type"] == "ended"
    assert await access_expiry(server, viewer, item_id) is None
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    again = (await server.http.get("/subscriptions", headers=viewer.auth, params={"status": "recurrent"})).json()
    assert again["total"] == 1 and again["collection"][0]["trial_ends_at"] is None
    assert await books_hold(server, merchant) == {"EUR": 150 + 999 + 150 + 999}


async def default_card(server: Server, viewer: Viewer) -> dict[str, Any]:
    found = await server.http.get("/v2/payments/cards/default", headers=viewer.auth)
    assert found.status_code == 200, found.text
    return dict(found.json()["cards"])


async def test_a_free_trial_starts_only_on_a_card_the_gateway_verified(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant, trial_period_quantity="7", trial_period_period="day")
    # A card that cannot pay: refused before the trial, which grants nothing and keeps nothing of the card.
    refused = assert_error(await subscribe(server, viewer, fee_id, DECLINED), 402)
    assert refused["errors"] == {"decline_code": "card_declined"}
    assert await access_expiry(server, viewer, item_id) is None
    assert (await only_subscription(server, viewer))["action_type"] == "incomplete"
    live = await server.http.get("/subscriptions", headers=viewer.auth, params={"status": "active"})
    assert live.json()["total"] == 0
    assert await default_card(server, viewer) == {}
    [verification] = await fetch_rows(server, SandboxCharge, merchant.id)
    assert (verification.amount, verification.status) == (0, "declined")  # a setup: nothing was charged
    [attempt] = await fetch_rows(server, Payment, merchant.id)
    assert (attempt.amount, attempt.status, attempt.decline_code) == (0, "declined", "card_declined")
    # A card whose bank wants 3-D Secure: the trial starts once the challenge is passed and the app confirms.
    other = await sign_up(server, merchant, "other@example.com")
    challenged = (await subscribe(server, other, fee_id, CHALLENGE)).json()
    assert challenged["code"] == 202 and challenged["redirect_to_url"].startswith("http://testserver/sandbox/3ds/")
    assert (await only_subscription(server, other))["action_type"] == "incomplete"
    assert await access_expiry(server, other, item_id) is None
    assert await default_card(server, other) == {}
    await server.http.get(challenged["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    confirmed = await server.http.post("/payments", headers=other.auth, data={"pi_id": challenged["pi_id"]})
    assert confirmed.status_code == 200, confirmed.text
    assert (await only_subscription(server, other))["action_type"] == "free-trial"
    assert await access_expiry(server, other, item_id) == clock.unix(clock.now() + timedelta(days=7))
    assert (await default_card(server, other))["EUR"]["number"] == "3155"
    # A card verified at once starts the trial at once, and becomes the default card, name and all.
    third = await sign_up(server, merchant, "third@example.com")
    assert (await subscribe(server, third, fee_id, VISA)).status_code == 200
    assert (await only_subscription(server, third))["action_type"] == "free-trial"
    assert (await default_card(server, third))["EUR"] | {"exp_year": 0} == {
        "number": "4242",
        "card_name": "Vera Viewer",
        "exp_month": 12,
        "exp_year": 0,
        "card_type": "visa",
        "account_id": third.id,
    }
    assert await count_rows(server, SandboxCharge, merchant.id, SandboxCharge.amount != 0) == 0  # nobody charged


async def test_a_trial_card_verified_through_the_gateway_event_or_the_janitor_becomes_the_default(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from boxoffice.billing import charges, janitor

    _, fee_id = await monthly_fee(server, merchant, trial_period_quantity="7", trial_period_period="day")
    # The viewer passes the challenge and never comes back to the app: the gateway's event settles it.
    challenged = (await subscribe(server, viewer, fee_id, CHALLENGE)).json()
    await server.http.get(challenged["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    await jobs.run_due_jobs(server.app.state.sessions, server.settings)
    assert (await only_subscription(server, viewer))["action_type"] == "free-trial"
    assert (await default_card(server, viewer))["EUR"]["number"] == "3155"
    # The process dies once the gateway verified the card: the janitor settles it.
    other = await sign_up(server, merchant, "other@example.com")

    async def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the process died after the gateway verified the card")

    monkeypatch.setattr(charges, "settle", crash)
    with pytest.raises(RuntimeError):
        await subscribe(server, other, fee_id, VISA)
    monkeypatch.undo()
    assert await default_card(server, other) == {}
    sessions, gateways = server.app.state.sessions, server.app.state.gateways
    assert await janitor.reconcile(sessions, gateways, clock.now() + janitor.STALE_AFTER + timedelta(seconds=1)) == 1
    assert (await only_subscription(server, other))["action_type"] == "free-trial"
    assert (await default_card(server, other))["EUR"]["number"] == "4242"


@pytest.mark.parametrize("trial", [True, False])
async def test_a_declined_or_abandoned_first_attempt_never_blocks_the_next(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock, trial: bool
) -> None:
    """The next attempt replaces it, and a trial the failed attempt never started is still the viewer's."""
    fee = {"trial_period_quantity": "7", "trial_period_period": "day"} if trial else {}
    item_id, fee_id = await monthly_fee(server, merchant, **fee)
    assert_error(await subscribe(server, viewer, fee_id, DECLINED), 402)
    abandoned = await subscribe(server, viewer, fee_id, CHALLENGE)
    assert abandoned.status_code == 200 and abandoned.json()["redirect_to_url"]
    started = await subscribe(server, viewer, fee_id, VISA)
    assert started.status_code == 200, started.text
    listed = (await server.http.get("/subscriptions", headers=viewer.auth)).json()["collection"]
    assert [s["action_type"] for s in listed] == [
        "free-trial" if trial else "recurrent",
        "incomplete_expired",
        "incomplete_expired",
    ]
    assert listed[0]["subscription_id"] == started.json()["subscription_id"]
    assert await access_expiry(server, viewer, item_id) == listed[0]["next_rebill_date"]
    if trial:
        assert await count_rows(server, SandboxCharge, merchant.id, SandboxCharge.amount != 0) == 0
    else:
        assert await books_hold(server, merchant) == {"EUR": 999}
    # A second running subscription is still refused.
    assert_error(await subscribe(server, viewer, fee_id, VISA), 409)


async def pass_challenge(server: Server, viewer: Viewer, attempt: dict[str, Any], told_by: str) -> None:
    """The viewer passes an attempt's 3-D Secure challenge, and the app confirms it or the gateway's event does."""
    await server.http.get(attempt["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    if told_by == "confirm":
        await server.http.post("/payments", headers=viewer.auth, data={"pi_id": attempt["pi_id"]})
    else:
        await jobs.run_due_jobs(server.app.state.sessions, server.settings)


@pytest.mark.parametrize("told_by", ["confirm", "event"])
async def test_a_replaced_attempt_never_starts_even_when_its_challenge_is_passed(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock, told_by: str
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    first = (await subscribe(server, viewer, fee_id, CHALLENGE)).json()
    started = await subscribe(server, viewer, fee_id, VISA)
    assert started.status_code == 200, started.text
    # Replaced, the first attempt's challenge was cancelled at the gateway: passing it later charges nothing.
    await pass_challenge(server, viewer, first, told_by)
    listed = (await server.http.get("/subscriptions", headers=viewer.auth)).json()["collection"]
    assert [s["action_type"] for s in listed] == ["recurrent", "incomplete_expired"]
    assert await access_expiry(server, viewer, item_id) == listed[0]["next_rebill_date"]
    assert await count_rows(server, SandboxCharge, merchant.id, SandboxCharge.status == "succeeded") == 1
    given_up = next(p for p in await fetch_rows(server, Payment, merchant.id) if p.gateway_charge_id == first["pi_id"])
    assert (given_up.status, given_up.decline_code) == ("declined", "canceled")
    assert await books_hold(server, merchant) == {"EUR": 999}


@pytest.mark.parametrize("told_by", ["confirm", "event"])
async def test_money_taken_for_a_replaced_attempt_is_refunded_not_a_second_subscription(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock, told_by: str
) -> None:
    """The bank took the first attempt's money (its challenge passed) before the app heard of it, and the viewer
    subscribed again meanwhile: the first attempt's money is handed back."""
    item_id, fee_id = await monthly_fee(server, merchant)
    first = (await subscribe(server, viewer, fee_id, CHALLENGE)).json()
    await server.http.get(first["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    assert (await subscribe(server, viewer, fee_id, VISA)).status_code == 200
    await pass_challenge(server, viewer, first, told_by)
    listed = (await server.http.get("/subscriptions", headers=viewer.auth)).json()["collection"]
    assert [s["action_type"] for s in listed] == ["recurrent", "incomplete_expired"]
    assert await count_rows(server, Entitlement, merchant.id) == 1
    assert await access_expiry(server, viewer, item_id) == listed[0]["next_rebill_date"]
    late = next(p for p in await fetch_rows(server, Payment, merchant.id) if p.gateway_charge_id == first["pi_id"])
    assert (late.status, late.refunded, late.entitlement_id) == ("succeeded", 999, None)
    [refund] = await fetch_rows(server, Refund, merchant.id)
    assert (refund.payment_id, refund.amount, refund.status) == (late.id, 999, "succeeded")
    assert [r.amount for r in await fetch_rows(server, SandboxRefund, merchant.id)] == [999]
    cleared = sum(
        e.amount for e in await fetch_rows(server, LedgerEntry, merchant.id) if e.account == "gateway_clearing"
    )
    assert cleared == 999


async def test_a_declined_renewal_never_extends_access_and_dunning_ends_it(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    paid_until = await access_expiry(server, viewer, item_id)
    changed = await server.http.put(
        "/v2/payments/cards/default",
        headers=viewer.auth,
        data=card_form(fee_id, NO_FUNDS) | {"currency_iso": "EUR"},
    )
    assert changed.status_code == 200, changed.text
    assert paid_until is not None
    due = clock.from_unix(paid_until)
    for days, status in ((0, "past_due"), (1, "past_due"), (3, "past_due")):
        frozen._now = due + timedelta(days=days, seconds=1)
        assert (await renew(server)).declined == 1
        shown = await only_subscription(server, viewer)
        assert shown["action_type"] == status
        assert shown["next_rebill_date"] == clock.unix(due + timedelta(days={0: 1, 1: 3, 3: 5}[days]))
        assert await access_expiry(server, viewer, item_id) is None  # the period is over and wasn't paid
    [entitlement] = await fetch_rows(server, Entitlement, merchant.id)
    assert clock.unix(entitlement.expires_at) == paid_until
    frozen._now = due + timedelta(days=5, seconds=1)
    assert (await renew(server)).declined == 1
    shown = await only_subscription(server, viewer)
    assert (shown["action_type"], shown["next_rebill_date"]) == ("ended", None)
    [revoked] = await fetch_rows(server, Entitlement, merchant.id)
    assert revoked.revoked_reason == "unpaid"
    declined = [p for p in await fetch_rows(server, Payment, merchant.id) if p.status == "declined"]
    assert [(p.kind, p.decline_code) for p in declined] == [("renewal", "insufficient_funds")] * 4
    assert await books_hold(server, merchant) == {"EUR": 999}
    frozen.advance(days=60)
    assert (await renew(server)).handled == 0


async def test_a_past_due_subscription_paid_on_retry_runs_on_from_its_old_date(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id, DECLINED)).status_code == 402
    assert await access_expiry(server, viewer, item_id) is None
    [incomplete] = await fetch_rows(server, Subscription, merchant.id)
    assert incomplete.status == "incomplete"
    # A day later the incomplete subscription expires; the viewer subscribes with a card that works.
    frozen.advance(hours=24, seconds=1)
    assert (await renew(server)).expired == 1
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    paid_until = await access_expiry(server, viewer, item_id)
    assert paid_until is not None
    await server.http.put(
        "/v2/payments/cards/default", headers=viewer.auth, data=card_form(fee_id, DECLINED) | {"currency_iso": "EUR"}
    )
    frozen._now = clock.from_unix(paid_until) + timedelta(seconds=1)
    assert (await renew(server)).declined == 1
    await server.http.put(
        "/v2/payments/cards/default", headers=viewer.auth, data=card_form(fee_id, VISA) | {"currency_iso": "EUR"}
    )
    frozen.advance(days=1)
    assert (await renew(server)).renewed == 1
    shown = [s for s in (await server.http.get("/subscriptions", headers=viewer.auth)).json()["collection"]]
    assert [s["action_type"] for s in shown] == ["recurrent", "incomplete_expired"]
    renewed_until = await access_expiry(server, viewer, item_id)
    assert renewed_until == shown[0]["next_rebill_date"]
    assert renewed_until is not None and renewed_until - paid_until >= 28 * 86400


async def test_cancel_through_unsubscribe_url_keeps_access_to_the_period_end(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    await subscribe(server, viewer, fee_id)
    shown = await only_subscription(server, viewer)
    other = await sign_up(server, merchant, "other@example.com")
    url = shown["unsubscribe_url"].removeprefix("http://testserver")
    assert_error(await server.http.get(url, headers=other.auth), 404)
    cancelled = await server.http.get(url, headers=viewer.auth)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["operation"], body["status"], body["subscription"]) == (
        "unsubscribe",
        "pending",
        shown["subscription_id"],
    )
    after = await only_subscription(server, viewer)
    assert (after["action_type"], after["next_rebill_date"]) == ("canceled", None)
    assert await access_expiry(server, viewer, item_id) == shown["next_rebill_date"]
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200  # twice is no change
    frozen._now = clock.from_unix(shown["next_rebill_date"]) + timedelta(seconds=1)
    assert (await renew(server)).ended == 1
    assert (await only_subscription(server, viewer))["action_type"] == "ended"
    assert await count_rows(server, Payment, merchant.id) == 1  # no charge after a cancel
    assert_error(await server.http.get(url, headers=viewer.auth), 422)


async def test_a_voucher_discounts_the_first_charge_and_its_rebills_for_their_duration(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    _, fee_id = await monthly_fee(server, merchant, amount="10.00")
    voucher = await add_voucher(
        server, merchant, discount="50", rebill_discount="20", discount_period="repeating", discount_duration="2"
    )
    assert voucher.status_code == 201, voucher.text
    assert (await subscribe(server, viewer, fee_id, voucher_code="spring25")).status_code == 200
    for _ in range(3):
        frozen.advance(days=32)
        assert (await renew(server)).renewed == 1
    charged = [(p.amount, p.discount) for p in await fetch_rows(server, Payment, merchant.id)]
    assert charged == [(500, 500), (800, 200), (1000, 0), (1000, 0)]
    assert await books_hold(server, merchant) == {"EUR": 3300}


async def test_a_subscription_needing_3d_secure_starts_once_confirmed_or_expires(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    body = (await subscribe(server, viewer, fee_id, CHALLENGE)).json()
    assert body["redirect_to_url"].startswith("http://testserver/sandbox/3ds/")
    assert (await only_subscription(server, viewer))["action_type"] == "incomplete"
    await server.http.get(body["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    confirmed = await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})
    assert confirmed.status_code == 200, confirmed.text
    assert (await only_subscription(server, viewer))["action_type"] == "recurrent"
    assert await access_expiry(server, viewer, item_id) is not None
    # Another viewer never answers the challenge: a day later the subscription has expired.
    other = await sign_up(server, merchant, "other@example.com")
    await subscribe(server, other, fee_id, CHALLENGE)
    frozen.advance(hours=24, seconds=1)
    assert (await renew(server)).expired == 1
    assert (await only_subscription(server, other))["action_type"] == "incomplete_expired"
    assert await access_expiry(server, other, item_id) is None


async def test_a_plan_switch_credits_the_unused_part_of_the_period(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, monthly = await monthly_fee(server, merchant, amount="30.00")
    yearly = (await add_fee(server, merchant, item_id, access_type_id=YEARLY, amount="120.00"))["id"]
    await subscribe(server, viewer, monthly)
    shown = await only_subscription(server, viewer)
    period = shown["next_rebill_date"] - shown["current_period_start"]
    frozen.advance(seconds=period // 3)  # a third of the month used, two thirds unused
    switch = {"access_fee_id": str(yearly), "inplayer_token": shown["subscription_id"]}
    # Until the merchant allows it on the item, its subscribers can't switch.
    refused = await server.http.post("/v2/subscriptions/stripe:switch", headers=viewer.auth, data=switch)
    assert_error(refused, 422, "access_fee_id")
    allowed = await server.http.put(f"/v2/items/{item_id}", headers=merchant.auth, data={"plan_switch_enabled": "true"})
    assert allowed.status_code == 200 and allowed.json()["plan_switch_enabled"] is True
    switched = await server.http.post(
        "/v2/subscriptions/stripe:switch",
        headers=viewer.auth,
        data={"access_fee_id": str(yearly), "inplayer_token": shown["subscription_id"]},
    )
    assert switched.status_code == 200, switched.text
    after = await only_subscription(server, viewer)
    assert (after["access_fee_id"], after["access_type"]["period"]) == (yearly, "year")
    assert after["current_period_start"] == clock.unix(clock.now())
    unused = 3000 * (period - period // 3) // period
    [_, switch] = await fetch_rows(server, Payment, merchant.id)
    assert (switch.kind, switch.amount, switch.credit_used) == ("plan_switch", 12000 - unused, unused)
    assert await access_expiry(server, viewer, item_id) == after["next_rebill_date"]
    assert await books_hold(server, merchant) == {"EUR": 3000 + 12000 - unused}
    # The same switch again is refused: it is already on that fee.
    again = await server.http.post(
        "/v2/subscriptions/stripe:switch",
        headers=viewer.auth,
        data={"access_fee_id": str(yearly), "inplayer_token": shown["subscription_id"]},
    )
    assert_error(again, 422, "access_fee_id")


async def test_one_key_sent_twice_starts_one_subscription(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    _, fee_id = await monthly_fee(server, merchant)
    first = await subscribe(server, viewer, fee_id, key="sub-1")
    replay = await subscribe(server, viewer, fee_id, key="sub-1")
    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json()
    assert await count_rows(server, Subscription, merchant.id) == 1
    assert await count_rows(server, SandboxCharge, merchant.id) == 1
    # Without the key, a second subscription to the same item is refused while the first runs.
    assert_error(await subscribe(server, viewer, fee_id), 409)


async def test_bad_subscriptions_are_refused_and_write_nothing(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    one_time = (await add_fee(server, merchant, item_id))["id"]
    rival = await make_merchant(server, "owner@rival.example.com")
    _, their_fee = await monthly_fee(server, rival)
    used_up = await add_voucher(server, merchant, code="ONCE", usage_limit="1")
    assert used_up.status_code == 201
    cases: list[tuple[dict[str, str], int, tuple[str, ...]]] = [
        ({"access_fee": str(one_time)}, 422, ("access_fee",)),
        ({"access_fee": str(their_fee)}, 404, ()),
        ({"access_fee": "999999"}, 404, ()),
        ({"access_fee": "abc"}, 422, ("access_fee",)),
        ({"exp_year": str(clock.now().year - 1)}, 422, ("exp_year",)),
        ({"number": "4242424242424241"}, 422, ("number",)),
        ({"voucher_code": "NOPE"}, 422, ("voucher_code",)),
        ({"payment_method": "2"}, 422, ("payment_method",)),
    ]
    for change, status, fields in cases:
        form = card_form(fee_id) | change
        response = await server.http.post("/subscriptions", headers=viewer.auth, data=form)
        assert_error(response, status, *fields)
    assert_error(await server.http.post("/subscriptions", data=card_form(fee_id)), 401)
    assert await count_rows(server, Subscription, merchant.id) == 0
    assert await count_rows(server, Payment, merchant.id) == 0
    # A voucher used up by one viewer is refused to the next.
    assert (await subscribe(server, viewer, fee_id, voucher_code="once")).status_code == 200
    other = await sign_up(server, merchant, "other@example.com")
    assert_error(await subscribe(server, other, fee_id, voucher_code="once"), 422, "voucher_code")
    shown = await only_subscription(server, viewer)
    assert_error(await server.http.get(f"/subscriptions/{shown['id']}", headers=other.auth), 404)
    assert_error(await server.http.get(f"/subscriptions/{shown['id']}", headers=rival.auth), 404)
    assert_error(await server.http.post(f"/subscriptions/{shown['id']}/cancel", headers=viewer.auth), 403)
    assert_error(await server.http.post(f"/subscriptions/{shown['id']}/cancel", headers=rival.auth), 404)
    assert_error(await server.http.get("/subscriptions", headers=viewer.auth, params={"status": "nope"}), 422)
    for token in ("", "S-abc-SB", "C-1-SB", f"S-{shown['id']}-XX"):
        bad = await server.http.post(
            "/v2/subscriptions/stripe:switch",
            headers=viewer.auth,
            data={"access_fee_id": str(fee_id), "inplayer_token": token},
        )
        assert_error(bad, 422, "inplayer_token")


async def test_a_merchant_lists_its_tenants_subscriptions(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    _, fee_id = await monthly_fee(server, merchant)
    other = await sign_up(server, merchant, "other@example.com")
    await subscribe(server, viewer, fee_id)
    await subscribe(server, other, fee_id)
    rival = await make_merchant(server, "owner@rival.example.com")
    everyone = (await server.http.get("/subscriptions", headers=merchant.auth)).json()
    assert everyone["total"] == 2
    one = (await server.http.get("/subscriptions", headers=merchant.auth, params={"customer_id": other.id})).json()
    assert [s["customer_id"] for s in one["collection"]] == [other.id]
    assert (await server.http.get("/subscriptions", headers=rival.auth)).json()["total"] == 0
