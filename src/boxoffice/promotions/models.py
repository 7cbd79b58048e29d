"""Vouchers, the prices they apply to, and their uses; the merchant's associates and the campaigns of vouchers
made together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, TenantOwned, Timestamped
from boxoffice.kit.sealing import sealed_column


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
    # The campaign that made it, whose settings it carries.
    campaign_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("voucher_campaigns.id", ondelete="CASCADE"), index=True
    )


class VoucherRule(TenantOwned, Base):
    """A price or an item a voucher is limited to; a voucher without rules applies to every price."""

    __tablename__ = "voucher_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    voucher_id: Mapped[int] = mapped_column(BigId, ForeignKey("vouchers.id", ondelete="CASCADE"), index=True)
    price_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))


class Associate(Timestamped, TenantOwned, Base):
    """A partner of the merchant who makes and hands out vouchers for its prices, known by e-mail and acting with a
    token of its own: sealed so the merchant can read it again, and found by its digest."""

    __tablename__ = "associates"
    __table_args__ = (UniqueConstraint("merchant_id", "email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))  # stored lower-case: one associate per address
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    site_name: Mapped[str] = mapped_column(String(250), default="")
    commission_percent: Mapped[int] = mapped_column(default=0)  # of what its vouchers' sales bring
    currency: Mapped[str | None] = mapped_column(String(3))
    locale: Mapped[str | None] = mapped_column(String(35))
    country_code: Mapped[str | None] = mapped_column(String(2))
    token: Mapped[str] = mapped_column(String(300), info=sealed_column())
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)


class VoucherCampaign(TenantOwned, Base):
    """Vouchers made together, by the merchant or one of its associates: one discount, the prices it applies to,
    a last day and a number of uses, which each of its vouchers carries; switched on and off together."""

    __tablename__ = "voucher_campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    associate_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("associates.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(250))
    for_subscriptions: Mapped[bool] = mapped_column(Boolean, default=False)
    percent_off: Mapped[int | None]
    amount_off: Mapped[int | None]  # minor units of `currency`
    currency: Mapped[str | None] = mapped_column(String(3))
    discount_period: Mapped[str] = mapped_column(String(16), default="once")  # as a voucher's
    discount_duration: Mapped[int | None]
    ends_at: Mapped[datetime | None]
    usage_limit: Mapped[int | None]  # each voucher's
    price_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # none: every price
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
