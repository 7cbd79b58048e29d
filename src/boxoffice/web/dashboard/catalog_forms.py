"""Reading the catalog's forms: amounts typed as decimals, dates and times in UTC, whole numbers; each problem named
by its field, all of a form's at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.kit.money import Money
from boxoffice.kit.validation import Problems, whole_number

_SEPARATORS = re.compile(r"[\s,]+")
MAX_IDS = 100
_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?", re.ASCII)
# How a datetime-local field sends a moment, and shows one back: minutes are all a sale window needs.
MOMENT = "%Y-%m-%dT%H:%M"


def search(value: str, problems: Problems) -> str:
    """A search's text, which the database is asked for as typed."""
    if "\x00" in value:
        problems.add("q", "The search holds a NUL character")
    return value


def currency(value: str | None, problems: Problems) -> str | None:
    code = (value or "").strip().upper()
    if not is_currency(code):
        problems.add("currency", refusal(code or None))
        return None
    return code


def money(value: str | None, code: str | None, field: str, problems: Problems) -> Money | None:
    """A typed amount ("4.99") in minor units of the currency; None when the field is empty or wrong (a wrong one
    is a problem; a missing currency is the currency's problem alone)."""
    typed = (value or "").strip()
    if not typed:
        return None
    if not _DECIMAL.fullmatch(typed):
        problems.add(field, "Type the amount as a number such as 4.99")
        return None
    if code is None:
        return None
    try:
        return Money.from_decimal(Decimal(typed), code)
    except ValueError:
        problems.add(field, f"The amount has more decimals than {code} allows")
        return None


def moment(value: str | None, field: str, problems: Problems) -> datetime | None:
    """A date and time in UTC, as a datetime-local field sends it; None when empty."""
    typed = (value or "").strip()
    if not typed:
        return None
    try:
        found = datetime.fromisoformat(typed)
        return found.astimezone(UTC).replace(tzinfo=None) if found.tzinfo else found
    except (ValueError, OverflowError):  # an offset may move the last day a datetime holds past it
        problems.add(field, "Give a date and time such as 2030-01-31T18:00")
        return None


def number(value: str | None, field: str, problems: Problems) -> int | None:
    """A whole number, perhaps below zero (the use case says which are allowed); None when empty."""
    typed = (value or "").strip()
    if not typed:
        return None
    found = whole_number(typed.removeprefix("-"))
    if found is None:
        problems.add(field, "Give a whole number")
        return None
    return -found if typed.startswith("-") else found


def shown_moment(value: datetime | None) -> str:
    return value.strftime(MOMENT) if value else ""


def ids(value: str | None, field: str, problems: Problems) -> list[int] | None:
    """Ids typed apart by commas or spaces ("12, 14"); None when none are typed."""
    parts = [part for part in _SEPARATORS.split((value or "").strip()) if part]
    if not parts:
        return None
    if len(parts) > MAX_IDS:
        problems.add(field, f"Give at most {MAX_IDS} ids at once")
        return None
    found = [whole_number(part) for part in parts]
    wrong = [part for part, number in zip(parts, found, strict=True) if not number]
    if wrong:
        problems.add(field, f"{wrong[0]} is not an id")
        return None
    return [number for number in found if number]
