"""Who subscribes, at a glance: subscriptions active, in a trial, past due (a renewal declined, dunning retrying
it) and cancelled but still running; and how many of the trials that ended in a window became paid subscriptions.

A trial's **conversion rate** is, of the trials that ended in the window with a known outcome, the share that paid
for a first period. A trial ends when its free time does; one still waiting for its first charge (or having it
retried) is not decided yet and is left out, so that the rate does not drop while the renewal engine catches up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import subscribers_repository as repo
from boxoffice.billing.models import SubscriptionStatus


@dataclass(frozen=True, slots=True)
class Subscribers:
    active: int  # subscriptions
    active_customers: int  # the customers holding them
    trialing: int
    past_due: int
    about_to_churn: int  # cancelled, running to the end of the period paid
    trials_converted: int  # of the trials ended in the window
    trials_lost: int

    @property
    def conversion(self) -> Fraction | None:
        """None while no trial ended in the window with a known outcome."""
        decided = self.trials_converted + self.trials_lost
        return Fraction(self.trials_converted, decided) if decided else None

    @property
    def conversion_percent(self) -> int | None:
        rate = self.conversion
        return None if rate is None else int(rate * 100 + Fraction(1, 2))


async def count_subscribers(session: AsyncSession, merchant_id: int, since: datetime, until: datetime) -> Subscribers:
    """The merchant's subscriptions now, and its trials ended in [since, until)."""
    counts = {status: (n, customers) for status, n, customers in await repo.running_by_status(session, merchant_id)}
    active, customers = counts.get(SubscriptionStatus.ACTIVE, (0, 0))
    converted, lost = await repo.trials_ended(session, merchant_id, since, until)
    return Subscribers(
        active=active,
        active_customers=customers,
        trialing=counts.get(SubscriptionStatus.TRIALING, (0, 0))[0],
        past_due=counts.get(SubscriptionStatus.PAST_DUE, (0, 0))[0],
        about_to_churn=counts.get(SubscriptionStatus.CANCELED, (0, 0))[0],
        trials_converted=converted,
        trials_lost=lost,
    )
