"""The outbox of domain events: what happened to a merchant's data, written in the transaction of the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, TenantOwned


class Event(TenantOwned, Base):
    """Something that happened to a merchant's data: a type named as InPlayer's webhooks name it (§6), the
    resource it happened to in the core's own terms, and when."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_merchant_created", "merchant_id", "id"),
        Index("ix_events_customer", "customer_id", "id"),
    )

    # No index of its own: the merchant-and-id index leads with it.
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id", ondelete="CASCADE"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # what receivers deduplicate on
    type: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(BigId)
    resource: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    # Set when the dispatcher has made the event's deliveries and e-mails, in the same transaction.
    dispatched_at: Mapped[datetime | None]


# The dispatcher's queue: a partial index holding only the few events still to be dispatched.
_undispatched = Event.dispatched_at.is_(None)
Index("ix_events_undispatched", Event.id, postgresql_where=_undispatched, sqlite_where=_undispatched)
