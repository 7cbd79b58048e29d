"""The merchant's webhook endpoints, and each event's deliveries to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status, TenantOwned, Timestamped


class WebhookEndpoint(TenantOwned, Timestamped, Base):
    """Where a merchant wants events posted. An endpoint that keeps failing is retried as a whole on a backoff
    (one probe at a time, not every pending delivery) and disabled after `webhooks_disable_after` failures."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every type
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]  # while failing: nothing is sent before then
    disabled_reason: Mapped[str | None] = mapped_column(Text)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # to be sent, or sent again
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # the retry window ended without a 2xx


class WebhookDelivery(TenantOwned, Base):
    """One event on its way to one endpoint: pending until a 2xx (delivered) or the retry window ends (failed)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(Status(DeliveryStatus, 16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(TenantOwned, Base):
    """The delivery log: one row per request made."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)


# The sender's queue: a partial index holding only the few deliveries still to be worked on.
_pending = WebhookDelivery.status == DeliveryStatus.PENDING
Index("ix_webhook_deliveries_due", WebhookDelivery.next_attempt_at, postgresql_where=_pending, sqlite_where=_pending)
