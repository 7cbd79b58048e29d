"""The only source of "now". Tests swap in a clock they can move; stored times are naive UTC."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


class FrozenClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


_clock: Clock = Clock()
# A sandbox test clock's time, for the billing of the customers attached to it (see billing.sandbox_clocks).
_pinned: ContextVar[datetime | None] = ContextVar("pinned_now", default=None)


def now() -> datetime:
    return _pinned.get() or _clock.now()


@contextmanager
def pinned(moment: datetime | None) -> Iterator[None]:
    """Within the block, in this task only, "now" is `moment` (None: the real clock)."""
    token = _pinned.set(moment)
    try:
        yield
    finally:
        _pinned.reset(token)


def set_clock(clock: Clock) -> Clock:
    """Install `clock` and return the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def unix(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
