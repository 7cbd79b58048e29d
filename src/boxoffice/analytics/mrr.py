"""Monthly recurring revenue (MRR) per currency, and how it moved over a window, from the subscriptions' records.

- A subscription **is paid for** at a moment when it has paid at least one period (`cycle` ≥ 1: a trial is no
  period paid), that moment is at or after the end of its trial (its creation when it had none), and it had not
  ended by then. Now, that means active, past due (dunning still retries it) or cancelled but running to the end
  of its period. A trial is not in the MRR, nor a subscription whose first charge never went through.
- What it brings **per month** is its amount per period (the price's, fixed when it started, before vouchers and
  credit) set against a month of 730 hours, the measure plan switches compare prices by (`billing.switches`):
  9.99 a month is 9.99, 99.00 a year 8.25, 2.00 a week 8.69. Sums are kept exact and rounded once, at the end.
- **MRR** is the sum of that over the subscriptions paid for now.
- The window's **movement** compares each subscription at its start (`then`) with now; its amount then is that of
  the price it was switched from by the first plan switch applied since, if one was:
  - **new**: paid for now, not then (a new subscriber, a trial converted, a subscription back from an end);
  - **churn**: paid for then, not now (ended, unpaid or cancelled, during the window); its MRR then;
  - **expansion** / **contraction**: paid for at both, and costing more / less per month now (a plan switch);
    the difference. A switch to another currency is churn in the one and new in the other.

So that MRR now = MRR then + new + expansion - contraction - churn, to within the rounding of each figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from boxoffice.analytics.mrr_repository import Switched, Tally
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.billing.switches import HOURS

# Statuses in which a subscription that has paid a period is still paid for: past due while dunning retries it,
# cancelled until its period ends (it is then ended).
PAYING = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.CANCELED})


@dataclass(frozen=True, slots=True)
class Movement:
    """One currency's MRR now and at the window's start, and what moved it; minor units per month."""

    currency: str
    mrr: int
    then: int
    new: int
    expansion: int
    contraction: int
    churn: int
    subscriptions: int  # paid for now

    @property
    def net(self) -> int:
        return self.mrr - self.then


def per_month(amount: int, unit: str, quantity: int) -> Fraction:
    return Fraction(amount * HOURS["month"], HOURS.get(unit, HOURS["month"]) * quantity)


def _rounded(value: Fraction) -> int:
    """Half away from zero, as money is rounded for people (Python's round() goes to the even one)."""
    whole, part = divmod(abs(value), 1)
    return int(whole + (1 if part >= Fraction(1, 2) else 0)) * (1 if value >= 0 else -1)


@dataclass
class _Sums:
    mrr: Fraction = Fraction(0)
    then: Fraction = Fraction(0)
    new: Fraction = Fraction(0)
    expansion: Fraction = Fraction(0)
    contraction: Fraction = Fraction(0)
    churn: Fraction = Fraction(0)
    subscriptions: int = 0


def _unswitched(tallies: Sequence[Tally], switched: Sequence[Switched]) -> list[Tally]:
    """The tallies less the switched subscriptions they hold, which are counted with their price of then."""
    left: dict[Tally, list[int]] = {}
    for tally in tallies:
        slot = left.setdefault(replace(tally, amount=0, count=0), [0, 0])
        slot[0] += tally.amount
        slot[1] += tally.count
    for moved in switched:
        slot = left[replace(moved.now, amount=0, count=0)]
        slot[0] -= moved.now.amount
        slot[1] -= moved.now.count
    return [replace(key, amount=amount, count=count) for key, (amount, count) in left.items() if count]


def movement(tallies: Sequence[Tally], switched: Sequence[Switched]) -> list[Movement]:
    """The MRR per currency (by code) now, and its movement over the window the tallies were counted for."""
    sums: dict[str, _Sums] = defaultdict(_Sums)
    unchanged = [
        Switched(tally, tally.currency, tally.unit, tally.quantity, tally.amount, 0)
        for tally in _unswitched(tallies, switched)
    ]
    for shape in [*unchanged, *switched]:
        now = shape.now
        paying = now.has_paid and now.status in PAYING
        if not paying and not now.paid_then:
            continue
        now_value = per_month(now.amount, now.unit, now.quantity)
        then_value = per_month(shape.then_amount, shape.then_unit, shape.then_quantity)
        if paying:
            sums[now.currency].mrr += now_value
            sums[now.currency].subscriptions += now.count
        if now.paid_then:
            sums[shape.then_currency].then += then_value
        both = paying and now.paid_then and now.currency == shape.then_currency
        if both and shape.direction > 0:
            sums[now.currency].expansion += now_value - then_value
        elif both and shape.direction < 0:
            sums[now.currency].contraction += then_value - now_value
        elif not both:
            if paying:
                sums[now.currency].new += now_value
            if now.paid_then:
                sums[shape.then_currency].churn += then_value
    return [
        Movement(
            currency,
            _rounded(s.mrr),
            _rounded(s.then),
            _rounded(s.new),
            _rounded(s.expansion),
            _rounded(s.contraction),
            _rounded(s.churn),
            s.subscriptions,
        )
        for currency, s in sorted(sums.items())
    ]
