"""Money and dates as a customer reads them, in the locale their account stores (CLDR's formats, through `babel`).

A customer without a locale, or with one CLDR doesn't know, gets the neutral forms the product has always used:
"12.50 EUR", "30 May 2026", "2026-05-30 14:03 UTC".
"""

from __future__ import annotations

from copy import copy
from datetime import UTC, datetime
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import parse_pattern

from boxoffice.kit.money import Money

MAX_TAG = 35  # BCP 47's longest useful tag; the column holds 16


@cache
def locale_of(tag: str | None) -> Locale | None:
    """The locale a stored tag names: "de", "de_DE", "de-DE", "pt-BR", "zh-Hant-TW"; None for none or nonsense."""
    cleaned = (tag or "").strip()
    if not cleaned or len(cleaned) > MAX_TAG:
        return None
    try:
        return Locale.parse(cleaned.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None


def money_text(money: Money, tag: str | None) -> str:
    """1250 EUR → "12,50 €" (de), "12,50 €" (fr), "€12.50" (en); always with as many decimals as ISO 4217 gives
    the currency (CLDR's own count differs for a few, and would round what was charged)."""
    locale = locale_of(tag)
    if locale is None:
        return f"{money.as_decimal():,f} {money.currency}"
    pattern = copy(parse_pattern(locale.currency_formats["standard"]))
    pattern.frac_prec = (money.exponent, money.exponent)
    return str(pattern.apply(money.as_decimal(), locale, currency=money.currency, currency_digits=False))


def day_text(moment: datetime, tag: str | None) -> str:
    """A day in words: "6. Dezember 2026" (de), "6 décembre 2026" (fr), "2026年12月6日" (ja)."""
    locale = locale_of(tag)
    if locale is None:
        return f"{moment.day} {moment:%B %Y}"
    return format_date(moment.date(), "long", locale=locale)


def moment_text(moment: datetime, tag: str | None) -> str:
    """A day and time of day in UTC (naive datetimes are UTC, as everywhere here): "6. Dezember 2026, 14:03 UTC"."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    locale = locale_of(tag)
    if locale is None:
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    day = format_date(utc.date(), "long", locale=locale)
    return f"{day}, {format_time(utc, 'short', tzinfo=UTC, locale=locale)} UTC"
