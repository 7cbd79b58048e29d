"""Every catalog query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import PackageMember, Price, Product


async def product_by_id(session: AsyncSession, merchant_id: int, product_id: int) -> Product | None:
    return await session.scalar(select(Product).where(Product.merchant_id == merchant_id, Product.id == product_id))


async def product_by_title(session: AsyncSession, merchant_id: int, title: str) -> Product | None:
    return await session.scalar(select(Product).where(Product.merchant_id == merchant_id, Product.title == title))


async def package_ids_containing(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[int]:
    """The packages an asset belongs to: an entitlement to any of them opens the asset too."""
    rows = await session.scalars(
        select(PackageMember.package_id).where(
            PackageMember.merchant_id == merchant_id, PackageMember.product_id == product_id
        )
    )
    return rows.all()


async def price_by_id(session: AsyncSession, merchant_id: int, price_id: int) -> Price | None:
    return await session.scalar(select(Price).where(Price.merchant_id == merchant_id, Price.id == price_id))


async def prices_of(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[Price]:
    rows = await session.scalars(
        select(Price).where(Price.merchant_id == merchant_id, Price.product_id == product_id).order_by(Price.id)
    )
    return rows.all()
