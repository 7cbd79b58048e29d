"""Catalog tables: a Product is what is sold (an asset or a package), a Price one way of buying it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.db import Base, BigId, TenantOwned, Timestamped


class Product(Timestamped, TenantOwned, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="asset")  # asset | package
    asset_type: Mapped[str] = mapped_column(String(32), default="html_asset")
    title: Mapped[str] = mapped_column(String(500))
    # Who may open it: paid, code (access codes), auth (any signed-in viewer), data_capture.
    access_control: Mapped[str] = mapped_column(String(16), default="paid")
    content: Mapped[str] = mapped_column(Text, default="")
    external_asset_id: Mapped[str | None] = mapped_column(String(200), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    min_age: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Price(Timestamped, TenantOwned, Base):
    """An amount in integer minor units of an ISO-4217 currency, for a period of access or a recurring plan."""

    __tablename__ = "prices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # one_time | subscription
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500), default="")
    period_unit: Mapped[str] = mapped_column(String(8))  # hour | day | week | month | year
    period_quantity: Mapped[int] = mapped_column(default=1)
    trial_period_unit: Mapped[str | None] = mapped_column(String(8))
    trial_period_quantity: Mapped[int | None]
    setup_fee_amount: Mapped[int | None]
    starts_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
