"""Dates as InPlayer's merchant calls send them: Unix seconds, `2006-01-02` or `2006-01-02 15:04:05`, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from boxoffice import clock
from boxoffice.errors import InvalidInput


def moment(value: str | None, name: str, *, end: bool) -> datetime | None:
    """A date filter as a bound: an end date takes in the whole of its day (or second), so that it can be used as
    an exclusive upper bound. None when not given."""
    given = (value or "").strip()
    if not given:
        return None
    try:
        if given.isdigit():
            found, step = clock.from_unix(int(given)), timedelta(seconds=1)
        elif len(given) == len("2006-01-02"):
            found, step = datetime.strptime(given, "%Y-%m-%d"), timedelta(days=1)
        else:
            found, step = datetime.fromisoformat(given.replace("T", " ")), timedelta(seconds=1)
        if found.tzinfo is not None:
            found = found.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput({name: f"The {name} is Unix seconds, 2006-01-02 or 2006-01-02 15:04:05"}) from None
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
