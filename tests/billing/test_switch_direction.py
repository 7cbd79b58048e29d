"""Which way a plan switch goes: by what each plan costs over the same time, not by its amount alone."""

from __future__ import annotations

import pytest

from boxoffice.billing.models import Subscription
from boxoffice.billing.plan_switch import ALGORITHMS
from boxoffice.billing.switches import DEFERRED, IMMEDIATE, direction
from boxoffice.catalog.models import Price


def _monthly(amount: int) -> Subscription:
    return Subscription(amount=amount, currency="EUR", period_unit="month", period_quantity=1)


def _price(amount: int, unit: str, quantity: int = 1) -> Price:
    return Price(amount=amount, currency="EUR", period_unit=unit, period_quantity=quantity)


@pytest.mark.parametrize(
    ("amount", "unit", "quantity", "expected"),
    [
        (1499, "month", 1, "upgrade"),
        (999, "month", 1, "upgrade"),  # the same cost: nothing is lost by switching at once
        (799, "month", 1, "downgrade"),
        (9900, "year", 1, "downgrade"),  # a larger amount, but less than twelve months of 9.99
        (11988, "year", 1, "upgrade"),  # exactly twelve months of 9.99
        (250, "week", 1, "upgrade"),  # 2.50 a week is 10.86 over a month
        (5000, "month", 6, "downgrade"),
        (40, "day", 1, "upgrade"),  # 0.40 a day is 12.17 over a month
    ],
)
def test_a_plan_is_dearer_when_it_costs_more_over_the_same_time(
    amount: int, unit: str, quantity: int, expected: str
) -> None:
    assert direction(_monthly(999), _price(amount, unit, quantity)) == expected


def test_an_upgrade_is_made_at_once_and_a_downgrade_at_the_renewal() -> None:
    assert ALGORITHMS == {"upgrade": IMMEDIATE, "downgrade": DEFERRED}
