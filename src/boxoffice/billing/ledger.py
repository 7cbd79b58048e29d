"""The double-entry ledger every payment, refund and discount is written to.

Amounts are integer minor units; a debit is positive, a credit negative. A transaction's entries sum to zero in
each of its currencies, so money is only ever moved, never made or lost. The ledger is append-only: rows are
never updated or deleted (a guard on the session refuses it), and a correction is a reversal that names the
transaction it undoes.

The accounts, seen from the merchant's books:
  gateway_clearing  money the gateway collected for the merchant and owes it (debit on a charge)
  revenue           what the merchant earned (credit on a sale)
  discounts         price given up to vouchers (debit), so revenue shows the list price
  store_fees        what an app store kept of a sale it collected (debit), so clearing shows what it owes
  refunds           money handed back to customers (debit)
  customer          a customer's own balance, with `customer_id` (credit when they prepay, debit when it's spent)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from boxoffice.billing import repository as repo
from boxoffice.billing.models import LedgerEntry, LedgerTransaction
from boxoffice.kit import clock, currencies

ACCOUNTS = frozenset({"gateway_clearing", "revenue", "discounts", "refunds", "customer", "store_fees"})


class LedgerError(ValueError):
    """A posting that would break the ledger's rules: a bug in the caller, never a client's mistake."""


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    amount: int
    currency: str
    customer_id: int | None = None


def _check(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise LedgerError("a transaction has at least two entries")
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.account not in ACCOUNTS:
            raise LedgerError(f"unknown account {line.account!r}")
        if not isinstance(line.amount, int) or isinstance(line.amount, bool) or line.amount == 0:
            raise LedgerError("an entry moves a whole, non-zero number of minor units")
        # A withdrawn currency too: a refund of a payment taken in levs is booked in levs.
        if not currencies.is_known(line.currency):
            raise LedgerError(f"unknown currency {line.currency!r}")
        totals[line.currency] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise LedgerError(f"entries do not sum to zero: {unbalanced}")


async def post(
    session: AsyncSession,
    merchant_id: int,
    kind: str,
    reference: str,
    lines: Iterable[Line],
    *,
    reverses_id: int | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction in the caller's database transaction."""
    entries = list(lines)
    _check(entries)
    transaction = LedgerTransaction(merchant_id=merchant_id, kind=kind, reference=reference, reverses_id=reverses_id)
    session.add(transaction)
    await session.flush()
    session.add_all(
        LedgerEntry(
            merchant_id=merchant_id,
            transaction_id=transaction.id,
            account=line.account,
            customer_id=line.customer_id,
            currency=line.currency,
            amount=line.amount,
        )
        for line in entries
    )
    await session.flush()
    return transaction


async def post_many(session: AsyncSession, postings: Sequence[tuple[int, str, str, Sequence[Line]]]) -> list[int]:
    """Write many balanced transactions (merchant, kind, reference, lines) at once: what the renewal engine
    books for a batch. Returns their ids, in order."""
    for _, _, _, lines in postings:
        _check(lines)
    if not postings:
        return []
    # Only ever inserted, and many: Core statements, without building an object for each row.
    now = clock.now()
    ids = await repo.insert_transactions(
        session, [{"merchant_id": m, "kind": kind, "reference": ref, "created_at": now} for m, kind, ref, _ in postings]
    )
    await repo.insert_entries(
        session,
        [
            {
                "merchant_id": merchant_id,
                "transaction_id": transaction_id,
                "account": line.account,
                "customer_id": line.customer_id,
                "currency": line.currency,
                "amount": line.amount,
            }
            for transaction_id, (merchant_id, _, _, lines) in zip(ids, postings, strict=True)
            for line in lines
        ],
    )
    return ids


async def reverse(session: AsyncSession, merchant_id: int, transaction_id: int, reference: str) -> LedgerTransaction:
    """Undo a transaction by posting its entries negated; a transaction is reversed at most once."""
    original = await repo.transaction_by_id(session, merchant_id, transaction_id)
    if original is None:
        raise LedgerError(f"no ledger transaction {transaction_id}")
    if original.reverses_id is not None:
        raise LedgerError("a reversal is not reversed; post a new transaction instead")
    if await repo.reversal_of(session, merchant_id, transaction_id) is not None:
        raise LedgerError(f"ledger transaction {transaction_id} is already reversed")
    entries = await repo.entries_of(session, merchant_id, transaction_id)
    lines = [Line(e.account, -e.amount, e.currency, e.customer_id) for e in entries]
    return await post(session, merchant_id, "reversal", reference, lines, reverses_id=transaction_id)


async def balance(
    session: AsyncSession, merchant_id: int, account: str, currency: str, customer_id: int | None = None
) -> int:
    if account not in ACCOUNTS:
        raise LedgerError(f"unknown account {account!r}")
    return await repo.balance(session, merchant_id, account, currency, customer_id)


async def unbalanced_transactions(session: AsyncSession, merchant_id: int) -> Sequence[tuple[int, str, int]]:
    """Whatever breaks the rule that every transaction sums to zero per currency (empty when the books hold)."""
    return await repo.unbalanced(session, merchant_id)


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context: Any, _instances: Any) -> None:
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, LedgerTransaction | LedgerEntry) and (row in session.deleted or session.is_modified(row)):
            raise LedgerError("the ledger is append-only: post a reversal instead of changing it")
