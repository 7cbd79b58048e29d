"""One customer's events for a notification stream: first those after the event it saw last, then each as it
commits, every one once, loaded a batch at a time together with what they are about."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events.models import Event
from boxoffice.webhooks import notifications_repository as repo
from boxoffice.webhooks.hub import Subscription
from boxoffice.webhooks.subjects import Subjects, load_subjects

PAGE = 500
# Event ids a stream remembers having sent, so that one both read back and announced is sent once.
REMEMBERED = 2048


@dataclass(frozen=True, slots=True)
class Batch:
    events: Sequence[Event] = ()
    subjects: Subjects = field(default_factory=Subjects)


async def position(session: AsyncSession, merchant_id: int, customer_id: int, event_id: str) -> int | None:
    """Where in the customer's events a stream resumes after `event_id`; None if it is not one of them."""
    return await repo.event_position(session, merchant_id, customer_id, event_id)


async def follow(
    sessions: async_sessionmaker[AsyncSession],
    subscription: Subscription,
    merchant_id: int,
    customer_id: int,
    *,
    types: Collection[str],
    after: int | None,
    idle: float,
) -> AsyncIterator[Batch]:
    """The customer's events of `types` committed after position `after` (None: from now on), for a stream
    already subscribed. An empty batch says the stream is set up (first) or has been quiet for `idle` seconds."""
    reader = _Reader(sessions, merchant_id, customer_id, types)
    read_back = after is not None
    reader.cursor = after if after is not None else await reader.latest()
    yield Batch()
    while True:
        if read_back:
            async for batch in reader.read_back():
                yield batch
        event_ids, read_back = await subscription.next(idle)
        if event_ids:
            batch = await reader.named(event_ids)
            if batch.events:
                yield batch
        elif not read_back:
            yield Batch()


class _Reader:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], merchant_id: int, customer_id: int, types: Collection[str]
    ) -> None:
        self.sessions, self.merchant_id, self.customer_id, self.types = sessions, merchant_id, customer_id, types
        self.cursor = 0  # the outbox id of the latest event read
        self._sent: set[str] = set()
        self._order: deque[str] = deque()

    async def latest(self) -> int:
        async with self.sessions() as session:
            return await repo.latest_event_id(session, self.merchant_id, self.customer_id)

    async def read_back(self) -> AsyncIterator[Batch]:
        while True:
            async with self.sessions() as session:
                events = await repo.events_after(
                    session, self.merchant_id, self.customer_id, self.cursor, self.types, PAGE
                )
                batch = await self._batch(session, events)
            if batch.events:
                yield batch
            if len(events) < PAGE:
                return

    async def named(self, event_ids: Collection[str]) -> Batch:
        async with self.sessions() as session:
            events = await repo.events_named(session, self.merchant_id, self.customer_id, event_ids, self.types)
            return await self._batch(session, events)

    async def _batch(self, session: AsyncSession, events: Sequence[Event]) -> Batch:
        fresh = [event for event in events if event.event_id not in self._sent]
        if events:
            self.cursor = max(self.cursor, events[-1].id)
        for event in fresh:
            if len(self._order) == REMEMBERED:
                self._sent.discard(self._order.popleft())
            self._order.append(event.event_id)
            self._sent.add(event.event_id)
        return Batch(fresh, await load_subjects(session, fresh)) if fresh else Batch()
