"""Access tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, TenantOwned
from boxoffice.kit.sealing import sealed_column


class Entitlement(TenantOwned, Base):
    """A customer may watch a product from `starts_at` until `expires_at`, unless revoked.

    One concept whatever granted it: a purchase, a subscription, a package, a merchant's grant, an access code,
    a voucher or a gift (`source`, with `source_ref` naming the order, subscription or code behind it).
    """

    __tablename__ = "entitlements"
    __table_args__ = (Index("ix_entitlements_lookup", "merchant_id", "customer_id", "product_id", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    price_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("prices.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(100))
    is_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    country_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


@dataclass(slots=True)
class EntitlementRow:
    """What the renewal engine reads and changes of an entitlement it extends, as a plain row (fields named as
    the columns; see kit.db.WorkingCopies)."""

    merchant_id: int
    customer_id: int
    id: int
    price_id: int | None
    expires_at: datetime


class ContentRequest(TenantOwned, Base):
    """One access check, granted or refused, for analytics."""

    __tablename__ = "content_requests"
    __table_args__ = (Index("ix_content_requests_item_time", "merchant_id", "product_id", "requested_at"),)

    # An append-only log, written a second's worth at a time on every play: no foreign key (a trigger per row) and
    # no index of its own (the item-and-time index leads with it). Together they tripled the cost of each write.
    merchant_id: Mapped[int] = mapped_column(BigId)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId)
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)
    requested_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(24))  # granted | no_access | geo | domain | age | …
    ip_address: Mapped[str | None] = mapped_column(String(45))
    country_code: Mapped[str | None] = mapped_column(String(2))
    device_type: Mapped[str] = mapped_column(String(16))
    device_os: Mapped[str | None] = mapped_column(String(64))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    # Identical checks within one flush window are one row (boxoffice.access.content_log); how many it stands for.
    request_count: Mapped[int] = mapped_column(default=1, server_default="1")


class AccessCode(TenantOwned, Base):
    """A code that opens one product (access control `code`) in up to `max_sessions` browsers at once."""

    __tablename__ = "access_codes"
    __table_args__ = (UniqueConstraint("merchant_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100))
    max_sessions: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class AccessCodeSession(TenantOwned, Base):
    __tablename__ = "access_code_sessions"
    __table_args__ = (UniqueConstraint("code_id", "browser_fingerprint"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code_id: Mapped[int] = mapped_column(BigId, ForeignKey("access_codes.id", ondelete="CASCADE"))
    browser_fingerprint: Mapped[str] = mapped_column(String(200))
    agent_info: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    last_used: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class DataCaptureLead(TenantOwned, Base):
    """Contact details a viewer left to open a data-capture asset."""

    __tablename__ = "data_capture_leads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(250), default="")
    company: Mapped[str] = mapped_column(String(250), default="")
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class PlaybackKeys(TenantOwned, Base):
    """A merchant's keys for signed playback URLs: a CloudFront key pair and a JW Player API secret."""

    __tablename__ = "playback_keys"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cloudfront_key_pair_id: Mapped[str | None] = mapped_column(String(100))
    # Both sealed with the operator's encryption keys when configured (boxoffice.kit.sealing).
    cloudfront_private_key: Mapped[str | None] = mapped_column(String(8000), info=sealed_column())
    jw_secret: Mapped[str | None] = mapped_column(String(1000), info=sealed_column())


class AccessSighting(TenantOwned, Base):
    """An address or a device a customer's access was asked from, and when last: what the limits on how many a
    customer uses at once count (access.sightings)."""

    __tablename__ = "access_sightings"
    __table_args__ = (UniqueConstraint("merchant_id", "customer_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # ip | device
    value: Mapped[str] = mapped_column(String(200))
    device_type: Mapped[str | None] = mapped_column(String(50))
    last_seen_at: Mapped[datetime]
