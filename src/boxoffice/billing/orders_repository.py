"""Orders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import Order


async def order_by_id(session: AsyncSession, merchant_id: int, order_id: int) -> Order | None:
    found = await session.scalars(select(Order).where(Order.merchant_id == merchant_id, Order.id == order_id))
    return found.first()
