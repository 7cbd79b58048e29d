"""Renewals billed by an external connector: the engine charges no gateway but asks the connector (events), and
records its answer as a gateway's: captured, the period and access run on with the same ledger entries; rejected
or unanswered, dunning by the merchant's schedule for the billing cycle, then the end. A merchant's schedule is
used instead of the global one for every gateway."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.access.models import Entitlement
from boxoffice.billing import external_payments, ledger, refunds, renewals
from boxoffice.billing import repository as repo
from boxoffice.billing.external_payments import PaymentChange, PaymentReport, Reported
from boxoffice.billing.models import Payment, PaymentStatus, Refund, RefundStatus, Subscription, SubscriptionStatus
from boxoffice.gateways import connectors
from boxoffice.gateways.models import DunningCycle, SandboxPaymentMethod
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from tests import shop

CLIENT = ClientInfo("203.0.113.7", "GB", Device("desktop", None, None, None), None)
RETRY_DAYS = [3]


async def _set_up(
    sessions: async_sessionmaker[AsyncSession], attempts: Sequence[int], authorise: bool
) -> tuple[Merchant, Customer, int, Subscription]:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        price = await shop.monthly_price(session, await shop.product(session, merchant.id, "Season"))
        method = await connectors.register_payment_method(
            session, merchant.id, connectors.MethodSettings("card", "acme-pay")
        )
        details = await connectors.save_payment_details(
            session, merchant.id, connectors.DetailsRequest(customer.id, "tok_1", method.id)
        )
        await connectors.set_dunning_action(
            session,
            merchant.id,
            DunningCycle.MONTHLY,
            payment_authorization=authorise,
            payment_attempts=attempts,
            payment_method_setting_id=method.id,
        )
        report = PaymentReport(method.id, 999, "EUR", "ext-1", Reported.CAPTURED, price_id=price.id)
        first = await external_payments.report_payment(
            session, merchant, customer, report, client=CLIENT, retry_days=RETRY_DAYS
        )
        subscription = await repo.subscription_by_id(session, merchant.id, first.subscription_id or 0)
        assert subscription is not None and subscription.status == SubscriptionStatus.ACTIVE
        assert subscription.gateway == "external" and subscription.gateway_method == str(method.id)
        assert subscription.gateway_customer_ref == str(details.id)
    return merchant, customer, method.id, subscription


async def _renew(sessions: async_sessionmaker[AsyncSession], gateways: Gateways, merchant: Merchant) -> None:
    await renewals.renew_due_subscriptions(
        sessions, gateways, as_of=clock.now(), retry_days=RETRY_DAYS, merchant_id=merchant.id
    )


async def _events(sessions: async_sessionmaker[AsyncSession], merchant: Merchant, prefix: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        return [resource for kind, resource in await shop.events_of(session, merchant.id) if kind.startswith(prefix)]


async def _state(sessions: async_sessionmaker[AsyncSession], subscription: Subscription) -> Subscription:
    async with sessions() as session:
        found = await repo.subscription_by_id(session, subscription.merchant_id, subscription.id)
        assert found is not None
        return found


async def test_a_captured_renewal_runs_on_as_a_charged_one_and_books_the_same(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0, 24, 72], authorise=True)
    period_end = subscription.current_period_end
    frozen.advance(seconds=(period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    asked = await _events(sessions, merchant, "subscription.payment.")
    assert [a["dunning_attempt"] for a in asked] == [0, 0]
    assert {a["payment_method_id"] for a in asked} == {method_id}
    assert asked[0]["subscription_id"] == subscription.id and asked[0]["amount"] == 999
    waiting = await _state(sessions, subscription)
    assert waiting.status == SubscriptionStatus.ACTIVE and waiting.due_at == period_end + timedelta(hours=24)
    await _renew(sessions, gateways, merchant)  # nothing is charged, nor asked twice
    assert len(await _events(sessions, merchant, "subscription.payment.")) == 2
    async with sessions() as session, session.begin():
        report = PaymentReport(method_id, 999, "EUR", "ext-2", Reported.CAPTURED, subscription_id=subscription.id)
        renewal = await external_payments.report_payment(
            session, merchant, customer, report, client=CLIENT, retry_days=RETRY_DAYS
        )
        assert renewal.status == PaymentStatus.SUCCEEDED and renewal.gateway_charge_id == "ext-2"
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
    renewed = await _state(sessions, subscription)
    assert renewed.cycle == 2 and renewed.current_period_start == period_end
    assert renewed.due_at == renewed.current_period_end
    async with sessions() as session:
        entitlement = (await access_repo.entitlements_by_ids(session, merchant.id, [renewed.entitlement_id or 0]))[
            renewed.entitlement_id or 0
        ]
        assert entitlement.expires_at == renewed.current_period_end
    async with sessions() as session, session.begin():
        refunded = await external_payments.change_payment(
            session,
            merchant,
            renewal.id,
            PaymentChange(external_payments.Change.REFUNDED, "re-1", "asked", 499),
            retry_days=RETRY_DAYS,
        )
        assert refunded.refunded == 499
        assert await ledger.unbalanced_transactions(session, merchant.id) == []


async def test_rejections_and_silence_dun_by_the_merchants_schedule_then_end_it(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0, 24], authorise=False)
    period_end = subscription.current_period_end
    frozen.advance(seconds=(period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    async with sessions() as session, session.begin():
        report = PaymentReport(method_id, 999, "EUR", "ext-2", Reported.REJECTED, subscription_id=subscription.id)
        await external_payments.report_payment(
            session, merchant, customer, report, client=CLIENT, retry_days=RETRY_DAYS
        )
    dunning = await _state(sessions, subscription)
    assert dunning.status == SubscriptionStatus.PAST_DUE and dunning.due_at == period_end + timedelta(hours=24)
    frozen.advance(days=1)
    await _renew(sessions, gateways, merchant)  # the retry is asked, and left unanswered
    asked = await _events(sessions, merchant, "subscription.payment.capture.due")
    assert [a["dunning_attempt"] for a in asked] == [0, 1]
    frozen.advance(days=2)
    await _renew(sessions, gateways, merchant)
    ended = await _state(sessions, subscription)
    assert ended.status == SubscriptionStatus.ENDED
    terminated = await _events(sessions, merchant, "subscription.termination.due")
    assert [t["subscription_id"] for t in terminated] == [subscription.id]
    assert terminated[0]["payment_method_id"] == method_id
    async with sessions() as session:
        payments = (await session.scalars(select(Payment).where(Payment.merchant_id == merchant.id))).all()
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
        entitlement = (await access_repo.entitlements_by_ids(session, merchant.id, [ended.entitlement_id or 0]))[
            ended.entitlement_id or 0
        ]
        assert entitlement.revoked_at is not None
    assert sorted((p.kind, p.status, p.decline_code) for p in payments) == [
        ("renewal", PaymentStatus.DECLINED, "no_answer"),
        ("renewal", PaymentStatus.DECLINED, "rejected"),
        ("subscription", PaymentStatus.SUCCEEDED, None),
    ]


async def _declining_sandbox_subscription(session: AsyncSession, merchant: Merchant) -> Subscription:
    """A monthly subscription charged to a sandbox card that declines, due now."""
    customer = await shop.customer(session, merchant.id, f"{uuid.uuid4().hex[:8]}@example.com")
    price = await shop.monthly_price(session, await shop.product(session, merchant.id))
    token = f"pm_{uuid.uuid4().hex[:12]}"
    session.add(
        SandboxPaymentMethod(
            merchant_id=merchant.id,
            token=token,
            customer_ref=f"cus_{customer.id}",
            brand="visa",
            last4="0002",
            exp_month=12,
            exp_year=clock.now().year + 3,
            behaviour="card_declined",
        )
    )
    end = clock.now()
    access = Entitlement(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        source="subscription",
        starts_at=end - timedelta(days=31),
        expires_at=end,
    )
    session.add(access)
    await session.flush()
    subscription = Subscription(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        status=SubscriptionStatus.ACTIVE,
        amount=999,
        currency="EUR",
        period_unit="month",
        period_quantity=1,
        cycle=1,
        period_paid=999,
        current_period_start=end - timedelta(days=31),
        current_period_end=end,
        due_at=end,
        entitlement_id=access.id,
        gateway="sandbox",
        gateway_customer_ref=f"cus_{customer.id}",
        gateway_method=token,
        cancel_token=uuid.uuid4().hex,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def test_a_merchants_schedule_is_used_for_a_gateways_renewals_and_the_global_one_otherwise(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    async with sessions() as session, session.begin():
        scheduled, unscheduled = await shop.merchant(session), await shop.merchant(session, "Other")
        await connectors.set_dunning_action(
            session,
            scheduled.id,
            DunningCycle.MONTHLY,
            payment_authorization=False,
            payment_attempts=[-24, 0, 6],
            payment_method_setting_id=None,
        )
        await connectors.set_dunning_action(  # another cycle's schedule is not this subscription's
            session,
            unscheduled.id,
            DunningCycle.ANNUAL,
            payment_authorization=False,
            payment_attempts=[1],
            payment_method_setting_id=None,
        )
        mine, theirs = (
            await _declining_sandbox_subscription(session, scheduled),
            await _declining_sandbox_subscription(session, unscheduled),
        )
    end = mine.current_period_end
    for merchant in (scheduled, unscheduled):
        await _renew(sessions, gateways, merchant)
    retried, global_retry = await _state(sessions, mine), await _state(sessions, theirs)
    assert (retried.status, retried.due_at) == (SubscriptionStatus.PAST_DUE, end + timedelta(hours=6))
    assert (global_retry.status, global_retry.due_at) == (SubscriptionStatus.PAST_DUE, end + timedelta(days=3))
    frozen.advance(hours=6)
    await _renew(sessions, gateways, scheduled)
    assert (await _state(sessions, mine)).status == SubscriptionStatus.ENDED  # its one retry declined too
    assert (await _state(sessions, theirs)).status == SubscriptionStatus.PAST_DUE
    async with sessions() as session:  # a gateway's subscription is no connector's to be told of its end
        assert [k for k, _ in await shop.events_of(session, scheduled.id) if k == "subscription.termination.due"] == []


async def test_new_payment_details_are_what_the_connector_is_asked_with_and_the_old_are_deactivated(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0], authorise=False)
    async with sessions() as session, session.begin():
        old = await connectors.active_payment_details(session, merchant.id, customer.id, method_id)
        new = await external_payments.save_payment_details(
            session, merchant.id, connectors.DetailsRequest(customer.id, "tok_2", method_id)
        )
    assert old is not None
    deactivated = await _events(sessions, merchant, "payment.details.deactivated")
    assert deactivated == [{"payment_details_id": old.id, "payment_method_id": method_id, "gateway": "external"}]
    frozen.advance(seconds=(subscription.current_period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    (asked,) = await _events(sessions, merchant, "subscription.payment.capture.due")
    assert (asked["payment_details_id"], asked["token"]) == (new.id, "tok_2")


async def test_attempts_restricted_by_the_merchant_are_put_off_until_then(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0, 72], authorise=False)
    until = subscription.current_period_end + timedelta(days=2)
    async with sessions() as session, session.begin():
        details = await connectors.active_payment_details(session, merchant.id, customer.id, method_id)
        assert details is not None
        await connectors.restrict_attempts(session, merchant.id, details.id, restricted_to=until, rejections=None)
    frozen.advance(seconds=(subscription.current_period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    assert await _events(sessions, merchant, "subscription.payment.") == []
    assert (await _state(sessions, subscription)).due_at == until
    frozen.advance(days=2)
    await _renew(sessions, gateways, merchant)
    (asked,) = await _events(sessions, merchant, "subscription.payment.capture.due")
    assert (asked["dunning_attempt"], asked["dunning_attempt_date"]) == (0, until.isoformat())
    # Its answer is awaited until the retry's time (the due date and 72 hours).
    assert (await _state(sessions, subscription)).due_at == subscription.current_period_end + timedelta(hours=72)


async def test_a_refund_the_merchant_asks_for_is_asked_of_the_connector_and_made_when_it_reports_it(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, _, method_id, subscription = await _set_up(sessions, [0], authorise=False)
    async with sessions() as session:
        (first,) = (await session.scalars(select(Payment).where(Payment.merchant_id == merchant.id))).all()
    asked = await refunds.refund_payment(
        sessions, gateways, merchant.id, first.id, amount=300, reason="goodwill", idempotency_key="goodwill-1"
    )
    assert (asked.status, asked.amount) == (RefundStatus.PENDING, 300)
    again = await refunds.refund_payment(
        sessions, gateways, merchant.id, first.id, amount=300, reason="goodwill", idempotency_key="goodwill-1"
    )
    assert again.id == asked.id
    (requested,) = await _events(sessions, merchant, "payment.refund.requested")
    assert requested == {
        "payment_id": first.id,
        "refund_id": asked.id,
        "refund_amount": 300,
        "currency": "EUR",
        "reason": "goodwill",
        "gateway": "external",
        "payment_method_id": method_id,
    }
    # Nothing is asked of a gateway meanwhile: reconciling leaves it to the connector.
    assert await refunds.reconcile_pending_refunds(sessions, gateways, merchant.id, clock.now()) == 0
    async with sessions() as session, session.begin():
        change = PaymentChange(external_payments.Change.REFUNDED, "acme-refund-1", None, 300)
        refunded = await external_payments.change_payment(session, merchant, first.id, change, retry_days=RETRY_DAYS)
        assert refunded.refunded == 300
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
    async with sessions() as session:
        made = (await session.scalars(select(Refund).where(Refund.merchant_id == merchant.id))).all()
    assert [(r.id, r.status, r.gateway_refund_id) for r in made] == [
        (asked.id, RefundStatus.SUCCEEDED, "acme-refund-1")
    ]
    assert subscription.id  # its subscription runs on: a partial refund ends nothing


async def test_a_refund_reported_for_another_amount_than_asked_settles_the_asked_one_at_that_amount(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, _, _, _ = await _set_up(sessions, [0], authorise=False)
    async with sessions() as session:
        (first,) = (await session.scalars(select(Payment).where(Payment.merchant_id == merchant.id))).all()
    asked = await refunds.refund_payment(
        sessions, gateways, merchant.id, first.id, amount=300, reason="goodwill", idempotency_key="goodwill-1"
    )
    async with sessions() as session, session.begin():
        change = PaymentChange(external_payments.Change.REFUNDED, "acme-refund-1", None, 200)
        refunded = await external_payments.change_payment(session, merchant, first.id, change, retry_days=RETRY_DAYS)
        assert refunded.refunded == 200
    # Nothing is left pending, so a later refund is asked and made as any other.
    later = await refunds.refund_payment(
        sessions, gateways, merchant.id, first.id, amount=100, reason="more", idempotency_key="goodwill-2"
    )
    async with sessions() as session, session.begin():
        change = PaymentChange(external_payments.Change.REFUNDED, "acme-refund-2", None, 100)
        assert (await external_payments.change_payment(session, merchant, first.id, change, retry_days=[3])).refunded
        # The connector's report repeated answers what it made already.
        again = await external_payments.change_payment(session, merchant, first.id, change, retry_days=[3])
        assert again.refunded == 300
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
    async with sessions() as session:
        made = (await session.scalars(select(Refund).where(Refund.merchant_id == merchant.id))).all()
    assert [(r.id, r.status, r.amount, r.gateway_refund_id) for r in made] == [
        (asked.id, RefundStatus.SUCCEEDED, 200, "acme-refund-1"),
        (later.id, RefundStatus.SUCCEEDED, 100, "acme-refund-2"),
    ]


async def _report(
    sessions: async_sessionmaker[AsyncSession], merchant: Merchant, customer: Customer, report: PaymentReport
) -> Payment:
    async with sessions() as session, session.begin():
        return await external_payments.report_payment(
            session, merchant, customer, report, client=CLIENT, retry_days=RETRY_DAYS
        )


async def test_a_renewal_report_repeated_answers_its_payment_and_one_priced_otherwise_is_refused(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0], authorise=False)
    frozen.advance(seconds=(subscription.current_period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    captured = PaymentReport(method_id, 999, "EUR", "ext-2", Reported.CAPTURED, subscription_id=subscription.id)
    for wrong in ({"amount": 1}, {"currency": "USD"}):
        with pytest.raises(InvalidInput):
            await _report(sessions, merchant, customer, replace(captured, **wrong))
    assert (await _state(sessions, subscription)).cycle == 1
    renewal = await _report(sessions, merchant, customer, captured)
    renewed = await _state(sessions, subscription)
    assert (renewal.status, renewed.cycle) == (PaymentStatus.SUCCEEDED, 2)
    again = await _report(sessions, merchant, customer, captured)
    assert (again.id, again.status) == (renewal.id, PaymentStatus.SUCCEEDED)
    # The next renewal is asked; the old capture retried runs no period on, and leaves the new one awaited.
    frozen.advance(seconds=(renewed.current_period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    retried = await _report(sessions, merchant, customer, captured)
    assert retried.id == renewal.id
    assert (await _state(sessions, subscription)).cycle == 2
    async with sessions() as session:
        assert (await repo.pending_renewal(session, merchant.id, subscription.id)) is not None
        payments = (await session.scalars(select(Payment).where(Payment.merchant_id == merchant.id))).all()
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
    assert sorted((p.kind, p.status) for p in payments) == [
        ("renewal", PaymentStatus.PENDING),
        ("renewal", PaymentStatus.SUCCEEDED),
        ("subscription", PaymentStatus.SUCCEEDED),
    ]


async def test_a_capture_reported_after_its_answer_deadline_is_refused_and_runs_nothing_on(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0, 72], authorise=True)
    frozen.advance(seconds=(subscription.current_period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    authorised = PaymentReport(method_id, 999, "EUR", "ext-2", Reported.AUTHORISED, subscription_id=subscription.id)
    late = await _report(sessions, merchant, customer, authorised)
    frozen.advance(hours=72)
    await _renew(sessions, gateways, merchant)  # left unanswered: declined, and the retry asked
    change = PaymentChange(external_payments.Change.CAPTURED, "ext-2")
    async with sessions() as session, session.begin():
        with pytest.raises(Conflict, match="deadline"):
            await external_payments.change_payment(session, merchant, late.id, change, retry_days=RETRY_DAYS)
    with pytest.raises(Conflict, match="deadline"):
        await _report(sessions, merchant, customer, replace(authorised, status=Reported.CAPTURED))
    dunning = await _state(sessions, subscription)
    assert (dunning.status, dunning.cycle) == (SubscriptionStatus.PAST_DUE, 1)
    async with sessions() as session:
        declined = await repo.fresh_payment(session, merchant.id, late.id)
        assert declined is not None and (declined.status, declined.decline_code) == (
            PaymentStatus.DECLINED,
            "no_answer",
        )


async def test_a_renewals_outcome_locks_its_subscription_before_its_payment_as_the_renewal_pass_does(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    merchant, customer, method_id, subscription = await _set_up(sessions, [0], authorise=False)
    frozen.advance(seconds=(subscription.current_period_end - clock.now()).total_seconds())
    await _renew(sessions, gateways, merchant)
    engine = sessions.kw["bind"].sync_engine
    locked: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FOR UPDATE" in statement:
            locked.append(statement.split("FROM", 1)[1].split()[0])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = PaymentReport(method_id, 999, "EUR", "ext-2", Reported.CAPTURED, subscription_id=subscription.id)
        assert (await _report(sessions, merchant, customer, report)).status == PaymentStatus.SUCCEEDED
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    if engine.dialect.name == "postgresql":  # SQLite has no row locks: one writer at a time
        assert locked[0] == "subscriptions"
