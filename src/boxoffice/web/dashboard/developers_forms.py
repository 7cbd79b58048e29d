"""What the developers' pages read from their forms and addresses the same way: ids and times."""

from __future__ import annotations

from datetime import datetime

from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.validation import whole_number


def path_id(text: str) -> int:
    """An id from the address; not a number is no row's id, which the use case then says is not found."""
    return whole_number(text) or 0


def moment(text: str, field: str) -> datetime | None:
    """A time as the browser's date-and-time field sends it, in UTC (the pages say so); None when left empty."""
    if not text.strip():
        return None
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput({field: "Give a date and time, such as 2026-01-31 09:00"}) from None
    if found.tzinfo is not None:
        raise InvalidInput({field: "Give the time in UTC, without an offset"})
    return found
