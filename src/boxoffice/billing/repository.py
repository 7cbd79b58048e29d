"""Every billing query: the ledger, payments and payment profiles."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import (
    CHARGING,
    DECIDED,
    NOT_STARTED,
    RUNNING,
    UNSETTLED,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    PaymentProfile,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxClock,
    SandboxClockMember,
    StoreProduct,
    Subscription,
    SubscriptionStatus,
)
from boxoffice.billing.rows import PaymentRow, SubscriptionRow
from boxoffice.identity.models import Customer
from boxoffice.kit.db import among, columns_of, page_of, table_of, within

_PAYMENTS, _SUBSCRIPTIONS = table_of(Payment), table_of(Subscription)
# The renewal engine's rows, read as plain rows (see billing.rows).
_PAYMENT_ROW, _SUBSCRIPTION_ROW = columns_of(_PAYMENTS, PaymentRow), columns_of(_SUBSCRIPTIONS, SubscriptionRow)


async def transaction_by_id(session: AsyncSession, merchant_id: int, transaction_id: int) -> LedgerTransaction | None:
    return await session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.merchant_id == merchant_id, LedgerTransaction.id == transaction_id
        )
    )


async def reversal_of(session: AsyncSession, merchant_id: int, transaction_id: int) -> LedgerTransaction | None:
    return await session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.merchant_id == merchant_id, LedgerTransaction.reverses_id == transaction_id
        )
    )


async def entries_of(session: AsyncSession, merchant_id: int, transaction_id: int) -> Sequence[LedgerEntry]:
    rows = await session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.merchant_id == merchant_id, LedgerEntry.transaction_id == transaction_id)
        .order_by(LedgerEntry.id)
    )
    return rows.all()


async def balance(session: AsyncSession, merchant_id: int, account: str, currency: str, customer_id: int | None) -> int:
    query = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.merchant_id == merchant_id, LedgerEntry.account == account, LedgerEntry.currency == currency
    )
    if customer_id is not None:
        query = query.where(LedgerEntry.customer_id == customer_id)
    return int(await session.scalar(query) or 0)


async def unbalanced(session: AsyncSession, merchant_id: int) -> Sequence[tuple[int, str, int]]:
    """(transaction, currency, sum) for every transaction whose entries don't sum to zero in a currency."""
    total = func.sum(LedgerEntry.amount)
    rows = await session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, total)
        .where(LedgerEntry.merchant_id == merchant_id)
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(total != 0)
    )
    return [(row[0], row[1], int(row[2])) for row in rows.all()]


async def payment_by_key(session: AsyncSession, merchant_id: int, key: str) -> Payment | None:
    return await session.scalar(
        select(Payment).where(Payment.merchant_id == merchant_id, Payment.idempotency_key == key)
    )


