"""Every catalog query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import Price, Product


async def product_by_title(session: AsyncSession, merchant_id: int, title: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.merchant_id == merchant_id, Product.title == title))


async def prices_of(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[Price]:
    rows = await session.scalars(
        select(Price).where(Price.merchant_id == merchant_id, Price.product_id == product_id).order_by(Price.id)
    )
    return rows.all()
