"""The queries on passes: entitlements through one-time prices (a pass is never a subscription's access)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import Entitlement
from boxoffice.catalog.models import Price
from boxoffice.kit.db import page_of


async def passes_page(
    session: AsyncSession, merchant_id: int, customer_id: int | None, *, offset: int, limit: int
) -> tuple[int, Sequence[Entitlement]]:
    """The merchant's entitlements through one-time prices, newest first; one customer's when named."""
    query = (
        select(Entitlement)
        .join(Price, (Price.id == Entitlement.price_id) & (Price.merchant_id == Entitlement.merchant_id))
        .where(Entitlement.merchant_id == merchant_id, Price.merchant_id == merchant_id, Price.kind == "one_time")
    )
    if customer_id is not None:
        query = query.where(Entitlement.customer_id == customer_id)
    return await page_of(session, query.order_by(Entitlement.id.desc()), offset=offset, limit=limit)


async def set_expiry(
    session: AsyncSession, merchant_id: int, customer_id: int, entitlement_id: int, at: datetime
) -> None:
    """Move an entitlement's end (pinned to its customer, so that the access caches learn of it)."""
    await session.execute(
        update(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.id == entitlement_id,
        )
        .values(expires_at=at)
        .execution_options(synchronize_session=False)
    )
