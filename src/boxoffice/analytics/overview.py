"""The dashboard's overview in one call: revenue per currency and per day, the MRR and its movement, the
subscribers and trials, and the refunds, all over the same window of DAYS days that ends today (UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import mrr, mrr_repository, revenue, subscribers, subscribers_repository
from boxoffice.analytics.mrr import Movement
from boxoffice.analytics.revenue import DAYS, Revenue
from boxoffice.analytics.subscribers import Subscribers


@dataclass(frozen=True, slots=True)
class Overview:
    since: date  # the window's first day: the movement, the trials and the refunds are counted from its start
    revenue: list[Revenue]
    mrr: list[Movement]
    subscribers: Subscribers

    @property
    def refunded(self) -> dict[str, int]:
        """Per currency, what was refunded in the window (minor units); only currencies with a refund."""
        totals = {found.currency: sum(day.refunded for day in found.days) for found in self.revenue}
        return {currency: total for currency, total in totals.items() if total}


async def overview(session: AsyncSession, merchant_id: int, now: datetime) -> Overview:
    first = now.date() - timedelta(days=DAYS - 1)
    since = datetime.combine(first, time())
    # One pass over the merchant's subscriptions gives both the MRR and the subscribers.
    tallies = await mrr_repository.tallies(session, merchant_id, since, now)
    switched = await mrr_repository.switched_since(session, merchant_id, since, now)
    return Overview(
        first,
        await revenue.revenue(session, merchant_id, now),
        mrr.movement(tallies, switched),
        subscribers.subscribers_of(tallies, await subscribers_repository.active_customers(session, merchant_id)),
    )
