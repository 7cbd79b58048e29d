"""This process's notification streams, by the customer they belong to, and waking them when events commit; and
whatever else in the process wants to hear of every commit of events (the webhook sender, to dispatch them).

A stream subscribes before it reads anything, then waits on its subscription for the ids of its customer's
newly committed events. A subscription that may have missed an announcement (its queue overflowed, or the
listener was reconnecting) is marked `lost`: its stream reads back from the last event it sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence

import structlog

from boxoffice.events import announce

log = structlog.get_logger(__name__)
# Announcements a stream may fall behind by before it reads back from the outbox instead.
QUEUE_SIZE = 256

Key = tuple[int, int]  # (merchant id, customer id)


class Subscription:
    def __init__(self) -> None:
        self.lost = False
        self._queue: asyncio.Queue[Sequence[str]] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, event_ids: Sequence[str]) -> None:
        try:
            self._queue.put_nowait(event_ids)
        except asyncio.QueueFull:
            self.lost = True  # a full queue wakes its reader anyway

    def mark_lost(self) -> None:
        self.lost = True
        self.offer(())  # to wake the reader

    async def next(self, idle: float) -> tuple[list[str], bool]:
        """The event ids announced since the last call, and whether some may have been missed; ([], False)
        after `idle` seconds without either."""
        try:
            first = await asyncio.wait_for(self._queue.get(), idle)
        except TimeoutError:
            return [], False
        event_ids = list(first)
        while not self._queue.empty():
            event_ids.extend(self._queue.get_nowait())
        lost, self.lost = self.lost, False
        return event_ids, lost


class Hub:
    def __init__(self) -> None:
        self._subscriptions: dict[Key, set[Subscription]] = {}
        self._watchers: list[Callable[[], None]] = []

    def watch(self, committed: Callable[[], None]) -> None:
        """Have `committed` called at every announcement, whosever events it names, and whenever some may have
        been missed."""
        self._watchers.append(committed)

    def _tell_watchers(self) -> None:
        for committed in self._watchers:
            committed()

    @contextlib.contextmanager
    def subscribe(self, merchant_id: int, customer_id: int) -> Iterator[Subscription]:
        key = (merchant_id, customer_id)
        subscription = Subscription()
        self._subscriptions.setdefault(key, set()).add(subscription)
        try:
            yield subscription
        finally:
            held = self._subscriptions[key]
            held.discard(subscription)
            if not held:
                del self._subscriptions[key]

    def tell(self, told: Sequence[announce.Told]) -> None:
        """Announcements of this process's own commits (an `announce.Sink`)."""
        self._tell_watchers()
        by_customer: dict[Key, list[str]] = {}
        for merchant_id, customer_id, event_id in told:
            by_customer.setdefault((merchant_id, customer_id), []).append(event_id)
        for key, event_ids in by_customer.items():
            self._wake(key, event_ids)

    def deliver(self, payload: str) -> None:
        """An announcement from another process, as `announce.encode` wrote it."""
        self._tell_watchers()
        try:
            told = announce.decode(payload)
        except ValueError:
            log.warning("notifications.unreadable_announcement", payload=payload[:200])
            return
        for key, event_ids in told.items():
            self._wake(key, event_ids)

    def resync(self) -> None:
        """Announcements may have been missed (the listener was away): every stream reads back what it lacks."""
        self._tell_watchers()
        for held in self._subscriptions.values():
            for subscription in held:
                subscription.mark_lost()

    def _wake(self, key: Key, event_ids: Sequence[str]) -> None:
        for subscription in self._subscriptions.get(key, ()):
            subscription.offer(event_ids)
