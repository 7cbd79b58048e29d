"""The renewal engine: every due subscription charged for its next period exactly once, in the worker.

A pass works in batches, each in three steps:
1. claim: due subscriptions are locked with `FOR UPDATE SKIP LOCKED` (workers side by side take different ones;
   SQLite runs one worker), the charge for each next period is written as a `pending` payment under a key made
   of the subscription, the period and the attempt, and the subscriptions are leased (`due_at` moved a few
   minutes on) so no other worker takes them meanwhile; committed before the gateway is asked;
2. charge: the batch goes to the gateway, each charge under its payment's key and with its stored request;
3. record: in one transaction, each payment claimed for settlement (held by the transaction while it is still
   pending, so that it is recorded once), then its outcome written: the ledger transaction and the longer access;
   or the decline and the next dunning retry; or, with no answer, left pending for the next pass.
A worker that dies anywhere leaves pending payments behind leased subscriptions; when the lease ends, a pass
asks the gateway again with the same keys and requests, and the gateway answers with the charges it already
made: every period is paid once and recorded once.

Due also means: a cancelled subscription whose period is over ends, an incomplete one expires after a day.

A batch's subscriptions, payments and entitlements are plain rows (billing.rows), read with one Core select each
and written back as a few Core statements for the whole batch: as ORM objects, their loading and bookkeeping cost
more than the rules applied to them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.access.models import EntitlementRow
from boxoffice.billing import books, events, ledger, periods, switches, upcoming
from boxoffice.billing import repository as repo
from boxoffice.billing.models import BILLED_ELSEWHERE, CHARGING, PaymentStatus, SubscriptionStatus
from boxoffice.billing.rows import PaymentRow, SubscriptionRow
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog import seasons
from boxoffice.catalog.models import Season
from boxoffice.events import outbox
from boxoffice.gateways import connectors
from boxoffice.gateways.connectors import EXTERNAL, Schedule
from boxoffice.gateways.models import DunningCycle
from boxoffice.gateways.protocol import ChargeRequest, ChargeResult, GatewayError
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import repository as identity_repo
from boxoffice.kit import clock, jobs, metrics
from boxoffice.kit.db import WorkingCopies, one_connection, transaction
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

BATCH = 500
# How long a worker holds the subscriptions it is renewing before another may take them up.
LEASE = timedelta(minutes=5)
# A renewal whose charge got no answer is asked again (with the same key) this much later.
RETRY_UNKNOWN = timedelta(minutes=10)
# How long an external connector has to answer the last attempt of a schedule (an earlier one: until the next).
ANSWER_WINDOW = timedelta(days=1)
# … and never less than this (an attempt asked late, after a catch-up or a restriction of attempts).
MIN_ANSWER_TIME = timedelta(hours=1)
NO_ANSWER = "no_answer"  # the decline code of an attempt its connector left unanswered past its deadline


@dataclass(slots=True)
class PassReport:
    renewed: int = 0
    declined: int = 0
    ended: int = 0
    expired: int = 0
    unknown: int = 0

    @property
    def handled(self) -> int:
        return self.renewed + self.declined + self.ended + self.expired + self.unknown


@dataclass(frozen=True, slots=True)
class Charge:
    """A pending payment of a batch, as the gateway is asked for it."""

    payment: PaymentRow
    request: ChargeRequest


def charge_key(subscription: SubscriptionRow) -> str:
    return f"subscription-{subscription.id}-period-{subscription.cycle + 1}-try-{subscription.dunning_attempts}"


async def renew_due_subscriptions(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    *,
    as_of: datetime,
    retry_days: Sequence[int],
    merchant_id: int | None = None,
    clock_id: int | None = None,
    batch: int = BATCH,
) -> PassReport:
    """Handle every subscription due by `as_of` (a catch-up renews one period after another); returns counts."""
    report = PassReport()
    # The pass's own transactions, two a batch, run on one connection (the gateway's take their own).
    with clock.pinned(as_of if clock_id is not None else None):
        async with one_connection(sessions) as own:
            while True:
                claimed = await _claim(own, as_of, batch, merchant_id, clock_id, retry_days, report)
                if claimed is None:
                    return report
                results = await _charge_all(gateways, claimed)
                before = dataclasses.replace(report)
                async with transaction(own) as session:
                    await _record(session, claimed, results, as_of, retry_days, report)
                _count(before, report)


def _count(before: PassReport, after: PassReport) -> None:
    """What a batch did, counted once its transaction has committed."""
    for outcome in ("renewed", "declined", "ended", "expired", "unknown"):
        done = getattr(after, outcome) - getattr(before, outcome)
        if done:
            metrics.RENEWALS.labels(outcome).inc(done)


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    as_of: datetime,
    batch: int,
    merchant_id: int | None,
    clock_id: int | None,
    retry_days: Sequence[int],
    report: PassReport,
) -> list[Charge] | None:
    """Step 1: the pending payments of a batch of due subscriptions (None: nothing is due)."""
    async with transaction(sessions) as session:
        due = await repo.claim_due_subscriptions(session, as_of, batch, merchant_id=merchant_id, clock_id=clock_id)
        if not due:
            return None
        # What the rules change of the batch's subscriptions (a few: those that end, expire or switch price) is
        # changed in memory and written back together; the lease, the same for all, is one statement.
        changed = WorkingCopies(SubscriptionRow, ("merchant_id", "id"))
        changed.take(due)
        to_charge, told = [], []
        seasonal = await _seasons_of(session, due)
        for subscription in due:
            listed = seasonal.get((subscription.merchant_id, subscription.price_id))
            next_season = None if listed is None else seasons.season_period(listed, subscription.current_period_end)
            if subscription.status in CHARGING and _pause_begins(subscription, as_of):
                periods.begin_pause(subscription)
                told.append(events.subscription_changed(subscription, "subscribe.updated"))
            elif subscription.status == SubscriptionStatus.PAUSED:
                periods.end_pause(subscription, subscription.resumes_at or subscription.current_period_end)
                to_charge.append(subscription)
            elif subscription.status in CHARGING and subscription.gateway in BILLED_ELSEWHERE:
                # The merchant or a store bills it and did not renew it by the end of its period: it ends with
                # that period.
                subscription.status, subscription.due_at = SubscriptionStatus.ENDED, None
                subscription.ended_at = subscription.updated_at = clock.now()
                told.append(events.subscription_changed(subscription, "subscribe.expired"))
                report.ended += 1
            elif subscription.status in CHARGING and listed is not None and next_season is None:
                # A seasonal price with no season left: the subscription ends with the last.
                subscription.status, subscription.due_at = SubscriptionStatus.ENDED, None
                subscription.ended_at = subscription.updated_at = clock.now()
                told.append(events.subscription_changed(subscription, "subscribe.expired"))
                report.ended += 1
            elif subscription.status in CHARGING and next_season is not None and next_season.starts_at > as_of:
                # Between seasons: neither access nor a charge until the next season begins, when it renews.
                subscription.due_at, subscription.updated_at = next_season.starts_at, clock.now()
            elif subscription.status in CHARGING:
                to_charge.append(subscription)
            elif subscription.status == SubscriptionStatus.INCOMPLETE:
                periods.expire(subscription)
                told.append(events.subscription_changed(subscription, "subscribe.expired"))
                report.expired += 1
            elif subscription.status == SubscriptionStatus.CANCELED:
                subscription.status, subscription.due_at = SubscriptionStatus.ENDED, None
                subscription.ended_at = subscription.updated_at = clock.now()
                told.append(events.subscription_changed(subscription, "subscribe.expired"))
                report.ended += 1
            else:
                subscription.due_at = None  # nothing is ever due again in a final state
        await outbox.record(session, *told)
        external = [subscription for subscription in to_charge if subscription.gateway == EXTERNAL]
        to_charge = [subscription for subscription in to_charge if subscription.gateway != EXTERNAL]
        payments = await _pending_payments(session, to_charge)
        if external:
            nothing_to_ask = await _ask_connectors(session, external, retry_days, report)
            payments += nothing_to_ask
            to_charge += [s for s in external if any(c.payment.subscription_id == s.id for c in nothing_to_ask)]
        await repo.write_subscriptions(session, changed.changes())
        leased: dict[int, list[int]] = defaultdict(list)
        for subscription in to_charge:
            leased[subscription.merchant_id].append(subscription.id)
        lease_end = max(as_of, clock.now()) + LEASE
        for merchant, ids in leased.items():
            await repo.lease_subscriptions(session, merchant, ids, lease_end)
    return payments


async def _seasons_of(
    session: AsyncSession, subscriptions: Sequence[SubscriptionRow]
) -> dict[tuple[int, int], list[Season]]:
    """The seasons of the seasonal prices among the subscriptions', by (merchant id, price id)."""
    prices: dict[int, set[int]] = defaultdict(set)
    for subscription in subscriptions:
        prices[subscription.merchant_id].add(subscription.price_id)
    found: dict[tuple[int, int], list[Season]] = {}
    for merchant_id, price_ids in prices.items():
        by_price = await seasons.seasons_by_price(session, merchant_id, sorted(price_ids))
        found |= {(merchant_id, price_id): listed for price_id, listed in by_price.items()}
    return found


