"""Every restrictions query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.db import page_of
from boxoffice.restrictions.models import CountrySet, RestrictionSettings


async def settings_of(session: AsyncSession, merchant_id: int) -> RestrictionSettings | None:
    return await session.scalar(select(RestrictionSettings).where(RestrictionSettings.merchant_id == merchant_id))


async def country_set(session: AsyncSession, merchant_id: int, set_id: int) -> CountrySet | None:
    return await session.scalar(
        select(CountrySet).where(CountrySet.merchant_id == merchant_id, CountrySet.id == set_id)
    )


async def country_sets_page(
    session: AsyncSession, merchant_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[CountrySet]]:
    query = select(CountrySet).where(CountrySet.merchant_id == merchant_id).order_by(CountrySet.id)
    return await page_of(session, query, offset=offset, limit=limit)