async def external_payment_by_charge(
    session: AsyncSession, merchant_id: int, gateway: str, gateway_method: str, charge_id: str
) -> Payment | None:
    """The payment a gateway (and its method: an external connector's payment method) knows by its charge id."""
    return await session.scalar(
        select(Payment)
        .where(
            Payment.merchant_id == merchant_id,
            Payment.gateway == gateway,
            Payment.gateway_method == gateway_method,
            Payment.gateway_charge_id == charge_id,
        )
        .order_by(Payment.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def payment_by_id(session: AsyncSession, merchant_id: int, payment_id: int) -> Payment | None:
    return await session.scalar(select(Payment).where(Payment.merchant_id == merchant_id, Payment.id == payment_id))


async def payer_locale(session: AsyncSession, merchant_id: int, charge_id: str) -> str | None:
    """The stored locale of the customer a gateway charge is for (None: none stored, or no such payment)."""
    return await session.scalar(
        select(Customer.locale)
        .join(Payment, Payment.customer_id == Customer.id)
        .where(
            Payment.merchant_id == merchant_id,
            Customer.merchant_id == merchant_id,
            Payment.gateway_charge_id == charge_id,
        )
        .limit(1)
    )


async def payment_by_charge(
    session: AsyncSession, merchant_id: int, customer_id: int, charge_id: str
) -> Payment | None:
    return await session.scalar(
        select(Payment).where(
            Payment.merchant_id == merchant_id,
            Payment.customer_id == customer_id,
            Payment.gateway_charge_id == charge_id,
        )
    )


async def profile(session: AsyncSession, merchant_id: int, customer_id: int, gateway: str) -> PaymentProfile | None:
    return await session.scalar(
        select(PaymentProfile).where(
            PaymentProfile.merchant_id == merchant_id,
            PaymentProfile.customer_id == customer_id,
            PaymentProfile.gateway == gateway,
        )
    )


async def profile_by_id(session: AsyncSession, merchant_id: int, profile_id: int) -> PaymentProfile | None:
    return await session.scalar(
        select(PaymentProfile).where(PaymentProfile.merchant_id == merchant_id, PaymentProfile.id == profile_id)
    )


async def claim_for_settlement(session: AsyncSession, merchant_id: int, payment_id: int) -> bool:
    """Move an open payment to `settling`; False when another request settled or is settling it."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.merchant_id == merchant_id,
            Payment.id == payment_id,
            Payment.status.in_(UNSETTLED),
        )
        .values(status=PaymentStatus.SETTLING)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def stale_pending_payments(
    session: AsyncSession, merchant_id: int, created_before: datetime
) -> Sequence[Payment]:
    """Pending payments of requests that died; renewals are the renewal engine's to finish, not these."""
    rows = await session.scalars(
        select(Payment)
        .where(
            Payment.merchant_id == merchant_id,
            Payment.status == PaymentStatus.PENDING,
            Payment.kind != "renewal",
            Payment.created_at < created_before,
        )
        .order_by(Payment.id)
    )
    return rows.all()


async def reserve_refund(session: AsyncSession, merchant_id: int, payment_id: int, amount: int) -> bool:
    """Count `amount` as refunded on a payment that succeeded, if that leaves it within what was paid; one
    conditional UPDATE, so two refunds at once can't both take the last of it."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.merchant_id == merchant_id,
            Payment.id == payment_id,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.refunded + amount <= Payment.amount,
        )
        .values(refunded=Payment.refunded + amount)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def refund_by_key(session: AsyncSession, merchant_id: int, key: str) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.merchant_id == merchant_id, Refund.idempotency_key == key))


async def refund_by_gateway_ref(
    session: AsyncSession, merchant_id: int, payment_id: int, gateway_refund_id: str
) -> Refund | None:
    """A payment's refund made, by the gateway's (or connector's) reference of it."""
    return await session.scalar(
        select(Refund)
        .where(
            Refund.merchant_id == merchant_id,
            Refund.payment_id == payment_id,
            Refund.gateway_refund_id == gateway_refund_id,
            Refund.status == RefundStatus.SUCCEEDED,
        )
        .order_by(Refund.id)
        .limit(1)
    )


async def refund_by_id(session: AsyncSession, merchant_id: int, refund_id: int) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.merchant_id == merchant_id, Refund.id == refund_id))


async def payments_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    customer_id: int | None,
    offset: int,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Sequence[str] | None = None,
    statuses: Sequence[PaymentStatus] = DECIDED,
    product_id: int | None = None,
    country_code: str | None = None,
    gateway: str | None = None,
    refunded: bool = False,
    count_paying: bool = True,
) -> tuple[int, int, Sequence[Payment]]:
    """Payments that were decided (succeeded or declined), newest first, within the filters given; with how many
    there are and how many customers paid among them. `refunded`: only payments with a refund, which is then what
    `since` and `until` bound."""
    query = select(Payment).where(Payment.merchant_id == merchant_id, Payment.status.in_(statuses))
    if customer_id is not None:
        query = query.where(Payment.customer_id == customer_id)
    if refunded:
        # The period's refunds (few) name the payments, then looked up by id: given the refunds as a subquery,
        # PostgreSQL's plan for the prepared statement read every payment of the merchant to find them.
        refunds = select(Refund.payment_id).where(
            Refund.merchant_id == merchant_id, *within(Refund.created_at, since, until)
        )
        named = sorted(set(await session.scalars(refunds)))
        query = query.where(among(session, Payment.__table__.c.id, named))
    else:
        query = query.where(*within(Payment.created_at, since, until))
    if product_id is not None:
        query = query.where(Payment.product_id == product_id)
    if country_code is not None:
        query = query.where(Payment.country_code == country_code)
    if gateway is not None:
        query = query.where(Payment.gateway == gateway)
    if kinds is not None:
        query = query.where(Payment.kind.in_(kinds))
    # Newest by when it was paid (a test clock's payment is dated by the clock), read backwards along the merchant's
    # index of payments by time: ordered by id, PostgreSQL walked every merchant's newer payments to find these.
    newest = query.order_by(Payment.created_at.desc(), Payment.id.desc())
    total, rows = await page_of(session, newest, offset=offset, limit=limit)
    if not count_paying:  # a second pass over every payment matched, for a figure not every caller shows
        return total, 0, rows
    matched = query.subquery()
    paying = await session.scalar(
        select(func.count(func.distinct(matched.c.customer_id))).where(matched.c.status == PaymentStatus.SUCCEEDED)
    )
    return total, int(paying or 0), rows