def _pause_begins(subscription: SubscriptionRow, as_of: datetime) -> bool:
    """A pause asked for begins when the period paid for ends (a renewal retried in dunning is not paused)."""
    starts = subscription.pause_starts_at
    return starts is not None and starts <= as_of and subscription.status == SubscriptionStatus.ACTIVE


async def _pending_payments(session: AsyncSession, subscriptions: Sequence[SubscriptionRow]) -> list[Charge]:
    """The payment for each subscription's next period: the one a dead worker left pending, or a new one."""
    left: dict[str, PaymentRow] = {}
    by_merchant: dict[int, list[str]] = defaultdict(list)
    for subscription in subscriptions:
        by_merchant[subscription.merchant_id].append(charge_key(subscription))
    for merchant_id, keys in by_merchant.items():
        left |= await repo.payments_by_keys(session, merchant_id, keys)
    # A pending plan switch is applied as its subscription's next charge is first written (not again when a dead
    # worker's charge is taken up: that one was written at the price of then).
    await switches.apply_pending(session, [s for s in subscriptions if charge_key(s) not in left])
    vouchers = await upcoming.vouchers_in_use(session, subscriptions)
    now = clock.now()
    payments: list[PaymentRow] = []
    new: list[PaymentRow] = []
    for subscription in subscriptions:
        key = charge_key(subscription)
        payment = left.get(key)
        if payment is None:
            voucher = vouchers.get(subscription.voucher_id or 0)
            charge = periods.charge_for_next_period(subscription, voucher, first=subscription.cycle == 0)
            payment = _payment(subscription, charge, key, now)
            new.append(payment)
        elif payment.status != PaymentStatus.PENDING:
            continue
        payments.append(payment)
    await repo.insert_payments(session, new)
    return [Charge(payment, _request(payment)) for payment in payments]


