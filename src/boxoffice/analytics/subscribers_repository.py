"""How many customers hold an active subscription: the one figure of the overview's subscribers that the
tallies of analytics.mrr_repository cannot give (a customer may hold several)."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import Subscription, SubscriptionStatus


async def active_customers(session: AsyncSession, merchant_id: int) -> int:
    found = await session.scalar(
        select(func.count(distinct(Subscription.customer_id))).where(
            Subscription.merchant_id == merchant_id, Subscription.status == SubscriptionStatus.ACTIVE
        )
    )
    return int(found or 0)
