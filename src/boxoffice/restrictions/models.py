"""Restriction tables."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit.db import Base, BigId, TenantOwned, Timestamped


class RestrictionSettings(Timestamped, TenantOwned, Base):
    """A merchant's account-wide restriction settings; absent means nothing is restricted."""

    __tablename__ = "restriction_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    age_verification_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    age_verification_type: Mapped[str] = mapped_column(String(16), default="pin_code")
    allowed_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_concurrent_sessions: Mapped[int | None]


class CountrySet(Timestamped, TenantOwned, Base):
    """Countries where something may (whitelist) or may not (blacklist) be sold or watched."""

    __tablename__ = "country_sets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))  # whitelist | blacklist
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)

    def allows(self, country_code: str | None) -> bool:
        """An unknown country passes a blacklist and fails a whitelist."""
        listed = country_code is not None and country_code.upper() in self.countries
        return listed if self.type == "whitelist" else not listed