async def _charge_all(gateways: Gateways, charges: Sequence[Charge]) -> list[ChargeResult | GatewayError | None]:
    """Step 2: each gateway asked once for its batch; nothing to charge (credit or a voucher paid it all) is None."""
    results: list[ChargeResult | GatewayError | None] = [None] * len(charges)
    by_gateway: dict[tuple[int, str], list[int]] = defaultdict(list)
    for index, charge in enumerate(charges):
        if charge.request.amount:
            by_gateway[(charge.request.merchant_id, charge.payment.gateway)].append(index)
    for (merchant_id, name), indexes in by_gateway.items():
        try:
            gateway = await gateways.named(merchant_id, name)
        except GatewayError as error:  # the merchant took the gateway's credentials away: ask again later
            for index in indexes:
                results[index] = error
            continue
        requests = [charges[index].request for index in indexes]
        for index, answer in zip(indexes, await gateway.charge_many(requests), strict=True):
            results[index] = answer
    return results


def _request(payment: PaymentRow) -> ChargeRequest:
    return ChargeRequest(
        payment.merchant_id,
        payment.amount,
        payment.currency,
        payment.gateway_customer_ref,
        payment.gateway_method,
        payment.idempotency_key,
    )


async def _record(
    session: AsyncSession,
    charges: Sequence[Charge],
    results: Sequence[ChargeResult | GatewayError | None],
    as_of: datetime,
    retry_days: Sequence[int],
    report: PassReport,
) -> None:
    """Step 3: the outcomes, each recorded once (a payment another worker settled meanwhile is left to it)."""
    answers = {charge.payment.id: result for charge, result in zip(charges, results, strict=True)}
    by_merchant: dict[int, list[int]] = defaultdict(list)
    for charge in charges:
        by_merchant[charge.request.merchant_id].append(charge.payment.id)
    of_payment: dict[int, SubscriptionRow] = {}
    for merchant_id, ids in by_merchant.items():
        of_payment |= await repo.claim_pending_renewals(session, merchant_id, ids)
    claimed = [charge.payment for charge in charges if charge.payment.id in of_payment]
    subscriptions = {subscription.id: subscription for subscription in of_payment.values()}
    # What the outcomes change is changed in memory, then written back in a few statements for the whole batch.
    changed_payments = WorkingCopies(PaymentRow, ("merchant_id", "id"))
    changed_payments.take(claimed)
    changed_subscriptions = WorkingCopies(SubscriptionRow, ("merchant_id", "id"))
    changed_subscriptions.take(subscriptions.values())
    paid: list[tuple[SubscriptionRow, PaymentRow]] = []
    settled: Counter[tuple[str, str]] = Counter()  # by gateway and outcome, for the metrics
    schedules = await _schedules(session, subscriptions.values())
    now = clock.now()
    for payment in claimed:
        subscription = subscriptions[payment.subscription_id or 0]
        result = answers[payment.id]
        payment.updated_at = now
        if isinstance(result, GatewayError):
            # Left pending: asked again, with the same key, when the subscription is next due.
            subscription.due_at = max(as_of, now) + RETRY_UNKNOWN
            report.unknown += 1
            continue
        payment.status, payment.decline_code = _outcome(result)
        payment.gateway_charge_id = result.charge_id if result is not None else None
        if payment.status == PaymentStatus.SUCCEEDED:
            paid.append((subscription, payment))
            report.renewed += 1
            settled[(payment.gateway, "succeeded")] += 1
        else:
            await _decline(session, subscription, _schedule(subscription, retry_days, schedules).retries)
            report.declined += 1
            settled[(payment.gateway, "declined")] += 1
    for (gateway, outcome), count in settled.items():
        metrics.PAYMENTS.labels(gateway, outcome).inc(count)
    booked = [payment for _, payment in paid if _moves(payment)]
    entries = await ledger.post_many(
        session, [(p.merchant_id, "charge", f"payment:{p.id}", books.charge_lines(p)) for p in booked]
    )
    for payment, entry_id in zip(booked, entries, strict=True):
        payment.ledger_transaction_id = entry_id
    await _extend_access(session, paid, now)
    await repo.write_payments(session, changed_payments.changes(as_one=True))  # held by this transaction
    await repo.write_subscriptions(session, changed_subscriptions.changes())
    told = [event for payment in claimed if payment.status != PaymentStatus.PENDING for event in _told(payment)]
    told += [
        events.subscription_changed(s, "subscribe.expired")
        for s in subscriptions.values()
        if s.status == SubscriptionStatus.ENDED
    ]
    told += [events.access_revoked(s) for s in subscriptions.values() if s.status == SubscriptionStatus.ENDED]
    told += [
        _termination_due(s)
        for s in subscriptions.values()
        if s.status == SubscriptionStatus.ENDED and s.gateway == EXTERNAL
    ]
    await outbox.record(session, *told)


