"""Every restrictions query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.restrictions.models import RestrictionSettings


async def settings_of(session: AsyncSession, merchant_id: int) -> RestrictionSettings | None:
    return await session.scalar(select(RestrictionSettings).where(RestrictionSettings.merchant_id == merchant_id))
