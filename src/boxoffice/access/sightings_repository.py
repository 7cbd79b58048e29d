"""The addresses and devices a customer's access was asked from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import AccessSighting


async def sighting(
    session: AsyncSession, merchant_id: int, customer_id: int, kind: str, value: str
) -> AccessSighting | None:
    return await session.scalar(
        select(AccessSighting).where(
            AccessSighting.merchant_id == merchant_id,
            AccessSighting.customer_id == customer_id,
            AccessSighting.kind == kind,
            AccessSighting.value == value,
        )
    )


async def others_seen_since(
    session: AsyncSession, merchant_id: int, customer_id: int, kind: str, value: str, since: datetime
) -> int:
    """How many other values of `kind` the customer was seen with after `since`."""
    found = await session.scalar(
        select(func.count()).where(
            AccessSighting.merchant_id == merchant_id,
            AccessSighting.customer_id == customer_id,
            AccessSighting.kind == kind,
            AccessSighting.value != value,
            AccessSighting.last_seen_at > since,
        )
    )
    return int(found or 0)
