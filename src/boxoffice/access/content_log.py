"""The content-request log: every access check, granted or refused, recorded for analytics off the hot path.

Checks append to an in-memory buffer; a background task writes the buffer in one batch every second (or sooner
when it fills). A crash loses at most the last second of records — acceptable for statistics, and it keeps a
database write out of every playback request.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import NamedTuple

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as repo
from boxoffice.db import transaction

log = structlog.get_logger(__name__)
FLUSH_EVERY = 1.0
BATCH = 1000


class ContentRequestRecord(NamedTuple):
    """One row of `content_requests`, its fields in the table's column order (a tuple: cheap to make per play,
    and what COPY takes as it is)."""

    merchant_id: int
    product_id: int
    customer_id: int | None
    requested_at: datetime
    outcome: str
    ip_address: str | None
    country_code: str | None
    device_type: str
    device_os: str | None
    referrer: str | None


class ContentLog:
    def __init__(self) -> None:
        self._buffer: list[ContentRequestRecord] = []
        self._full = asyncio.Event()

    def record(self, entry: ContentRequestRecord) -> None:
        self._buffer.append(entry)
        if len(self._buffer) >= BATCH:
            self._full.set()

    async def flush(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Write what is buffered now; returns how many records were written."""
        batch, self._buffer = self._buffer, []
        self._full.clear()
        if not batch:
            return 0
        try:
            async with transaction(sessions) as session:
                await repo.insert_content_requests(session, ContentRequestRecord._fields, batch)
        except Exception:
            log.exception("content_log.flush_failed", records=len(batch))
            return 0
        return len(batch)

    async def run(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Flush every second until cancelled, then once more."""
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), timeout=FLUSH_EVERY)
                await self.flush(sessions)
        finally:
            await self.flush(sessions)