def _told(payment: PaymentRow) -> list[outbox.DomainEvent]:
    return events.paid(payment) if payment.status == PaymentStatus.SUCCEEDED else events.declined(payment)


def _moves(payment: PaymentRow) -> bool:
    return bool(payment.amount + payment.discount + payment.credit_used)


def _outcome(result: ChargeResult | None) -> tuple[PaymentStatus, str | None]:
    """Off-session, a charge the bank wants authenticated can't be: it counts as declined, and dunning asks the
    customer to pay again. A debit still clearing is taken as paid, as Stripe keeps such a subscription active;
    its failure, told later by the gateway's event, is a refund's business."""
    if result is None or result.status in ("succeeded", "processing"):
        return PaymentStatus.SUCCEEDED, None
    if result.status == "requires_action":
        return PaymentStatus.DECLINED, "authentication_required"
    return PaymentStatus.DECLINED, result.decline_code or "card_declined"


def _payment(subscription: SubscriptionRow, charge: periods.PeriodCharge, key: str, now: datetime) -> PaymentRow:
    """The next period's charge, written (pending) before the gateway is asked, with everything the request
    needs; its id once written."""
    return PaymentRow(
        merchant_id=subscription.merchant_id,
        id=0,
        customer_id=subscription.customer_id,
        product_id=subscription.product_id,
        price_id=subscription.price_id,
        kind="renewal",
        subscription_id=subscription.id,
        idempotency_key=key,
        amount=charge.amount,
        currency=subscription.currency,
        discount=charge.discount,
        credit_used=charge.credit_used,
        voucher_id=subscription.voucher_id if charge.discount else None,
        gateway=subscription.gateway,
        method=subscription.method,
        gateway_customer_ref=subscription.gateway_customer_ref,
        gateway_method=subscription.gateway_method,
        gateway_charge_id=None,
        status=PaymentStatus.PENDING,
        decline_code=None,
        entitlement_id=subscription.entitlement_id,
        ledger_transaction_id=None,
        refunded=0,
        created_at=now,
        updated_at=now,
    )


