"""Times as API 3.1's bodies give them: ISO 8601 text, kept in UTC to the second."""

from __future__ import annotations

from datetime import datetime, timedelta

from boxoffice.dialects.api31.errors import Refused


def iso_moment(text: str | None, name: str) -> datetime | None:
    """The time `text` names, in UTC (one without an offset is taken as UTC); 422 for text that is no ISO 8601
    date and time, or one that can't be brought to UTC (the first and last hours of years 1 and 9999)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        offset = moment.utcoffset()
        moment = moment.replace(tzinfo=None) - (offset if offset is not None else timedelta())
    except (ValueError, OverflowError):
        raise Refused(422, f"Invalid param {name}: a date and time (ISO 8601)") from None
    return moment.replace(microsecond=0)
