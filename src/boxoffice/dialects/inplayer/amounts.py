"""Money at InPlayer's edge: integer minor units become the decimal number InPlayer sends, and back."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.dialects.inplayer.forms import text
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.money import Money

_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")


def amount(minor_units: int, currency: str) -> int | float:
    """499 EUR → 4.99, 500 JPY → 500."""
    return Money(minor_units, currency).as_number()


def decimal_field(body: dict[str, Any], name: str) -> Decimal | None:
    value = text(body, name)
    if value is None or value.strip() == "":
        return None
    if not _DECIMAL.fullmatch(value.strip()):
        raise InvalidInput({name: f"The {name} must be a number such as 4.99"})
    return Decimal(value.strip())


def money_of(number: Decimal, currency: str | None, name: str) -> Money:
    """A decimal amount in minor units of the currency; more decimals than the currency has is refused."""
    if currency is None or not is_currency(currency):
        raise InvalidInput({"currency": refusal(currency)})
    try:
        return Money.from_decimal(number, currency)
    except ValueError:
        raise InvalidInput({name: f"The {name} has more decimals than {currency} allows"}) from None
