"""The currencies a price may be set in: ISO 4217's current currencies of countries (see kit.currencies), and
why a code is refused."""

from __future__ import annotations

from boxoffice.kit import currencies

CURRENCIES: frozenset[str] = currencies.IN_USE
NOT_A_CURRENCY = "The currency must be an ISO-4217 code such as EUR or USD"


def is_currency(code: str | None) -> bool:
    """A three-letter upper-case ISO-4217 code of a currency in use."""
    return currencies.in_use(code)


def refusal(code: str | None) -> str:
    """Why a new amount can't be in `code`: a withdrawn currency is named with the one that replaced it, so that
    a merchant still pricing in levs learns to price in euros."""
    if code and currencies.is_known(code):
        instead = currencies.successor(code)
        hint = f"; prices are now set in {instead}" if instead else ""
        return f"{code} is no longer in use (ISO 4217){hint}"
    return NOT_A_CURRENCY
