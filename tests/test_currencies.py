"""The currency data the product relies on comes from the maintained packages (ISO 4217's table through
`iso4217`, CLDR's through `babel`); these are the facts it must know, so an older package fails here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from boxoffice.catalog.currencies import NOT_A_CURRENCY, is_currency, refusal
from boxoffice.kit import currencies
from boxoffice.kit.money import Money


@pytest.mark.parametrize("code", ["XCG", "VED", "VES", "ZWG", "SLE", "EUR", "USD", "JPY"])
def test_current_currencies_are_in_use(code: str) -> None:
    assert is_currency(code)


@pytest.mark.parametrize("code", ["BGN", "ANG", "HRK", "SLL", "ZWL", "CUC", "DEM"])
def test_withdrawn_currencies_are_not(code: str) -> None:
    assert not is_currency(code)
    assert currencies.is_known(code)


@pytest.mark.parametrize(
    "code",
    # Funds, metals, the test and no-currency codes, units of account: ISO lists them, nobody pays in them.
    ["BOV", "CLF", "USN", "XAU", "XTS", "XXX", "XDR", "XSU", "XAD", "eur", "", None],
)
def test_what_is_not_money_is_not_a_currency(code: str | None) -> None:
    assert not is_currency(code)


def test_minor_units_are_iso_4217s() -> None:
    assert {code: currencies.exponent(code) for code in ("EUR", "JPY", "ISK", "KWD", "TND", "XCG", "CLP", "UYW")} == {
        "EUR": 2,
        "JPY": 0,
        "ISK": 0,
        "KWD": 3,
        "TND": 3,
        "XCG": 2,
        "CLP": 0,
        "UYW": 4,
    }
    assert Money.from_decimal("12.34", "XCG") == Money(1234, "XCG")


def test_an_amount_stored_in_a_withdrawn_currency_still_reads() -> None:
    assert Money(1999, "BGN").as_decimal() == Decimal("19.99")
    assert Money(1999, "ANG").as_number() == 19.99


def test_a_withdrawn_currency_is_refused_with_the_one_that_replaced_it() -> None:
    assert refusal("BGN") == "BGN is no longer in use (ISO 4217); prices are now set in EUR"
    assert refusal("ANG") == "ANG is no longer in use (ISO 4217); prices are now set in XCG"
    assert refusal("ABC") == NOT_A_CURRENCY
    assert refusal(None) == NOT_A_CURRENCY


@pytest.mark.parametrize(
    ("country", "day", "currency"),
    [
        ("BG", date(2025, 12, 31), "BGN"),
        # The euro from 1 January 2026; the lev circulated beside it for a month, the euro is what prices are in.
        ("BG", date(2026, 1, 1), "EUR"),
        ("BG", date(2026, 6, 1), "EUR"),
        ("CW", date(2026, 6, 1), "XCG"),
        ("SX", date(2026, 6, 1), "XCG"),
        ("HR", date(2026, 6, 1), "EUR"),
        ("DE", date(2026, 6, 1), "EUR"),
        ("GB", date(2026, 6, 1), "GBP"),
        ("AR", date(2026, 6, 1), "ARS"),
        ("ZW", date(2026, 6, 1), "ZWG"),
        ("bg", date(2026, 6, 1), "EUR"),
    ],
)
def test_a_countrys_currency_on_a_day(country: str, day: date, currency: str) -> None:
    assert currencies.of_country(country, day) == currency


def test_no_country_has_no_currency() -> None:
    assert currencies.of_country("ZZ", date(2026, 6, 1)) is None
    assert currencies.of_country("AQ", date(2026, 6, 1)) is None
