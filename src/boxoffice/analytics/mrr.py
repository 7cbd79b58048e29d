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
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import mrr_repository as repo
from boxoffice.billing.switches import HOURS


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


async def mrr_movement(session: AsyncSession, merchant_id: int, then: datetime) -> list[Movement]:
    """The merchant's MRR per currency (by code) now, and its movement since `then`."""
    sums: dict[str, _Sums] = defaultdict(_Sums)
    for shape in await repo.mrr_shapes(session, merchant_id, then):
        now_value = per_month(shape.amount, shape.unit, shape.quantity)
        then_value = per_month(shape.then_amount, shape.then_unit, shape.then_quantity)
        if shape.paying:
            sums[shape.currency].mrr += now_value
            sums[shape.currency].subscriptions += shape.count
        if shape.paid_then:
            sums[shape.then_currency].then += then_value
        both = shape.paying and shape.paid_then and shape.currency == shape.then_currency
        if both and shape.direction > 0:
            sums[shape.currency].expansion += now_value - then_value
        elif both and shape.direction < 0:
            sums[shape.currency].contraction += then_value - now_value
        elif not both:
            if shape.paying:
                sums[shape.currency].new += now_value
            if shape.paid_then:
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
