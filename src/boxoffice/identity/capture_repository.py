"""A merchant's capture settings and customers' answers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.models import CaptureAnswers, CaptureSettings


async def capture_settings(session: AsyncSession, merchant_id: int) -> CaptureSettings | None:
    found = await session.scalars(select(CaptureSettings).where(CaptureSettings.merchant_id == merchant_id))
    return found.first()


async def capture_answers(session: AsyncSession, merchant_id: int, customer_id: int) -> CaptureAnswers | None:
    found = await session.scalars(
        select(CaptureAnswers).where(
            CaptureAnswers.merchant_id == merchant_id, CaptureAnswers.customer_id == customer_id
        )
    )
    return found.first()