async def merchants_with_stale_work(session: AsyncSession, created_before: datetime) -> list[int]:
    """Merchants with a payment or a refund still pending since before `created_before`. Read across tenants on
    purpose: it is the janitor's one question about every merchant at once, and it answers only ids."""
    payments = select(Payment.merchant_id).where(
        Payment.status == PaymentStatus.PENDING, Payment.kind != "renewal", Payment.created_at < created_before
    )
    refunds = select(Refund.merchant_id).where(
        Refund.status == RefundStatus.PENDING, Refund.created_at < created_before
    )
    rows = await session.scalars(payments.union(refunds).execution_options(cross_tenant=True))
    return sorted(set(rows.all()))


async def stale_pending_refunds(session: AsyncSession, merchant_id: int, created_before: datetime) -> Sequence[Refund]:
    rows = await session.scalars(
        select(Refund)
        .where(
            Refund.merchant_id == merchant_id, Refund.status == RefundStatus.PENDING, Refund.created_at < created_before
        )
        .order_by(Refund.id)
    )
    return rows.all()


async def pending_refund_of(session: AsyncSession, merchant_id: int, payment_id: int) -> Refund | None:
    """The oldest refund of a payment still waiting to be made."""
    return await session.scalar(
        select(Refund)
        .where(
            Refund.merchant_id == merchant_id, Refund.payment_id == payment_id, Refund.status == RefundStatus.PENDING
        )
        .order_by(Refund.id)
        .limit(1)
    )


