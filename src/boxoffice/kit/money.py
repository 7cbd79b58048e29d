"""Money: integer minor units and an ISO-4217 currency. Never floats; decimals only at a dialect's edge. How many
minor units make a major one is ISO's figure (kit.currencies), also for a currency withdrawn since an amount was
stored in it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from boxoffice.kit.currencies import exponent


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int):
            raise TypeError("Money amounts are integer minor units")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"{self.currency!r} is not an ISO-4217 code")

    @property
    def exponent(self) -> int:
        return exponent(self.currency)

    def as_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-self.exponent)

    def as_number(self) -> int | float:
        """The amount as the JSON number APIs send: 499 EUR → 4.99, 500 JPY → 500 (rounding only at this edge)."""
        return float(self.as_decimal()) if self.exponent else self.amount

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str) -> Money:
        scaled = Decimal(value).scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more decimals than {currency} allows")
        return cls(int(scaled), currency)
