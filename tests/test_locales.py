"""Money and dates in a customer's locale (CLDR's formats through babel), and the neutral forms without one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from boxoffice.kit.locales import day_text, locale_of, moment_text, money_text
from boxoffice.kit.money import Money

NBSP, NNBSP = "\u00a0", "\u202f"  # CLDR's no-break space before a currency sign, and French's group separator
MOMENT = datetime(2026, 3, 14, 9, 30)  # naive: UTC, as the database keeps it


@pytest.mark.parametrize(
    ("tag", "euros", "yen", "dinars"),
    [
        ("de", f"1.234,50{NBSP}€", f"1.500{NBSP}¥", f"1,234{NBSP}IQD"),
        ("de-AT", f"€{NBSP}1.234,50", f"¥{NBSP}1.500", f"IQD{NBSP}1,234"),
        ("fr_FR", f"1{NNBSP}234,50{NBSP}€", f"1{NNBSP}500{NBSP}JPY", f"1,234{NBSP}IQD"),
        ("ja", "€1,234.50", "￥1,500", "IQD1.234"),
        (None, "1,234.50 EUR", "1,500 JPY", "1.234 IQD"),
        ("", "1,234.50 EUR", "1,500 JPY", "1.234 IQD"),
        ("xx-nonsense", "1,234.50 EUR", "1,500 JPY", "1.234 IQD"),
    ],
)
def test_money_in_a_locale_keeps_iso_4217s_decimals(tag: str | None, euros: str, yen: str, dinars: str) -> None:
    # CLDR would show the Iraqi dinar without decimals; ISO 4217 gives it three, and 1234 fils is 1.234 dinars.
    assert money_text(Money(123450, "EUR"), tag) == euros
    assert money_text(Money(1500, "JPY"), tag) == yen
    assert money_text(Money(1234, "IQD"), tag) == dinars


def test_a_negative_amount_and_a_withdrawn_currency() -> None:
    assert money_text(Money(-250, "EUR"), "de") == f"-2,50{NBSP}€"
    assert money_text(Money(1999, "BGN"), "bg") == f"19,99{NBSP}лв."


@pytest.mark.parametrize(
    ("tag", "day", "moment"),
    [
        ("de", "14. März 2026", "14. März 2026, 09:30 UTC"),
        ("fr", "14 mars 2026", "14 mars 2026, 09:30 UTC"),
        ("ja", "2026年3月14日", "2026年3月14日, 9:30 UTC"),
        ("en_US", "March 14, 2026", f"March 14, 2026, 9:30{NNBSP}AM UTC"),
        (None, "14 March 2026", "2026-03-14 09:30 UTC"),
    ],
)
def test_dates_in_a_locale(tag: str | None, day: str, moment: str) -> None:
    assert day_text(MOMENT, tag) == day
    assert moment_text(MOMENT, tag) == moment
    assert moment_text(MOMENT.replace(tzinfo=UTC), tag) == moment


@pytest.mark.parametrize("tag", ["de", "de_DE", "de-DE", " de-DE "])
def test_a_stored_tag_may_be_written_either_way(tag: str) -> None:
    found = locale_of(tag)
    assert found is not None and found.language == "de"


@pytest.mark.parametrize("tag", [None, "", "  ", "xx", "de_XX_YY_ZZ", "x" * 40, "../../etc"])
def test_an_unknown_tag_names_no_locale(tag: str | None) -> None:
    assert locale_of(tag) is None
