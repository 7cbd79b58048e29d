"""The renewal engine: every due subscription charged for its next period exactly once, in the worker.

A pass claims due subscriptions in batches with `FOR UPDATE SKIP LOCKED` (so workers side by side take different
ones; SQLite runs one worker) and, in the claiming transaction, charges each with an idempotency key made of the
subscription, the period and the attempt, then records the outcome: the payment, its ledger transaction and the
longer access; or the decline and the next dunning retry. A worker that dies mid-batch rolls all of it back; the
next pass charges again with the same keys and the gateway answers with the charges it already made, so every
period is paid once and recorded once.

Due also means: a cancelled subscription whose period is over ends, an incomplete one expires after a day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import clock, jobs
from boxoffice.access import repository as access_repo
from boxoffice.access.models import Entitlement
from boxoffice.billing import books, ledger, periods
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, Subscription
from boxoffice.catalog import repository as catalog_repo
from boxoffice.db import transaction
from boxoffice.gateways.protocol import ChargeResult, GatewayError
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import repository as identity_repo
from boxoffice.promotions import repository as promotions_repo
from boxoffice.promotions.models import Voucher
from boxoffice.sealing import Sealer
from boxoffice.settings import Settings

BATCH = 200
# Charges asked of the gateway at once within a batch.
CONCURRENT_CHARGES = 16
# A renewal whose charge got no answer is asked again (with the same key) this much later.
RETRY_UNKNOWN = timedelta(minutes=10)


@dataclass(slots=True)
class PassReport:
    renewed: int = 0
    declined: int = 0
    ended: int = 0
    expired: int = 0
    unknown: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.renewed + self.declined + self.ended + self.expired + self.unknown


def charge_key(subscription: Subscription) -> str:
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
    with clock.pinned(as_of if clock_id is not None else None):
        while True:
            async with transaction(sessions) as session:
                due = await repo.claim_due_subscriptions(
                    session, as_of, batch, merchant_id=merchant_id, clock_id=clock_id
                )
                if not due:
                    return report
                await _handle_batch(session, gateways, due, as_of, retry_days, report)


async def _handle_batch(
    session: AsyncSession,
    gateways: Gateways,
    due: Sequence[Subscription],
    as_of: datetime,
    retry_days: Sequence[int],
    report: PassReport,
) -> None:
    to_charge = [s for s in due if s.status in periods.CHARGING]
    for subscription in due:
        if subscription.status == "incomplete":
            subscription.status, subscription.due_at = "incomplete_expired", None
            subscription.ended_at = subscription.updated_at = clock.now()
            report.expired += 1
        elif subscription.status == "canceled":
            subscription.status, subscription.due_at = "ended", None
            subscription.ended_at = subscription.updated_at = clock.now()
            report.ended += 1
        elif subscription.status not in periods.CHARGING:
            subscription.due_at = None  # nothing is ever due again in a final state
    vouchers = await _vouchers_of(session, to_charge)
    planned = [
        (s, periods.charge_for_next_period(s, vouchers.get(s.voucher_id or 0), first=s.cycle == 0)) for s in to_charge
    ]
    results = await _charge_all(gateways, planned)
    outcomes: list[tuple[Subscription, periods.PeriodCharge, Payment]] = []
    for (subscription, charge), result in zip(planned, results, strict=True):
        if isinstance(result, GatewayError):
            subscription.due_at = max(as_of, clock.now()) + RETRY_UNKNOWN
            report.unknown += 1
            continue
        payment = _payment(subscription, charge, result, charge_key(subscription))
        session.add(payment)
        outcomes.append((subscription, charge, payment))
    await session.flush()  # the payments' ids, for their ledger references
    paid = [(s, c, p) for s, c, p in outcomes if p.status == "succeeded"]
    entries = await ledger.post_many(
        session, [(p.merchant_id, "charge", f"payment:{p.id}", books.charge_lines(p)) for _, _, p in paid]
    )
    for (_, _, payment), entry in zip(paid, entries, strict=True):
        payment.ledger_transaction_id = entry.id
    await _extend_access(session, paid)
    for subscription, _, payment in outcomes:
        if payment.status == "succeeded":
            report.renewed += 1
        else:
            await _decline(session, subscription, retry_days)
            report.declined += 1


async def _vouchers_of(session: AsyncSession, subscriptions: Sequence[Subscription]) -> dict[int, Voucher]:
    by_merchant: dict[int, list[int]] = {}
    for s in subscriptions:
        if s.voucher_id is not None and s.discounted_charges_left != 0:
            by_merchant.setdefault(s.merchant_id, []).append(s.voucher_id)
    found: dict[int, Voucher] = {}
    for merchant_id, ids in by_merchant.items():
        found |= await promotions_repo.vouchers_by_ids(session, merchant_id, ids)
    return found


async def _charge_all(
    gateways: Gateways, planned: Sequence[tuple[Subscription, periods.PeriodCharge]]
) -> list[ChargeResult | GatewayError | None]:
    limit = asyncio.Semaphore(CONCURRENT_CHARGES)

    async def one(subscription: Subscription, charge: periods.PeriodCharge) -> ChargeResult | GatewayError | None:
        if charge.amount == 0:
            return None
        async with limit:
            try:
                gateway = await gateways.named(subscription.merchant_id, subscription.gateway)
                return await gateway.charge(
                    subscription.merchant_id,
                    amount=charge.amount,
                    currency=subscription.currency,
                    customer_ref=subscription.gateway_customer_ref,
                    method_token=subscription.gateway_method,
                    idempotency_key=charge_key(subscription),
                    off_session=True,
                )
            except GatewayError as error:
                return error

    return list(await asyncio.gather(*(one(s, c) for s, c in planned)))


def _payment(
    subscription: Subscription, charge: periods.PeriodCharge, result: ChargeResult | None, key: str
) -> Payment:
    """The renewal's payment as the gateway decided it. Off-session, a charge the bank wants authenticated can't
    be: it counts as declined, and the customer is asked to pay again by dunning."""
    now = clock.now()
    status, decline = "succeeded", None
    if result is not None and result.status != "succeeded":
        status = "declined"
        decline = "authentication_required" if result.status == "requires_action" else result.decline_code
    return Payment(
        merchant_id=subscription.merchant_id,
        customer_id=subscription.customer_id,
        product_id=subscription.product_id,
        price_id=subscription.price_id,
        kind="renewal",
        subscription_id=subscription.id,
        idempotency_key=key,
        amount=charge.amount,
        currency=subscription.currency,
        discount=charge.discount,
        credit_used=charge.credit_used if status == "succeeded" else 0,
        voucher_id=subscription.voucher_id if charge.discount else None,
        gateway=subscription.gateway,
        gateway_customer_ref=subscription.gateway_customer_ref,
        gateway_method=subscription.gateway_method,
        gateway_charge_id=result.charge_id if result is not None else None,
        status=status,
        decline_code=decline,
        entitlement_id=subscription.entitlement_id,
        created_at=now,
        updated_at=now,
    )


async def _extend_access(
    session: AsyncSession, paid: Sequence[tuple[Subscription, periods.PeriodCharge, Payment]]
) -> None:
    """The next period, and access until its end: the entitlement runs on, except after a trial, whose
    entitlement stays a trial's (the once-per-customer rule reads it) and a paid one opens."""
    by_merchant: dict[int, list[int]] = {}
    for subscription, _, _ in paid:
        if subscription.cycle > 0 and subscription.entitlement_id is not None:
            by_merchant.setdefault(subscription.merchant_id, []).append(subscription.entitlement_id)
    entitlements: dict[int, Entitlement] = {}
    for merchant_id, ids in by_merchant.items():
        entitlements |= await access_repo.entitlements_by_ids(session, merchant_id, ids)
    for subscription, charge, payment in paid:
        start = subscription.current_period_end
        subscription.current_period_start, subscription.current_period_end = (
            start,
            periods.next_period_end(subscription, start),
        )
        subscription.status, subscription.due_at = "active", subscription.current_period_end
        subscription.dunning_attempts, subscription.period_paid = 0, charge.amount
        subscription.credit -= charge.credit_used
        periods.used_discount(subscription, charge)
        subscription.updated_at = clock.now()
        entitlement = entitlements.get(subscription.entitlement_id or 0)
        if subscription.cycle > 0 and entitlement is not None:
            entitlement.expires_at = max(entitlement.expires_at, subscription.current_period_end)
        else:
            await _open_paid_entitlement(session, subscription)
        subscription.cycle += 1
        payment.entitlement_id = subscription.entitlement_id