async def _extend_access(
    session: AsyncSession, paid: Sequence[tuple[SubscriptionRow, PaymentRow]], now: datetime
) -> None:
    """The next period, and access until its end: the entitlement runs on, except after a trial, whose
    entitlement stays a trial's (the once-per-customer rule reads it) and a paid one opens."""
    by_merchant: dict[int, list[int]] = {}
    for subscription, _ in paid:
        if subscription.cycle > 0 and subscription.entitlement_id is not None:
            by_merchant.setdefault(subscription.merchant_id, []).append(subscription.entitlement_id)
    entitlements: dict[int, EntitlementRow] = {}
    for merchant_id, ids in by_merchant.items():
        entitlements |= await access_repo.entitlement_rows(session, merchant_id, ids)
    extended = WorkingCopies(EntitlementRow, ("merchant_id", "customer_id", "id"))
    extended.take(entitlements.values())
    seasonal = await _seasons_of(session, [subscription for subscription, _ in paid])
    for subscription, payment in paid:
        listed = seasonal.get((subscription.merchant_id, subscription.price_id))
        next_season = None if listed is None else seasons.season_period(listed, subscription.current_period_end)
        if next_season is not None:
            periods.begin_season(subscription, next_season)
        else:
            periods.begin_period(subscription, subscription.current_period_end)
        subscription.due_at = subscription.current_period_end
        # One cancelled while its charge was out is paid, and still ends.
        if subscription.status != SubscriptionStatus.CANCELED:
            subscription.status = SubscriptionStatus.ACTIVE
        subscription.dunning_attempts, subscription.period_paid = 0, payment.amount
        subscription.credit -= payment.credit_used
        periods.used_discount(subscription, periods.PeriodCharge(payment.amount, payment.discount, payment.credit_used))
        subscription.updated_at = now
        entitlement = entitlements.get(subscription.entitlement_id or 0)
        # A switch applied at this renewal moved the subscription to another price: its period is that price's
        # access, a new entitlement.
        # Nor is an entitlement that lapsed before this period (a pause withheld the access between) stretched
        # over that gap: this period's access is opened anew.
        if (
            subscription.cycle > 0
            and entitlement is not None
            and entitlement.price_id in (None, subscription.price_id)
            and entitlement.expires_at >= subscription.current_period_start
        ):
            entitlement.expires_at = max(entitlement.expires_at, subscription.current_period_end)
        else:
            await _open_paid_entitlement(session, subscription)
        subscription.cycle += 1
        payment.entitlement_id = subscription.entitlement_id
    await access_repo.write_entitlements(session, extended.changes())


async def _open_paid_entitlement(session: AsyncSession, subscription: SubscriptionRow) -> None:
    merchant = await identity_repo.merchant_by_id(session, subscription.merchant_id)
    customer = await identity_repo.customer_by_id(session, subscription.merchant_id, subscription.customer_id)
    product = await catalog_repo.product_by_id(session, subscription.merchant_id, subscription.product_id)
    price = await catalog_repo.price_by_id(session, subscription.merchant_id, subscription.price_id)
    assert merchant is not None and customer is not None and product is not None and price is not None
    await periods.open_new_entitlement(session, merchant, customer, subscription, product, price)


