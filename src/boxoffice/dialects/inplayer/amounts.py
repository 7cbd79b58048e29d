"""Money at InPlayer's edge: integer minor units become the decimal number InPlayer sends."""

from __future__ import annotations

from boxoffice.money import Money


def amount(minor_units: int, currency: str) -> int | float:
    """499 EUR → 4.99, 500 JPY → 500."""
    money = Money(minor_units, currency)
    return float(money.as_decimal()) if money.exponent else minor_units
