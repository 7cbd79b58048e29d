"""Every query behind subscription plans: the products sold by subscription, their prices, and who holds them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import Price, Product
from boxoffice.kit.db import page_of

SUBSCRIPTION = "subscription"


def _on_sale(merchant_id: int, now: datetime) -> ColumnElement[bool]:
    return and_(
        Price.merchant_id == merchant_id,
        Price.kind == SUBSCRIPTION,
        Price.active.is_(True),
        or_(Price.starts_at.is_(None), Price.starts_at <= now),
        or_(Price.expires_at.is_(None), Price.expires_at > now),
    )


async def plan_products_page(
    session: AsyncSession,
    merchant_id: int,
    now: datetime,
    *,
    product_ids: Sequence[int] | None,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Product]]:
    """Active products with a subscription price on sale now, oldest first; only `product_ids` when given."""
    sold = exists().where(Price.product_id == Product.id, _on_sale(merchant_id, now))
    query = select(Product).where(Product.merchant_id == merchant_id, Product.active.is_(True), sold)
    if product_ids is not None:
        query = query.where(Product.id.in_(product_ids))
    return await page_of(session, query.order_by(Product.id), offset=offset, limit=limit)


async def prices_on_sale(
    session: AsyncSession, merchant_id: int, product_ids: Sequence[int], now: datetime
) -> Sequence[Price]:
    if not product_ids:
        return []
    rows = await session.scalars(
        select(Price).where(Price.product_id.in_(product_ids), _on_sale(merchant_id, now)).order_by(Price.id)
    )
    return rows.all()
