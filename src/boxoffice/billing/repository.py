"""Every billing query: the ledger, payments and payment profiles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import LedgerEntry, LedgerTransaction, Payment, PaymentProfile, Refund


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


async def payment_by_id(session: AsyncSession, merchant_id: int, payment_id: int) -> Payment | None:
    return await session.scalar(select(Payment).where(Payment.merchant_id == merchant_id, Payment.id == payment_id))


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


async def payments_of(session: AsyncSession, merchant_id: int) -> Sequence[Payment]:
    rows = await session.scalars(select(Payment).where(Payment.merchant_id == merchant_id).order_by(Payment.id))
    return rows.all()


async def profile(session: AsyncSession, merchant_id: int, customer_id: int, gateway: str) -> PaymentProfile | None:
    return await session.scalar(
        select(PaymentProfile).where(
            PaymentProfile.merchant_id == merchant_id,
            PaymentProfile.customer_id == customer_id,
            PaymentProfile.gateway == gateway,
        )
    )


async def claim_for_settlement(session: AsyncSession, merchant_id: int, payment_id: int) -> bool:
    """Move an open payment to `settling`; False when another request settled or is settling it."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.merchant_id == merchant_id,
            Payment.id == payment_id,
            Payment.status.in_(("pending", "requires_action")),
        )
        .values(status="settling")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def stale_pending_payments(
    session: AsyncSession, merchant_id: int, created_before: datetime
) -> Sequence[Payment]:
    rows = await session.scalars(
        select(Payment)
        .where(Payment.merchant_id == merchant_id, Payment.status == "pending", Payment.created_at < created_before)
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
            Payment.status == "succeeded",
            Payment.refunded + amount <= Payment.amount,
        )
        .values(refunded=Payment.refunded + amount)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def refund_by_key(session: AsyncSession, merchant_id: int, key: str) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.merchant_id == merchant_id, Refund.idempotency_key == key))


async def refund_by_id(session: AsyncSession, merchant_id: int, refund_id: int) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.merchant_id == merchant_id, Refund.id == refund_id))


async def payments_page(
    session: AsyncSession, merchant_id: int, *, customer_id: int | None, offset: int, limit: int
) -> tuple[int, Sequence[Payment]]:
    """Payments that were decided (succeeded or declined), newest first."""
    query = select(Payment).where(Payment.merchant_id == merchant_id, Payment.status.in_(("succeeded", "declined")))
    if customer_id is not None:
        query = query.where(Payment.customer_id == customer_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(Payment.id.desc()).offset(offset).limit(limit))
    return total, rows.all()


async def merchants_with_stale_work(session: AsyncSession, created_before: datetime) -> list[int]:
    """Merchants with a payment or a refund still pending since before `created_before`. Read across tenants on
    purpose: it is the janitor's one question about every merchant at once, and it answers only ids."""
    payments = select(Payment.merchant_id).where(Payment.status == "pending", Payment.created_at < created_before)
    refunds = select(Refund.merchant_id).where(Refund.status == "pending", Refund.created_at < created_before)
    rows = await session.scalars(payments.union(refunds).execution_options(cross_tenant=True))
    return sorted(set(rows.all()))


async def stale_pending_refunds(session: AsyncSession, merchant_id: int, created_before: datetime) -> Sequence[Refund]:
    rows = await session.scalars(
        select(Refund)
        .where(Refund.merchant_id == merchant_id, Refund.status == "pending", Refund.created_at < created_before)
        .order_by(Refund.id)
    )
    return rows.all()
