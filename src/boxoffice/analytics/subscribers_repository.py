"""The counts behind the overview's subscribers: subscriptions per status now, and the trials that ended in a
window, by how they ended (see analytics.subscribers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import NOT_STARTED, RUNNING, Subscription, SubscriptionStatus
from boxoffice.kit.db import within

# status, how many subscriptions, how many customers hold them
StatusCounts = list[tuple[SubscriptionStatus, int, int]]


async def running_by_status(session: AsyncSession, merchant_id: int) -> StatusCounts:
    found = await session.execute(
        select(Subscription.status, func.count(), func.count(distinct(Subscription.customer_id)))
        .where(Subscription.merchant_id == merchant_id, Subscription.status.in_(RUNNING))
        .group_by(Subscription.status)
    )
    return [(status, int(n), int(customers)) for status, n, customers in found]


async def trials_ended(session: AsyncSession, merchant_id: int, since: datetime, until: datetime) -> tuple[int, int]:
    """Of the trials that ended in [since, until) and whose outcome is known, how many went on to pay a period,
    and how many ended unpaid (cancelled during the trial, or their first charge given up by dunning). One still
    trialing or with its first charge being retried is counted in neither."""
    paid = Subscription.cycle >= 1
    unpaid = Subscription.status.in_((SubscriptionStatus.CANCELED, SubscriptionStatus.ENDED)) & ~paid
    found = await session.execute(
        select(func.sum(case((paid, 1), else_=0)), func.sum(case((unpaid, 1), else_=0))).where(
            Subscription.merchant_id == merchant_id,
            Subscription.status.not_in(NOT_STARTED),
            *within(Subscription.trial_ends_at, since, until),
        )
    )
    converted, lost = found.one()
    return int(converted or 0), int(lost or 0)
