"""The double-entry ledger: balanced, append-only, reversible once, per merchant."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import ledger
from boxoffice.billing.ledger import LedgerError, Line
from boxoffice.billing.models import LedgerEntry
from boxoffice.identity.models import Merchant


async def _merchant(sessions: async_sessionmaker[AsyncSession], email: str) -> int:
    async with sessions() as session, session.begin():
        merchant = Merchant(email=email, full_name="Books", password_hash="x", client_secret="s", uuid=email)
        session.add(merchant)
    return merchant.id


def sale(amount: int, currency: str = "EUR", discount: int = 0) -> list[Line]:
    lines = [Line("gateway_clearing", amount - discount, currency), Line("revenue", -amount, currency)]
    return [*lines, Line("discounts", discount, currency)] if discount else lines


async def test_a_balanced_transaction_moves_money_between_accounts(sessions: async_sessionmaker[AsyncSession]) -> None:
    merchant = await _merchant(sessions, "books@example.com")
    async with sessions() as session, session.begin():
        await ledger.post(session, merchant, "charge", "payment:1", sale(499, discount=100))
        await ledger.post(session, merchant, "charge", "payment:2", sale(1000, "USD"))
    async with sessions() as session:
        assert await ledger.balance(session, merchant, "gateway_clearing", "EUR") == 399
        assert await ledger.balance(session, merchant, "revenue", "EUR") == -499
        assert await ledger.balance(session, merchant, "discounts", "EUR") == 100
        assert await ledger.balance(session, merchant, "revenue", "USD") == -1000
        assert await ledger.unbalanced_transactions(session, merchant) == []


@pytest.mark.parametrize(
    "lines",
    [
        [Line("gateway_clearing", 100, "EUR")],
        [Line("gateway_clearing", 100, "EUR"), Line("revenue", -99, "EUR")],
        [Line("gateway_clearing", 100, "EUR"), Line("revenue", -100, "USD")],
        [Line("gateway_clearing", 0, "EUR"), Line("revenue", 0, "EUR")],
        [Line("petty_cash", 100, "EUR"), Line("revenue", -100, "EUR")],
        [Line("gateway_clearing", 100, "XYZ"), Line("revenue", -100, "XYZ")],
        [Line("gateway_clearing", True, "EUR"), Line("revenue", -1, "EUR")],
    ],
)
async def test_what_would_break_the_books_is_refused_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession], lines: list[Line]
) -> None:
    merchant = await _merchant(sessions, "books@example.com")
    async with sessions() as session:
        with pytest.raises(LedgerError):
            await ledger.post(session, merchant, "charge", "payment:1", lines)
        await session.rollback()
        assert (await session.scalars(select(LedgerEntry).where(LedgerEntry.merchant_id == merchant))).all() == []


async def test_a_reversal_undoes_once_and_is_itself_final(sessions: async_sessionmaker[AsyncSession]) -> None:
    merchant = await _merchant(sessions, "books@example.com")
    async with sessions() as session, session.begin():
        charge = await ledger.post(session, merchant, "charge", "payment:1", sale(499))
        reversal = await ledger.reverse(session, merchant, charge.id, "payment:1:void")
        assert reversal.reverses_id == charge.id and reversal.kind == "reversal"
        assert await ledger.balance(session, merchant, "gateway_clearing", "EUR") == 0
        assert await ledger.balance(session, merchant, "revenue", "EUR") == 0
        with pytest.raises(LedgerError, match="already reversed"):
            await ledger.reverse(session, merchant, charge.id, "again")
        with pytest.raises(LedgerError, match="not reversed"):
            await ledger.reverse(session, merchant, reversal.id, "undo the undo")


async def test_the_ledger_is_append_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    merchant = await _merchant(sessions, "books@example.com")
    async with sessions() as session, session.begin():
        charge = await ledger.post(session, merchant, "charge", "payment:1", sale(499))
    async with sessions() as session:
        [entry, *_] = await session.scalars(select(LedgerEntry).where(LedgerEntry.merchant_id == merchant))
        entry.amount = 1
        with pytest.raises(LedgerError, match="append-only"):
            await session.flush()
        await session.rollback()
        [entry, *_] = await session.scalars(select(LedgerEntry).where(LedgerEntry.merchant_id == merchant))
        await session.delete(entry)
        with pytest.raises(LedgerError, match="append-only"):
            await session.flush()
        await session.rollback()
    async with sessions() as session:
        assert await ledger.balance(session, merchant, "revenue", "EUR") == -499
        assert charge.id is not None


async def test_books_are_kept_per_merchant_and_a_broken_one_is_found(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    mine, theirs = await _merchant(sessions, "mine@example.com"), await _merchant(sessions, "theirs@example.com")
    async with sessions() as session, session.begin():
        await ledger.post(session, mine, "charge", "payment:1", sale(499))
        rival = await ledger.post(session, theirs, "charge", "payment:2", sale(700))
        with pytest.raises(LedgerError, match="no ledger transaction"):
            await ledger.reverse(session, mine, rival.id, "not mine")
    async with sessions() as session:
        assert await ledger.balance(session, mine, "revenue", "EUR") == -499
        assert await ledger.balance(session, theirs, "revenue", "EUR") == -700
    # Damage done behind the ledger's back (a raw UPDATE) is what the balance check exists to find.
    async with sessions() as session, session.begin():
        await session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.merchant_id == theirs, LedgerEntry.account == "revenue")
            .values(amount=-600)
            .execution_options(synchronize_session=False)
        )
    async with sessions() as session:
        assert await ledger.unbalanced_transactions(session, mine) == []
        assert await ledger.unbalanced_transactions(session, theirs) == [(rival.id, "EUR", 100)]