async def refunded_total(session: AsyncSession, merchant_id: int, payment_id: int) -> int:
    """What refunds that went through handed back of a payment; unlike `Payment.refunded`, a refund still pending
    at the gateway is not counted."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.merchant_id == merchant_id, Refund.payment_id == payment_id, Refund.status == RefundStatus.SUCCEEDED
        )
    )
    return int(total or 0)


async def subscription_by_id(
    session: AsyncSession, merchant_id: int, subscription_id: int, *, lock: bool = False
) -> Subscription | None:
    """Locked for the rest of the transaction when `lock` (PostgreSQL), so changes to it are made one by one."""
    query = select(Subscription).where(Subscription.merchant_id == merchant_id, Subscription.id == subscription_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def subscription_by_cancel_token(session: AsyncSession, merchant_id: int, token: str) -> Subscription | None:
    return await session.scalar(
        select(Subscription).where(Subscription.merchant_id == merchant_id, Subscription.cancel_token == token)
    )


async def running_subscription(
    session: AsyncSession, merchant_id: int, customer_id: int, product_id: int, statuses: Collection[SubscriptionStatus]
) -> Subscription | None:
    return await session.scalar(
        select(Subscription)
        .where(
            Subscription.merchant_id == merchant_id,
            Subscription.customer_id == customer_id,
            Subscription.product_id == product_id,
            Subscription.status.in_(statuses),
        )
        .limit(1)
    )


async def had_trial(session: AsyncSession, merchant_id: int, customer_id: int, product_id: int) -> bool:
    """Whether a trial of the product started for the customer; an attempt that never started gave none."""
    found = await session.scalar(
        select(Subscription.id)
        .where(
            Subscription.merchant_id == merchant_id,
            Subscription.customer_id == customer_id,
            Subscription.product_id == product_id,
            Subscription.trial_ends_at.is_not(None),
            Subscription.status.not_in(NOT_STARTED),
        )
        .limit(1)
    )
    return found is not None


async def incomplete_subscriptions(
    session: AsyncSession, merchant_id: int, customer_id: int, product_id: int
) -> Sequence[Subscription]:
    rows = await session.scalars(
        select(Subscription).where(
            Subscription.merchant_id == merchant_id,
            Subscription.customer_id == customer_id,
            Subscription.product_id == product_id,
            Subscription.status == SubscriptionStatus.INCOMPLETE,
        )
    )
    return rows.all()


async def later_attempt(session: AsyncSession, subscription: Subscription) -> bool:
    """Whether the customer has tried to subscribe to the subscription's item again since (it was replaced)."""
    found = await session.scalar(
        select(Subscription.id)
        .where(
            Subscription.merchant_id == subscription.merchant_id,
            Subscription.customer_id == subscription.customer_id,
            Subscription.product_id == subscription.product_id,
            Subscription.id > subscription.id,
        )
        .limit(1)
    )
    return found is not None


async def open_first_payments(
    session: AsyncSession, merchant_id: int, subscription_ids: Sequence[int]
) -> Sequence[Payment]:
    """The first payments of these subscriptions still awaiting the payer (a challenge, an approval)."""
    rows = await session.scalars(
        select(Payment).where(
            Payment.merchant_id == merchant_id,
            Payment.subscription_id.in_(subscription_ids),
            Payment.kind == "subscription",
            Payment.status == PaymentStatus.REQUIRES_ACTION,
        )
    )
    return rows.all()


async def challenged_purchases(
    session: AsyncSession, merchant_id: int, customer_id: int, product_id: int, other_than: int
) -> Sequence[Payment]:
    """The customer's other purchases of the product still awaiting the payer (a challenge, an approval)."""
    rows = await session.scalars(
        select(Payment).where(
            Payment.merchant_id == merchant_id,
            Payment.customer_id == customer_id,
            Payment.product_id == product_id,
            Payment.kind == "purchase",
            Payment.subscription_id.is_(None),
            Payment.status == PaymentStatus.REQUIRES_ACTION,
            Payment.id != other_than,
        )
    )
    return rows.all()


async def subscriptions_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    customer_id: int | None,
    statuses: Collection[SubscriptionStatus] | None,
    offset: int,
    limit: int,
    product_id: int | None = None,
    country_code: str | None = None,
    gateway: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, Sequence[Subscription]]:
    """Subscriptions newest first, within the filters given (`since` and `until` bound when they were started)."""
    query = select(Subscription).where(
        Subscription.merchant_id == merchant_id, *within(Subscription.created_at, since, until)
    )
    if customer_id is not None:
        query = query.where(Subscription.customer_id == customer_id)
    if statuses is not None:
        query = query.where(Subscription.status.in_(statuses))
    if product_id is not None:
        query = query.where(Subscription.product_id == product_id)
    if country_code is not None:
        query = query.where(Subscription.country_code == country_code)
    if gateway is not None:
        query = query.where(Subscription.gateway == gateway)
    return await page_of(session, query.order_by(Subscription.id.desc()), offset=offset, limit=limit)


