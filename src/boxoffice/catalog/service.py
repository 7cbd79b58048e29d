"""Catalog use cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as repo
from boxoffice.catalog.access_types import AccessType
from boxoffice.catalog.models import Price, Product
from boxoffice.money import Money


async def create_product(
    session: AsyncSession,
    merchant_id: int,
    *,
    title: str,
    asset_type: str,
    content: str,
    attributes: dict[str, Any] | None = None,
) -> Product:
    product = Product(
        merchant_id=merchant_id,
        title=title,
        asset_type=asset_type,
        content=content,
        attributes=attributes or {},
    )
    session.add(product)
    await session.flush()
    return product


async def add_price(
    session: AsyncSession,
    product: Product,
    *,
    access_type: AccessType,
    money: Money,
    description: str,
    trial_days: int | None = None,
) -> Price:
    price = Price(
        merchant_id=product.merchant_id,
        product_id=product.id,
        access_type_id=access_type.id,
        kind=access_type.kind,
        amount=money.amount,
        currency=money.currency,
        period_unit=access_type.period,
        period_quantity=access_type.quantity,
        description=description,
        trial_period_unit="day" if trial_days else None,
        trial_period_quantity=trial_days,
    )
    session.add(price)
    await session.flush()
    return price


async def find_product(session: AsyncSession, merchant_id: int, title: str) -> Product | None:
    return await repo.product_by_title(session, merchant_id, title)


async def prices_of(session: AsyncSession, product: Product) -> Sequence[Price]:
    return await repo.prices_of(session, product.merchant_id, product.id)
