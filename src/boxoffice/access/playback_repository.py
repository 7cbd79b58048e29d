"""Every query on a merchant's playback signing keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import PlaybackKeys


async def keys_of(session: AsyncSession, merchant_id: int) -> PlaybackKeys | None:
    return await session.scalar(select(PlaybackKeys).where(PlaybackKeys.merchant_id == merchant_id))
