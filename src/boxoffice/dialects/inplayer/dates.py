"""Dates as InPlayer's calls send them: Unix seconds, ISO 8601 (`2006-01-02T15:04:05Z`, with `Z` or an offset, or a
date alone) or `2006-01-02 15:04:05`; a date or time without an offset is in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput

# The largest Unix time a datetime can hold (9999-12-31T23:59:59Z).
MAX_UNIX_TIME = 253402300799
# A form body sent unencoded (`curl -d start_date=2026-01-01T00:00:00+02:00`) turns an offset's `+` into a space.
_SPACED_OFFSET = re.compile(r"(:[0-9]{2}(?:\.[0-9]+)?) ([0-9]{2}(?::?[0-9]{2})?)$")


def _refusal(name: str) -> InvalidInput:
    return InvalidInput(
        {name: f"The {name} is Unix seconds, ISO 8601 (2006-01-02T15:04:05Z) or 2006-01-02 15:04:05 in UTC"}
    )


def parse(value: str, name: str) -> tuple[datetime, timedelta]:
    """A date as a naive UTC datetime, with how much time it names: a day for a date alone, else a second."""
    given = value.strip()
    try:
        if given.isascii() and given.isdigit():
            seconds = int(given)
            if seconds > MAX_UNIX_TIME:
                raise ValueError(given)
            return clock.from_unix(seconds), timedelta(seconds=1)
        found = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1+\2", given))
    except (ValueError, OverflowError, OSError):
        raise _refusal(name) from None
    if found.tzinfo is not None:
        try:
            found = found.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # an offset that moves it past the first or last year a datetime holds
            raise _refusal(name) from None
    timed = "T" in given or " " in given  # ISO 8601 puts either between a date and its time
    return found, timedelta(seconds=1) if timed else timedelta(days=1)


def moment(value: str | None, name: str, *, end: bool) -> datetime | None:
    """A date filter as a bound: an end date takes in the whole of its day (or second), so that it can be used as
    an exclusive upper bound. None when not given."""
    if not (value or "").strip():
        return None
    found, step = parse(value or "", name)
    if not end:
        return found
    return found + step if found < datetime.max - step else None  # the end of time bounds nothing


def period(start: str | None, end: str | None, *, required: bool = False) -> tuple[datetime | None, datetime | None]:
    """A `start_date`/`end_date` pair; the end must not come before the start."""
    if required:
        missing = {
            n: f"The {n} is required" for n, v in (("start_date", start), ("end_date", end)) if not (v or "").strip()
        }
        if missing:
            raise InvalidInput(missing)
    since, until = moment(start, "start_date", end=False), moment(end, "end_date", end=True)
    if since is not None and until is not None and since >= until:
        raise InvalidInput({"end_date": "The end date must not be before the start date"})
    return since, until


def ts(moment: datetime | None) -> int | None:
    """A moment as InPlayer renders it: Unix seconds (null when there is none)."""
    return clock.unix(moment) if moment is not None else None