async def _decline(session: AsyncSession, subscription: SubscriptionRow, retries: Sequence[timedelta]) -> None:
    """Dunning: past due, tried again after each of `retries` from the due date; then it ends and access with
    it. A declined renewal never extends access."""
    now = clock.now()
    subscription.updated_at = now
    if subscription.dunning_attempts < len(retries):
        subscription.status = SubscriptionStatus.PAST_DUE
        subscription.due_at = subscription.current_period_end + retries[subscription.dunning_attempts]
        subscription.dunning_attempts += 1
        return
    subscription.status, subscription.due_at, subscription.ended_at = SubscriptionStatus.ENDED, None, now
    if subscription.entitlement_id is not None:
        await access_repo.revoke_by_id(
            session, subscription.merchant_id, subscription.customer_id, subscription.entitlement_id, now, "unpaid"
        )


async def _schedules(
    session: AsyncSession, subscriptions: Iterable[SubscriptionRow]
) -> dict[int, dict[DunningCycle, Schedule]]:
    """The dunning schedules the merchants of a batch set per billing cycle."""
    return {m: await connectors.schedules(session, m) for m in {s.merchant_id for s in subscriptions}}


def _schedule(
    subscription: SubscriptionRow, retry_days: Sequence[int], schedules: dict[int, dict[DunningCycle, Schedule]]
) -> Schedule:
    """The merchant's schedule for the subscription's billing cycle, or the global one (`retry_days`)."""
    cycle = connectors.cycle_of(subscription.period_unit, subscription.period_quantity)
    found = schedules.get(subscription.merchant_id, {}).get(cycle) if cycle is not None else None
    return found or Schedule(tuple(timedelta(days=days) for days in retry_days))


def _termination_due(subscription: SubscriptionRow) -> outbox.DomainEvent:
    """An ended subscription's connector is told (only one billed externally: the event is named-only)."""
    resource = _connector_resource(subscription, None)
    return outbox.DomainEvent(
        subscription.merchant_id, "subscription.termination.due", subscription.customer_id, resource
    )


async def _ask_connectors(
    session: AsyncSession, subscriptions: Sequence[SubscriptionRow], retry_days: Sequence[int], report: PassReport
) -> list[Charge]:
    """Due renewals billed by an external connector, in the claim's transaction: an attempt the connector left
    unanswered past its deadline is declined (dunning, or the end); otherwise the attempt's payment is written
    (pending) and the connector asked, by events, to authorise (when the schedule says so) and capture it, with
    the subscription due again at the attempt's deadline. Returns the charges of nothing (credit or a voucher
    paid it all), which are settled as any other."""
    now = clock.now()
    schedules = await _schedules(session, subscriptions)
    left: dict[str, PaymentRow] = {}
    for merchant_id in {s.merchant_id for s in subscriptions}:
        keys = [charge_key(s) for s in subscriptions if s.merchant_id == merchant_id]
        left |= await repo.payments_by_keys(session, merchant_id, keys)
    unanswered = WorkingCopies(PaymentRow, ("merchant_id", "id"))
    told: list[outbox.DomainEvent] = []
    to_ask = []
    for subscription in subscriptions:
        payment = left.get(charge_key(subscription))
        if payment is None:
            details = await connectors.details_of(session, subscription.merchant_id, subscription.gateway_customer_ref)
            restricted = details.attempt_restricted_to if details is not None else None
            if restricted is not None and restricted > now:  # the merchant put attempts off until then
                subscription.due_at = restricted
            else:
                to_ask.append(subscription)
            continue
        if payment.status != PaymentStatus.PENDING:  # settled by a report in the meantime: looked at again later
            subscription.due_at = now + RETRY_UNKNOWN
            continue
        unanswered.take([payment])
        payment.status, payment.decline_code, payment.updated_at = PaymentStatus.DECLINED, NO_ANSWER, now
        await _decline(session, subscription, _schedule(subscription, retry_days, schedules).retries)
        report.declined += 1
        told += events.declined(payment)
        if subscription.status == SubscriptionStatus.ENDED:
            told += [
                events.subscription_changed(subscription, "subscribe.expired"),
                events.access_revoked(subscription),
                _termination_due(subscription),
            ]
    await repo.write_payments(session, unanswered.changes(as_one=True))
    charges = await _pending_payments(session, to_ask)
    by_id = {subscription.id: subscription for subscription in to_ask}
    for charge in charges:
        if not charge.request.amount:
            continue
        subscription = by_id[charge.payment.subscription_id or 0]
        schedule = _schedule(subscription, retry_days, schedules)
        attempt = subscription.dunning_attempts
        deadline = (
            subscription.current_period_end + schedule.retries[attempt]
            if attempt < len(schedule.retries)
            else now + ANSWER_WINDOW
        )
        subscription.due_at = max(deadline, now + MIN_ANSWER_TIME)
        details = await connectors.details_of(session, subscription.merchant_id, subscription.gateway_customer_ref)
        token = details.token if details is not None else None
        resource = _connector_resource(subscription, charge.payment, token) | {
            "dunning_attempt": attempt,
            "dunning_attempt_date": now.isoformat(),
            "dunning_status": "initial" if attempt == 0 else "retry",
            "answer_by": subscription.due_at.isoformat(),
        }
        kinds = ["authorisation", "capture"] if schedule.authorise_first else ["capture"]
        told += [
            outbox.DomainEvent(
                subscription.merchant_id, f"subscription.payment.{kind}.due", subscription.customer_id, resource
            )
            for kind in kinds
        ]
    await outbox.record(session, *told)
    return [charge for charge in charges if not charge.request.amount]