async def cancellations_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Subscription]]:
    """Subscriptions cancelled (a cancel taken back clears when), the latest first; `since` and `until` bound when."""
    query = select(Subscription).where(
        Subscription.merchant_id == merchant_id,
        Subscription.canceled_at.is_not(None),
        *within(Subscription.canceled_at, since, until),
    )
    latest = query.order_by(Subscription.canceled_at.desc(), Subscription.id.desc())
    return await page_of(session, latest, offset=offset, limit=limit)


async def last_charges_of(
    session: AsyncSession, merchant_id: int, subscription_ids: Sequence[int]
) -> dict[int, Payment]:
    """Each subscription's latest charge that went through, in one query for a page of them."""
    latest = (
        select(func.max(Payment.id))
        .where(
            Payment.merchant_id == merchant_id,
            Payment.subscription_id.in_(subscription_ids),
            Payment.status == PaymentStatus.SUCCEEDED,
        )
        .group_by(Payment.subscription_id)
    )
    rows = await session.scalars(select(Payment).where(Payment.merchant_id == merchant_id, Payment.id.in_(latest)))
    return {row.subscription_id: row for row in rows if row.subscription_id is not None}


async def claim_due_subscriptions(
    session: AsyncSession, as_of: datetime, limit: int, *, merchant_id: int | None, clock_id: int | None
) -> list[SubscriptionRow]:
    """Subscriptions due by `as_of`, locked for this transaction; rows another worker holds are skipped, not
    waited for. Without a merchant it reads across tenants on purpose: it is the renewal engine's pass over
    every merchant. Subscriptions on a test clock are due only by their clock's time."""
    query = select(*_SUBSCRIPTION_ROW).where(_SUBSCRIPTIONS.c.due_at <= as_of)
    if clock_id is None:
        query = query.where(_SUBSCRIPTIONS.c.clock_id.is_(None))
    else:
        query = query.where(_SUBSCRIPTIONS.c.clock_id == clock_id)
    if merchant_id is not None:
        query = query.where(_SUBSCRIPTIONS.c.merchant_id == merchant_id)
    else:
        query = query.execution_options(cross_tenant=True)
    query = query.order_by(_SUBSCRIPTIONS.c.due_at).limit(limit).with_for_update(skip_locked=True)
    return [SubscriptionRow(*row) for row in await session.execute(query)]


async def point_subscriptions_at(
    session: AsyncSession,
    merchant_id: int,
    customer_id: int,
    gateway: str,
    customer_ref: str,
    method: str,
    kind: str,
) -> None:
    """Charge a customer's running subscriptions to their new default method (`kind`: card, paypal …)."""
    await session.execute(
        update(Subscription)
        .where(
            Subscription.merchant_id == merchant_id,
            Subscription.customer_id == customer_id,
            Subscription.gateway == gateway,
            Subscription.status.in_(RUNNING | {SubscriptionStatus.INCOMPLETE}),
        )
        .values(gateway_customer_ref=customer_ref, gateway_method=method, method=kind)
        .execution_options(synchronize_session=False)
    )


async def clock_by_id(session: AsyncSession, merchant_id: int, clock_id: int) -> SandboxClock | None:
    return await session.scalar(
        select(SandboxClock).where(SandboxClock.merchant_id == merchant_id, SandboxClock.id == clock_id)
    )


async def clocks_of(session: AsyncSession, merchant_id: int) -> Sequence[SandboxClock]:
    rows = await session.scalars(
        select(SandboxClock).where(SandboxClock.merchant_id == merchant_id).order_by(SandboxClock.id)
    )
    return rows.all()


async def clock_of_customer(session: AsyncSession, merchant_id: int, customer_id: int) -> SandboxClock | None:
    return await session.scalar(
        select(SandboxClock)
        .join(
            SandboxClockMember,
            (SandboxClockMember.clock_id == SandboxClock.id)
            & (SandboxClockMember.merchant_id == SandboxClock.merchant_id),
        )
        .where(SandboxClock.merchant_id == merchant_id, SandboxClockMember.customer_id == customer_id)
    )


