"""Vouchers, the prices they apply to, and their uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, TenantOwned


class Voucher(TenantOwned, Base):
    """A code that takes a percentage or a fixed amount off a price, within dates and a number of uses."""

    __tablename__ = "vouchers"
    __table_args__ = (UniqueConstraint("merchant_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    code: Mapped[str] = mapped_column(String(64))  # stored upper-case: codes are typed in any case
    percent_off: Mapped[int | None]
    amount_off: Mapped[int | None]  # minor units of `currency`
    currency: Mapped[str | None] = mapped_column(String(3))
    rebill_percent_off: Mapped[int | None]  # for subscriptions' later charges
    discount_period: Mapped[str] = mapped_column(String(16), default="once")  # once | forever | repeating
    discount_duration: Mapped[int | None]  # charges a repeating discount lasts
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    usage_limit: Mapped[int | None]
    usage_count: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class VoucherRule(TenantOwned, Base):
    """A price or an item a voucher is limited to; a voucher without rules applies to every price."""

    __tablename__ = "voucher_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    voucher_id: Mapped[int] = mapped_column(BigId, ForeignKey("vouchers.id", ondelete="CASCADE"), index=True)
    price_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))
