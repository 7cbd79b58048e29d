"""The merchant's webhook endpoints, and each event's deliveries to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status, TenantOwned, Timestamped

# The wire format an endpoint is posted in unless it names another: the one endpoints had before there were several.
DEFAULT_WIRE = "default"


class WebhookEndpoint(TenantOwned, Timestamped, Base):
    """Where a merchant wants events posted. An endpoint that keeps failing is retried as a whole on a backoff
    (one probe at a time, not every pending delivery) and disabled after `webhooks_disable_after` failures.

    `wire` names the wire format its deliveries are posted in (an opaque key the app registers a
    `boxoffice.webhooks.formats.WireFormat` under); `topic` is the format's own name for what the endpoint was
    subscribed to, if the format groups its endpoints so; `filters` are conditions each event must meet besides
    its type (`boxoffice.webhooks.filters`)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every type (but the named-only ones)
    wire: Mapped[str] = mapped_column(String(32), default=DEFAULT_WIRE, server_default=DEFAULT_WIRE)
    topic: Mapped[str | None] = mapped_column(String(64))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
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
    # A lease changes only leased_until, which no index covers, so PostgreSQL can write its new row version beside
    # the old one without touching an index (a HOT update) if the page has room. A lease takes a run of consecutive
    # rows in one transaction: half of each page is left free, room for a new version of every row on it.
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        {"postgresql_with": {"fillfactor": 50}},
    )

    # No index of its own: every query naming a merchant names its endpoint too, which the endpoint index leads
    # with, and each index is written again whenever a delivery is recorded.
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id", ondelete="CASCADE"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(Status(DeliveryStatus, 16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    # While a worker sends it: not due again before then, so a worker that dies mid-request leaves it due again.
    leased_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(TenantOwned, Base):
    """The delivery log: one row per request made."""

    __tablename__ = "webhook_attempts"

    # Only ever inserted, and read by delivery: no index of its own.
    merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id", ondelete="CASCADE"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)


# The sender's queue: a partial index holding only the few deliveries still to be worked on, in the order they are
# taken, so that taking the first few never sorts the whole queue (however few rows the planner believes it holds).
_pending = WebhookDelivery.status == DeliveryStatus.PENDING
Index(
    "ix_webhook_deliveries_due",
    WebhookDelivery.next_attempt_at,
    WebhookDelivery.id,
    postgresql_where=_pending,
    sqlite_where=_pending,
)