async def _open_paid_entitlement(session: AsyncSession, subscription: Subscription) -> None:
    merchant = await identity_repo.merchant_by_id(session, subscription.merchant_id)
    customer = await identity_repo.customer_by_id(session, subscription.merchant_id, subscription.customer_id)
    product = await catalog_repo.product_by_id(session, subscription.merchant_id, subscription.product_id)
    price = await catalog_repo.price_by_id(session, subscription.merchant_id, subscription.price_id)
    assert merchant is not None and customer is not None and product is not None and price is not None
    await periods.open_new_entitlement(session, merchant, customer, subscription, product, price)


async def _decline(session: AsyncSession, subscription: Subscription, retry_days: Sequence[int]) -> None:
    """Dunning: past due, tried again after each of `retry_days` from the due date; then it ends and access with
    it. A declined renewal never extends access."""
    now = clock.now()
    subscription.updated_at = now
    if subscription.dunning_attempts < len(retry_days):
        days = retry_days[subscription.dunning_attempts]
        subscription.status = "past_due"
        subscription.due_at = subscription.current_period_end + timedelta(days=days)
        subscription.dunning_attempts += 1
        return
    subscription.status, subscription.due_at, subscription.ended_at = "ended", None, now
    if subscription.entitlement_id is not None:
        await access_repo.revoke_by_id(
            session, subscription.merchant_id, subscription.customer_id, subscription.entitlement_id, now, "unpaid"
        )


EVERY_SECONDS = 60


@jobs.every(EVERY_SECONDS, "billing.renewals")
async def renewals_chore(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    gateways = Gateways(sessions, settings, Sealer(settings.encryption_keys))
    try:
        await renew_due_subscriptions(sessions, gateways, as_of=clock.now(), retry_days=settings.dunning_retry_days)
    finally:
        await gateways.aclose()