def _connector_resource(
    subscription: SubscriptionRow, payment: PaymentRow | None, token: str | None = None
) -> dict[str, object]:
    """What an external connector is told of a subscription it bills: the payment method (its filter) and
    details it is charged with, and the attempt's payment."""
    details_id = subscription.gateway_customer_ref
    method_id = subscription.gateway_method
    return {
        "subscription_id": subscription.id,
        "customer_id": subscription.customer_id,
        "product_id": subscription.product_id,
        "price_id": subscription.price_id,
        "gateway": subscription.gateway,
        "payment_method_id": int(method_id) if method_id.isdigit() else None,
        "payment_details_id": int(details_id) if details_id.isdigit() else None,
        "payment_id": payment.id if payment is not None else None,
        "amount": payment.amount if payment is not None else subscription.amount,
        "currency": subscription.currency,
        "expires_at": subscription.current_period_end.isoformat(),
        "status": subscription.status,
        "token": token,
    }


async def settle_external_renewal(
    session: AsyncSession,
    payment: PaymentRow,
    *,
    captured: bool,
    external_id: str | None,
    decline_code: str | None,
    retry_days: Sequence[int],
) -> bool:
    """A connector's answer to a renewal it was asked for, recorded as a gateway's would be: captured, the period
    and access run on and the ledger books it; rejected, dunning (or the end). False when the payment was no longer
    awaited (settled already, or declined for want of an answer).

    The subscription is locked before the payment, as the renewal pass locks them (`_ask_connectors`), so the two
    never wait on each other (PostgreSQL)."""
    if payment.subscription_id is not None:
        await repo.subscription_by_id(session, payment.merchant_id, payment.subscription_id, lock=True)
    result = ChargeResult(
        external_id or payment.gateway_charge_id or "",
        "succeeded" if captured else "declined",
        payment.amount,
        payment.currency,
        decline_code=None if captured else (decline_code or "rejected"),
    )
    report = PassReport()
    await _record(session, [Charge(payment, _request(payment))], [result], clock.now(), retry_days, report)
    return report.handled == 1


EVERY_SECONDS = 60


@jobs.every(EVERY_SECONDS, "billing.renewals")
async def renewals_chore(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    gateways = Gateways(sessions, settings, Sealer(settings.encryption_keys))
    try:
        await renew_due_subscriptions(sessions, gateways, as_of=clock.now(), retry_days=settings.dunning_retry_days)
    finally:
        await gateways.aclose()
