"""Money stays in integer minor units; decimals appear only at the edges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boxoffice.kit.money import Money


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["USD", "EUR", "JPY", "KWD"]))
def test_decimal_round_trip_is_exact(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.from_decimal(money.as_decimal(), currency) == money


def test_minor_units_follow_iso_4217() -> None:
    assert Money(1999, "USD").as_decimal() == Decimal("19.99")
    assert Money(1999, "JPY").as_decimal() == Decimal("1999")
    assert Money(1999, "KWD").as_decimal() == Decimal("1.999")


def test_refuses_floats_and_bad_currencies() -> None:
    with pytest.raises(TypeError):
        Money(19.99, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(100, "usd")
    with pytest.raises(ValueError):
        Money.from_decimal("1.999", "USD")