async def clock_members(session: AsyncSession, merchant_id: int, clock_id: int) -> list[int]:
    rows = await session.scalars(
        select(SandboxClockMember.customer_id).where(
            SandboxClockMember.merchant_id == merchant_id, SandboxClockMember.clock_id == clock_id
        )
    )
    return list(rows.all())


async def clock_payments(session: AsyncSession, merchant_id: int, clock_id: int, limit: int) -> Sequence[Payment]:
    """The latest decided payments of the customers on a test clock, newest first."""
    members = select(SandboxClockMember.customer_id).where(
        SandboxClockMember.merchant_id == merchant_id, SandboxClockMember.clock_id == clock_id
    )
    rows = await session.scalars(
        select(Payment)
        .where(Payment.merchant_id == merchant_id, Payment.customer_id.in_(members), Payment.status.in_(DECIDED))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(limit)
    )
    return rows.all()


async def payment_of_charge(session: AsyncSession, merchant_id: int, gateway: str, charge_id: str) -> Payment | None:
    return await session.scalar(
        select(Payment).where(
            Payment.merchant_id == merchant_id, Payment.gateway == gateway, Payment.gateway_charge_id == charge_id
        )
    )


async def payments_by_keys(session: AsyncSession, merchant_id: int, keys: Sequence[str]) -> dict[str, PaymentRow]:
    rows = await session.execute(
        select(*_PAYMENT_ROW).where(
            _PAYMENTS.c.merchant_id == merchant_id, among(session, _PAYMENTS.c.idempotency_key, keys)
        )
    )
    return {payment.idempotency_key: payment for payment in (PaymentRow(*row) for row in rows)}


async def payment_row(session: AsyncSession, merchant_id: int, payment_id: int) -> PaymentRow | None:
    row = (
        await session.execute(
            select(*_PAYMENT_ROW).where(_PAYMENTS.c.merchant_id == merchant_id, _PAYMENTS.c.id == payment_id)
        )
    ).first()
    return None if row is None else PaymentRow(*row)


