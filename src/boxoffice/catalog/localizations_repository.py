"""Offers' localizations: each country's version of an offer and the price it is sold at there."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import OfferLocalization, Price


async def localization(
    session: AsyncSession, merchant_id: int, price_id: int, country_code: str
) -> OfferLocalization | None:
    """The offer's localization for a country, active or not."""
    return await session.scalar(
        select(OfferLocalization).where(
            OfferLocalization.merchant_id == merchant_id,
            OfferLocalization.price_id == price_id,
            OfferLocalization.country_code == country_code,
        )
    )


async def localization_selling(session: AsyncSession, merchant_id: int, price_id: int) -> OfferLocalization | None:
    """The localization whose own price `price_id` is, if it is one."""
    return await session.scalar(
        select(OfferLocalization).where(
            OfferLocalization.merchant_id == merchant_id, OfferLocalization.localized_price_id == price_id
        )
    )


async def localizations_of(
    session: AsyncSession, merchant_id: int, price_id: int
) -> Sequence[tuple[OfferLocalization, Price]]:
    """Every localization of an offer with its price, by country."""
    rows = await session.execute(
        select(OfferLocalization, Price)
        .join(Price, Price.id == OfferLocalization.localized_price_id)
        .where(
            OfferLocalization.merchant_id == merchant_id,
            OfferLocalization.price_id == price_id,
            Price.merchant_id == merchant_id,
        )
        .order_by(OfferLocalization.country_code)
    )
    return [(found, price) for found, price in rows.all()]


async def localization_price_ids(session: AsyncSession, merchant_id: int, price_ids: Sequence[int]) -> set[int]:
    """Which of the prices are localizations' own."""
    if not price_ids:
        return set()
    rows = await session.scalars(
        select(OfferLocalization.localized_price_id).where(
            OfferLocalization.merchant_id == merchant_id, OfferLocalization.localized_price_id.in_(price_ids)
        )
    )
    return set(rows.all())
