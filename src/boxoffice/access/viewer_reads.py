"""First checks that arrive together read their viewers together.

A live event's first minute is thousands of viewers pressing play at once, each check new. Read one by one, each
costs a round trip, a statement's planning and execution, and the driver's work on both ends, and those, not the
rows, are most of what a first check costs. So a first check does not send its read: it joins the reads waiting to
go for the same merchant and item, and one statement (`repository.viewers_with_entitlement`) answers them all.

Nothing waits on purpose. The reads asked for while the event loop runs its ready callbacks go out together at the
end of that turn; while `max_in_flight` statements are out, what is asked meanwhile waits for one of them to come
back and then goes out at once, as one. A quiet server therefore sends each read alone, as soon as it is asked,
and a busy one sends fewer, larger statements: the busier, the larger, up to `max_batch` pairs each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from boxoffice.access import repository as repo
from boxoffice.kit import clock

MAX_BATCH = 256
MAX_IN_FLIGHT = 4


@dataclass(slots=True)
class _Waiting:
    asks: list[tuple[int, int]] = field(default_factory=list)  # (session id, customer id)
    answers: list[asyncio.Future[repo.Viewer | None]] = field(default_factory=list)


class ViewerReads:
    """One per process: the viewers' reads waiting to go, per (merchant, products), and those out."""

    def __init__(self, readers: AsyncEngine, *, max_batch: int = MAX_BATCH, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.readers, self.max_batch, self.max_in_flight = readers, max_batch, max_in_flight
        self._waiting: dict[tuple[int, tuple[int, ...]], _Waiting] = {}
        self._out: set[asyncio.Task[None]] = set()
        self._sending_soon = False

    async def read(
        self, merchant_id: int, session_id: int, customer_id: int, product_ids: Sequence[int]
    ) -> repo.Viewer | None:
        """What `repository.viewers_with_entitlement` reads of this one viewer, read with whoever asks meanwhile.
        The caller must hold no connection of the readers' pool while it waits: the read takes one."""
        loop = asyncio.get_running_loop()
        key = (merchant_id, tuple(product_ids))
        waiting = self._waiting.get(key)
        if waiting is None:
            waiting = self._waiting[key] = _Waiting()
        answer: asyncio.Future[repo.Viewer | None] = loop.create_future()
        waiting.asks.append((session_id, customer_id))
        waiting.answers.append(answer)
        if not self._sending_soon:
            self._sending_soon = True
            loop.call_soon(self._send)
        return await answer

    def _send(self) -> None:
        self._sending_soon = False
        while self._waiting and len(self._out) < self.max_in_flight:
            key, waiting = next(iter(self._waiting.items()))
            asks, answers = waiting.asks[: self.max_batch], waiting.answers[: self.max_batch]
            del waiting.asks[: self.max_batch], waiting.answers[: self.max_batch]
            # What is left of it waits behind the other items' reads: one item's crowd doesn't starve another's.
            del self._waiting[key]
            if waiting.asks:
                self._waiting[key] = waiting
            task = asyncio.create_task(self._read_together(key, asks, answers))
            self._out.add(task)
            task.add_done_callback(self._came_back)

    def _came_back(self, task: asyncio.Task[None]) -> None:
        self._out.discard(task)
        if self._waiting and not self._sending_soon:
            self._sending_soon = True
            asyncio.get_running_loop().call_soon(self._send)

    async def _read_together(
        self,
        key: tuple[int, tuple[int, ...]],
        asks: list[tuple[int, int]],
        answers: list[asyncio.Future[repo.Viewer | None]],
    ) -> None:
        merchant_id, product_ids = key
        try:
            async with self.readers.connect() as connection:
                found = await repo.viewers_with_entitlement(connection, merchant_id, asks, product_ids, clock.now())
        except asyncio.CancelledError:
            for answer in answers:  # the server is stopping: so do the checks waiting for this read
                answer.cancel()
            raise
        except Exception as error:
            # Each waiting check sees the failure as its own read would have shown it (a dropped connection
            # included, which each then asks again).
            for answer in answers:
                if not answer.done():
                    answer.set_exception(error)
            return
        for answer, viewer in zip(answers, found, strict=True):
            if not answer.done():  # a check whose client went away stops waiting
                answer.set_result(viewer)
