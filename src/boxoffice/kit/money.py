"""Money: integer minor units and an ISO-4217 currency. Never floats; decimals only at a dialect's edge."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Currencies whose minor unit is not 1/100 (ISO 4217).
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "UGX": 0,
    "XAF": 0,
    "XOF": 0,
    "BIF": 0,
    "DJF": 0,
    "GNF": 0,
    "KMF": 0,
    "PYG": 0,
    "RWF": 0,
    "VUV": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "LYD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}


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
        return _EXPONENTS.get(self.currency, 2)

    def as_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-self.exponent)

    def as_number(self) -> int | float:
        """The amount as the JSON number APIs send: 499 EUR → 4.99, 500 JPY → 500 (rounding only at this edge)."""
        return float(self.as_decimal()) if self.exponent else self.amount

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str) -> Money:
        exponent = _EXPONENTS.get(currency, 2)
        scaled = Decimal(value).scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more decimals than {currency} allows")
        return cls(int(scaled), currency)
