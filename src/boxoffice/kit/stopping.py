"""A stop asked once and heard by every background loop, so that each ends between two pieces of work.

Cancelling a loop instead can interrupt it inside a transaction: the statement still runs in the driver's thread
while the task that would commit or roll it back is gone, and on SQLite the write lock it took can outlive the
process's shutdown. So loops pause on `Stopping.pause` and return when it says so; cancellation stays the last
resort for a loop that does not end within its grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection

import structlog

log = structlog.get_logger(__name__)


class Stopping:
    def __init__(self) -> None:
        self._asked = asyncio.Event()

    def request(self) -> None:
        self._asked.set()

    @property
    def requested(self) -> bool:
        return self._asked.is_set()

    async def pause(self, seconds: float, *, or_until: asyncio.Event | None = None) -> bool:
        """Wait `seconds`, or less when the stop is asked (or `or_until` is set); True when the loop should end."""
        waits = [asyncio.ensure_future(self._asked.wait())]
        if or_until is not None:
            waits.append(asyncio.ensure_future(or_until.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self.requested


async def stop_all(stopping: Stopping, tasks: Collection[asyncio.Task[None]], grace: float) -> None:
    """Ask every loop to stop, give them `grace` seconds to end by themselves, then cancel the rest."""
    stopping.request()
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=grace)
    for task in late:
        log.warning("shutdown.cancelled_after_grace", task=task.get_name(), grace_seconds=grace)
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
