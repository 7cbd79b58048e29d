"""The dashboard's analytics page in one call: the figures of the seed's `/v2/analytics` — logins and
registrations per device and country, payments and refunds per method and currency over a period, subscriptions
per state with those about to churn — each counted by the database (audience, payments, subscriptions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import audience, payments, subscriptions
from boxoffice.analytics.audience import Audience
from boxoffice.analytics.payments import PaymentAnalytics
from boxoffice.analytics.subscriptions import SubscriptionAnalytics


@dataclass(frozen=True, slots=True)
class Figures:
    logins: Audience
    registrations: Audience
    payments: PaymentAnalytics  # from `since` until (not including) `until`; an open end bounds nothing
    subscriptions: SubscriptionAnalytics  # now


async def figures(
    session: AsyncSession, merchant_id: int, *, since: datetime | None, until: datetime | None
) -> Figures:
    """Refuses a period that ends before it starts (InvalidInput), before anything is counted."""
    paid = await payments.count_payments(session, merchant_id, since=since, until=until)
    return Figures(
        await audience.count_logins(session, merchant_id),
        await audience.count_registrations(session, merchant_id),
        paid,
        await subscriptions.count_subscriptions(session, merchant_id, grouped_by=None, country_code=None, state=None),
    )
