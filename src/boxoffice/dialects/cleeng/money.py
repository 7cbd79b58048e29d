"""Money at Cleeng's edge: integer minor units as the decimal numbers Cleeng sends, with a symbol."""

from __future__ import annotations

from boxoffice.kit.money import Money

# The symbols storefronts show; a currency not listed shows its code.
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "PLN": "zł", "CHF": "CHF", "JPY": "¥", "CAD": "$", "AUD": "$",
           "NZD": "$", "SEK": "kr", "NOK": "kr", "DKK": "kr", "INR": "₹", "BRL": "R$", "MXN": "$"}  # fmt: skip


def decimal(minor_units: int, currency: str) -> float | int:
    return Money(minor_units, currency).as_number()


def currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency, currency)
