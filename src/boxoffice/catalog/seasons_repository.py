"""Every query over season groups and their seasons."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import Price, Season, SeasonGroup
from boxoffice.kit.db import Page, page_of


async def group_by_id(
    session: AsyncSession, merchant_id: int, group_id: int, *, for_update: bool = False
) -> SeasonGroup | None:
    """`for_update`: locked until the transaction ends (on PostgreSQL), so that two changes to a group's seasons
    are checked one after the other, never both against the seasons as they were before either."""
    query = select(SeasonGroup).where(SeasonGroup.merchant_id == merchant_id, SeasonGroup.id == group_id)
    return await session.scalar(query.with_for_update() if for_update else query)


async def groups_page(session: AsyncSession, merchant_id: int, *, offset: int, limit: int) -> Page[SeasonGroup]:
    query = select(SeasonGroup).where(SeasonGroup.merchant_id == merchant_id).order_by(SeasonGroup.id)
    return await page_of(session, query, offset=offset, limit=limit)


async def seasons_of(session: AsyncSession, merchant_id: int, group_ids: Sequence[int]) -> Sequence[Season]:
    """The seasons of the groups, each group's in the order they begin."""
    if not group_ids:
        return []
    rows = await session.scalars(
        select(Season)
        .where(Season.merchant_id == merchant_id, Season.season_group_id.in_(group_ids))
        .order_by(Season.season_group_id, Season.starts_at, Season.id)
    )
    return rows.all()


async def group_in_use(session: AsyncSession, merchant_id: int, group_id: int) -> bool:
    """Whether a price of the merchant (on sale or not: its subscribers still renew) bills by the group."""
    count = await session.scalar(
        select(func.count())
        .select_from(Price)
        .where(Price.merchant_id == merchant_id, Price.season_group_id == group_id)
    )
    return bool(count)


async def delete_group(session: AsyncSession, merchant_id: int, group_id: int) -> None:
    await session.execute(delete(Season).where(Season.merchant_id == merchant_id, Season.season_group_id == group_id))
    await session.execute(delete(SeasonGroup).where(SeasonGroup.merchant_id == merchant_id, SeasonGroup.id == group_id))


async def delete_season(session: AsyncSession, merchant_id: int, season_id: int) -> None:
    await session.execute(delete(Season).where(Season.merchant_id == merchant_id, Season.id == season_id))


async def season_groups_of_prices(session: AsyncSession, merchant_id: int, price_ids: Sequence[int]) -> dict[int, int]:
    """The group each seasonal price among `price_ids` bills by, by price id."""
    if not price_ids:
        return {}
    rows = await session.execute(
        select(Price.id, Price.season_group_id).where(
            Price.merchant_id == merchant_id, Price.id.in_(price_ids), Price.season_group_id.is_not(None)
        )
    )
    return {price_id: group_id for price_id, group_id in rows.all() if group_id is not None}
