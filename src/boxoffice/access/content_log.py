"""The content-request log: every access check, granted or refused, recorded for analytics off the hot path.

Checks append to an in-memory buffer; a background task writes the buffer in one batch every second (or sooner
when it fills). A crash loses at most the last second of records — acceptable for statistics, and it keeps a
database write out of every playback request.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, NamedTuple

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as repo
from boxoffice.kit.db import transaction
from boxoffice.kit.stopping import Stopping

log = structlog.get_logger(__name__)
FLUSH_EVERY = 1.0
BATCH = 10_000  # distinct rows held before an early flush: a bound on memory, not a schedule


class ContentRequestRecord(NamedTuple):
    """What one access check asked and was told: everything recorded of it but its time."""

    merchant_id: int
    product_id: int
    customer_id: int | None
    outcome: str
    ip_address: str | None
    country_code: str | None
    device_type: str
    device_os: str | None
    referrer: str | None


COLUMNS = (*ContentRequestRecord._fields, "requested_at", "request_count")


class ContentLog:
    """Identical checks within one flush window — the same viewer, item, address, device, page and answer — are
    one row, stamped with the first one's time and counting them all: a player that asks again and again costs
    the database one row a second, not one per request."""

    def __init__(self) -> None:
        self._pending: dict[ContentRequestRecord, list[Any]] = {}  # record -> [first time, count]
        self._full = asyncio.Event()

    def record(self, entry: ContentRequestRecord, at: datetime) -> None:
        seen = self._pending.get(entry)
        if seen is not None:
            seen[1] += 1
            return
        self._pending[entry] = [at, 1]
        if len(self._pending) >= BATCH:
            self._full.set()

    async def flush(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Write what is buffered now; returns how many rows were written."""
        batch, self._pending = self._pending, {}
        self._full.clear()
        if not batch:
            return 0
        rows = [(*entry, first, count) for entry, (first, count) in batch.items()]
        try:
            async with transaction(sessions) as session:
                await repo.insert_content_requests(session, COLUMNS, rows)
        except Exception:
            log.exception("content_log.flush_failed", rows=len(rows))
            return 0
        return len(rows)

    async def run(self, sessions: async_sessionmaker[AsyncSession], stopping: Stopping) -> None:
        """Flush every second (sooner when full) until the stop is asked, then once more."""
        try:
            while not await stopping.pause(FLUSH_EVERY, or_until=self._full):
                await self.flush(sessions)
        finally:
            await self.flush(sessions)
