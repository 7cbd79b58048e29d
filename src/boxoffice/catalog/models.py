"""Catalog tables: a Product is what is sold (an asset or a package), a Price one way of buying it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from boxoffice.kit.db import Base, BigId, TenantOwned, Timestamped
from boxoffice.restrictions.models import CountrySet


class Product(Timestamped, TenantOwned, Base):
    """An asset (a video, a live event, an article) or a package of assets."""

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
    country_set_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("country_sets.id", ondelete="SET NULL"))
    # The folder its video lives under: signed playback URLs are made only for addresses inside it.
    playback_url_prefix: Mapped[str | None] = mapped_column(String(2048))
    plan_switch_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Donations: viewers may pay what they like when enabled, on top of the merchant's fixed options.
    custom_price_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PackageMember(TenantOwned, Base):
    """An asset inside a package: buying the package entitles every member."""

    __tablename__ = "package_members"
    __table_args__ = (UniqueConstraint("package_id", "product_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    package_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)


class Price(Timestamped, TenantOwned, Base):
    """An amount in integer minor units of an ISO-4217 currency, for a period of access or a recurring plan."""

    __tablename__ = "prices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # One of catalog.access_types; kind and period below are copied from it, ppv_custom ends at expires_at.
    access_type_id: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))  # one_time | subscription
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500), default="")
    period_unit: Mapped[str] = mapped_column(String(8))  # hour | day | week | month | year | custom
    period_quantity: Mapped[int] = mapped_column(default=1)
    trial_period_unit: Mapped[str | None] = mapped_column(String(8))
    trial_period_quantity: Mapped[int | None]
    trial_description: Mapped[str] = mapped_column(String(500), default="")
    setup_fee_amount: Mapped[int | None]
    setup_fee_description: Mapped[str] = mapped_column(String(500), default="")
    country_set_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("country_sets.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # When the event it sells begins: shown to buyers, never limiting the sale (starts_at and expires_at do).
    event_starts_at: Mapped[datetime | None]
    # Names of content the merchant's own site opens to whoever has access through the price.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # A seasonal subscription's seasons (catalog.seasons): each period it bills is one of the group's seasons. No
    # foreign key (adding one copies the table on SQLite): a group a price uses is never deleted (GroupInUse).
    season_group_id: Mapped[int | None] = mapped_column(BigId, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Loaded with the price (it is rendered with it); the catalog service assigns it whenever it sets the id.
    country_set: Mapped[CountrySet | None] = relationship(lazy="selectin", viewonly=True)


class DonationOption(Timestamped, TenantOwned, Base):
    __tablename__ = "donation_options"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500), default="")


class TaxRate(TenantOwned, Base):
    """The sales tax a merchant charges customers in one country, in basis points (2300 = 23 %). Prices include
    it; where a country has none set, the rate is 0."""

    __tablename__ = "tax_rates"
    __table_args__ = (UniqueConstraint("merchant_id", "country_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2))
    rate: Mapped[int]


class SeasonGroup(Timestamped, TenantOwned, Base):
    """A named schedule of seasons (catalog.seasons), which the prices of seasonal subscriptions bill by."""

    __tablename__ = "season_groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))


class Season(TenantOwned, Base):
    """One season of a group, from `starts_at` until `ends_at` (excluded); the seasons of a group never overlap."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    season_group_id: Mapped[int] = mapped_column(BigId, ForeignKey("season_groups.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class OfferLocalization(Timestamped, TenantOwned, Base):
    """An offer's version for buyers in one country: a price of its own (`localized_price_id`, sold only in that
    country) that a buyer there is sold instead of the offer's price, under a title of its own."""

    __tablename__ = "offer_localizations"
    __table_args__ = (UniqueConstraint("price_id", "country_code"), UniqueConstraint("localized_price_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    localized_price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    country_code: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(255))