async def pending_renewal(session: AsyncSession, merchant_id: int, subscription_id: int) -> PaymentRow | None:
    """The renewal payment of a subscription still awaiting its outcome (an external connector's answer)."""
    row = (
        await session.execute(
            select(*_PAYMENT_ROW)
            .where(
                _PAYMENTS.c.merchant_id == merchant_id,
                _PAYMENTS.c.subscription_id == subscription_id,
                _PAYMENTS.c.kind == "renewal",
                _PAYMENTS.c.status == PaymentStatus.PENDING,
            )
            .order_by(_PAYMENTS.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else PaymentRow(*row)


async def fresh_payment(session: AsyncSession, merchant_id: int, payment_id: int) -> Payment | None:
    """A payment as it is now, even when this session holds an older copy (Core statements changed it)."""
    return await session.scalar(
        select(Payment)
        .where(Payment.merchant_id == merchant_id, Payment.id == payment_id)
        .execution_options(populate_existing=True)
    )


async def payments_through(
    session: AsyncSession, merchant_id: int, gateway: str, customer_ref: str, limit: int
) -> Sequence[Payment]:
    """A gateway's payments made with one customer reference (an external connector's payment details), newest
    first."""
    return (
        await session.scalars(
            select(Payment)
            .where(
                Payment.merchant_id == merchant_id,
                Payment.gateway == gateway,
                Payment.gateway_customer_ref == customer_ref,
            )
            .order_by(Payment.id.desc())
            .limit(limit)
        )
    ).all()


async def claim_pending_renewals(
    session: AsyncSession, merchant_id: int, payment_ids: Sequence[int]
) -> dict[int, SubscriptionRow]:
    """Those of these renewal payments still pending, each with its subscription (by the payment's id), and each
    held by this transaction until it ends so that its outcome is recorded once: one another transaction is
    settling is waited for, then left out, as one it settled already. PostgreSQL locks the payments' rows as it
    reads their subscriptions; SQLite has no row locks, but a write holds the database's one write lock until
    the transaction ends, so there the claim is an UPDATE that changes nothing."""
    pending = (
        _PAYMENTS.c.merchant_id == merchant_id,
        among(session, _PAYMENTS.c.id, payment_ids),
        _PAYMENTS.c.status == PaymentStatus.PENDING,
    )
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.execute(
            select(_PAYMENTS.c.id, *_SUBSCRIPTION_ROW)
            .join_from(
                _PAYMENTS,
                _SUBSCRIPTIONS,
                (_SUBSCRIPTIONS.c.merchant_id == _PAYMENTS.c.merchant_id)
                & (_SUBSCRIPTIONS.c.id == _PAYMENTS.c.subscription_id),
            )
            .where(*pending)
            .order_by(_PAYMENTS.c.id)
            .with_for_update(of=_PAYMENTS)
        )
        return {row[0]: SubscriptionRow(*row[1:]) for row in rows}
    claimed = await session.execute(
        update(_PAYMENTS)
        .where(*pending)
        .values(status=_PAYMENTS.c.status)
        .returning(_PAYMENTS.c.id, _PAYMENTS.c.subscription_id)
    )
    of_payment = {payment_id: subscription_id for payment_id, subscription_id in claimed}
    rows = await session.execute(
        select(*_SUBSCRIPTION_ROW).where(
            _SUBSCRIPTIONS.c.merchant_id == merchant_id,
            _SUBSCRIPTIONS.c.id.in_([i for i in of_payment.values() if i is not None]),
        )
    )
    subscriptions = {subscription.id: subscription for subscription in (SubscriptionRow(*row) for row in rows)}
    return {payment_id: subscriptions[subscription_id or 0] for payment_id, subscription_id in of_payment.items()}


# The renewal engine's batches, written back by id as Core executemany statements (see kit.db.WorkingCopies):
# each group of parameter sets is one statement, `b_merchant_id` and `b_id` naming the row, the rest its new values.
_PAYMENT_BY_ID = update(_PAYMENTS).where(
    _PAYMENTS.c.merchant_id == bindparam("b_merchant_id"), _PAYMENTS.c.id == bindparam("b_id")
)
_SUBSCRIPTION_BY_ID = update(_SUBSCRIPTIONS).where(
    _SUBSCRIPTIONS.c.merchant_id == bindparam("b_merchant_id"), _SUBSCRIPTIONS.c.id == bindparam("b_id")
)


async def lease_subscriptions(session: AsyncSession, merchant_id: int, ids: Sequence[int], until: datetime) -> None:
    """Due again only at `until`: the renewal engine's hold on subscriptions it is charging."""
    await session.execute(
        update(_SUBSCRIPTIONS)
        .where(_SUBSCRIPTIONS.c.merchant_id == merchant_id, among(session, _SUBSCRIPTIONS.c.id, ids))
        .values(due_at=until)
    )


async def write_payments(session: AsyncSession, groups: Sequence[Sequence[dict[str, Any]]]) -> None:
    for rows in groups:
        await session.execute(_PAYMENT_BY_ID, list(rows))


async def write_subscriptions(session: AsyncSession, groups: Sequence[Sequence[dict[str, Any]]]) -> None:
    for rows in groups:
        await session.execute(_SUBSCRIPTION_BY_ID, list(rows))


_NEW_PAYMENT = tuple(column.key for column in _PAYMENT_ROW if column.key != "id")
_NEW_PAYMENT_VALUES = attrgetter(*_NEW_PAYMENT)


async def insert_payments(session: AsyncSession, payments: Sequence[PaymentRow]) -> None:
    """Payments as one Core statement on the session's connection; each is given its id."""
    if not payments:
        return
    connection = await session.connection()
    result = await connection.execute(
        insert(_PAYMENTS).returning(_PAYMENTS.c.id, sort_by_parameter_order=True),
        [dict(zip(_NEW_PAYMENT, _NEW_PAYMENT_VALUES(payment), strict=True)) for payment in payments],
    )
    for payment, (payment_id,) in zip(payments, result.all(), strict=True):
        payment.id = payment_id


async def insert_transactions(session: AsyncSession, rows: Sequence[dict[str, object]]) -> list[int]:
    """Ledger transactions as one Core statement on the session's connection; their ids in the order of `rows`."""
    connection = await session.connection()
    result = await connection.execute(
        insert(LedgerTransaction).returning(LedgerTransaction.id, sort_by_parameter_order=True), list(rows)
    )
    return [row[0] for row in result.all()]


async def insert_entries(session: AsyncSession, rows: Sequence[dict[str, object]]) -> None:
    """Ledger entries as one Core executemany on the session's connection (no ORM bookkeeping per row)."""
    if rows:
        connection = await session.connection()
        await connection.execute(insert(LedgerEntry), list(rows))


# What an operator watches: figures over every merchant, counted, never listed (see boxoffice.gauges).
_EVERY_MERCHANT = {"cross_tenant": True}


async def count_renewals_due(session: AsyncSession, as_of: datetime) -> int:
    """Subscriptions the renewal engine has something to do with by `as_of` and has not taken up (those on a
    test clock are due by their clock's time, not this)."""
    query = select(func.count()).select_from(Subscription).where(Subscription.due_at <= as_of)
    query = query.where(Subscription.clock_id.is_(None)).execution_options(**_EVERY_MERCHANT)
    return int(await session.scalar(query) or 0)


async def count_in_dunning(session: AsyncSession) -> int:
    """Subscriptions whose renewal was declined and is being tried again."""
    query = select(func.count()).select_from(Subscription).where(Subscription.status == SubscriptionStatus.PAST_DUE)
    return int(await session.scalar(query.execution_options(**_EVERY_MERCHANT)) or 0)


async def store_products(session: AsyncSession, merchant_id: int) -> list[StoreProduct]:
    found = await session.scalars(
        select(StoreProduct)
        .where(StoreProduct.merchant_id == merchant_id)
        .order_by(StoreProduct.store, StoreProduct.product_id)
    )
    return list(found)


async def store_product(session: AsyncSession, merchant_id: int, store: str, product_id: str) -> StoreProduct | None:
    return await session.scalar(
        select(StoreProduct).where(
            StoreProduct.merchant_id == merchant_id, StoreProduct.store == store, StoreProduct.product_id == product_id
        )
    )


async def store_product_of_price(
    session: AsyncSession, merchant_id: int, store: str, price_id: int
) -> StoreProduct | None:
    """The store's product that buys `price_id` (the first mapped, when several do)."""
    return await session.scalar(
        select(StoreProduct)
        .where(StoreProduct.merchant_id == merchant_id, StoreProduct.store == store, StoreProduct.price_id == price_id)
        .order_by(StoreProduct.id)
        .limit(1)
    )


async def delete_store_product(session: AsyncSession, product: StoreProduct) -> None:
    await session.delete(product)
    await session.flush()


async def store_subscriptions_due(
    session: AsyncSession, stores: Sequence[str], before: datetime, *, limit: int
) -> list[Subscription]:
    """Running subscriptions of `stores`, of every merchant, whose period ends before `before`: those to ask
    their store about (the poll of stores that notify nothing)."""
    found = await session.scalars(
        select(Subscription)
        .where(
            Subscription.gateway.in_(stores),
            Subscription.status.in_(CHARGING),
            Subscription.due_at.is_not(None),
            Subscription.due_at < before,
        )
        .order_by(Subscription.due_at)
        .limit(limit),
        execution_options=_EVERY_MERCHANT,
    )
    return list(found)


async def store_subscription(
    session: AsyncSession, merchant_id: int, store: str, original_id: str
) -> Subscription | None:
    """The subscription a store bills under its original purchase's id, the newest when it was bought again."""
    return await session.scalar(
        select(Subscription)
        .where(
            Subscription.merchant_id == merchant_id,
            Subscription.gateway == store,
            Subscription.external_id == original_id,
        )
        .order_by(Subscription.id.desc())
        .limit(1)
    )
