"""Who subscribes, at a glance: subscriptions active, in a trial, past due (a renewal declined, dunning retrying
it) and cancelled but still running; and how many of the trials that ended in a window became paid subscriptions.

A trial's **conversion rate** is, of the trials that ended in the window with a known outcome, the share that paid
for a first period. A trial ends when its free time does; one still waiting for its first charge (or having it
retried) is not decided yet and is left out, so that the rate does not drop while the renewal engine catches up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from boxoffice.analytics.mrr_repository import Tally
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


def subscribers_of(tallies: Sequence[Tally], active_customers: int) -> Subscribers:
    """The subscriptions per status now, and the trials ended in the window the tallies were counted for."""

    def total(*wanted: SubscriptionStatus, **flags: bool) -> int:
        return sum(
            t.count
            for t in tallies
            if t.status in wanted and all(getattr(t, name) == value for name, value in flags.items())
        )

    return Subscribers(
        active=total(SubscriptionStatus.ACTIVE),
        active_customers=active_customers,
        trialing=total(SubscriptionStatus.TRIALING),
        past_due=total(SubscriptionStatus.PAST_DUE),
        about_to_churn=total(SubscriptionStatus.CANCELED),
        trials_converted=total(*SubscriptionStatus, trial_ended=True, has_paid=True),
        trials_lost=total(SubscriptionStatus.CANCELED, SubscriptionStatus.ENDED, trial_ended=True, has_paid=False),
    )
