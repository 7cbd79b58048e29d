"""Every ledger query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import LedgerEntry, LedgerTransaction


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
