"""Billing tables: the append-only double-entry ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice import clock
from boxoffice.db import Base, BigId, TenantOwned


class LedgerTransaction(TenantOwned, Base):
    """One movement of money, as a set of entries that sum to zero in each currency. Never changed: a mistake is
    undone by a reversal, which names what it reverses."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # charge | refund | reversal | …
    reference: Mapped[str] = mapped_column(String(100), index=True)  # what it records, e.g. "payment:42"
    reverses_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transactions.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class LedgerEntry(TenantOwned, Base):
    """One side of a transaction: a signed amount (debit positive, credit negative) on one account."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)  # the customer whose money it is, if any
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
