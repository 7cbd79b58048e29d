"""Real-time notifications in the core: announcing committed events (PostgreSQL NOTIFY, Redis, in-process on
SQLite), the hub that wakes a customer's streams, and the feed that reads them back after a gap, each once."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events import announce, outbox
from boxoffice.events import repository as outbox_repo
from boxoffice.identity.merchants import create_merchant
from boxoffice.kit import clock
from boxoffice.kit.db import async_url, create_engine, session_factory, transaction
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from boxoffice.webhooks import notifications_feed
from boxoffice.webhooks.hub import Subscription
from boxoffice.webhooks.notifications_relay import LISTENER_NAME, Notifications

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT = 20.0  # seconds a test waits for what must come


def on_postgres(settings: Settings) -> bool:
    return async_url(settings.database_url).get_backend_name() == "postgresql"


async def redis_or_skip() -> str:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (redis.RedisError, OSError) as exc:
        reason = f"Redis not reachable at {REDIS_URL} ({exc}); the Redis path is not tested"
        print(reason)
        pytest.skip(reason)
    finally:
        await client.aclose()
    return REDIS_URL


async def a_merchant(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with transaction(sessions) as session:
        merchant = await create_merchant(
            session,
            email=f"owner-{uuid.uuid4().hex[:8]}@publisher.example.com",
            password="merchant-pass-1",
            password_confirmation="merchant-pass-1",
            full_name="Publisher",
            sealer=Sealer([]),
        )
        return merchant.id


def a_customer() -> int:
    """Events name their customer by id without a foreign key: a random one is nobody else's, not even on a
    Redis that another test run shares."""
    return random.randint(10**8, 10**9)


async def record(sessions: async_sessionmaker[AsyncSession], *events: outbox.DomainEvent) -> list[str]:
    """Commit the events; their event ids, in order."""
    async with transaction(sessions) as session:
        await outbox.record(session, *events)
    async with sessions() as session:
        found = await outbox_repo.events_of(session, events[0].merchant_id, limit=10_000)
    return [event.event_id for event in found][-len(events) :]


def logout(merchant_id: int, customer_id: int | None, reason: str = "sessions_limit") -> outbox.DomainEvent:
    return outbox.DomainEvent(merchant_id, "account.logout", customer_id, {"reason": reason})


@contextlib.asynccontextmanager
async def running(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], merchant_id: int, customer_id: int
) -> AsyncIterator[tuple[Notifications, Subscription]]:
    """A process's notifications, with `sessions` wired as the app's are, and one customer's subscription made
    before its listener starts; returns once the listener listens."""
    notifications = Notifications(settings)
    notifications.wire(sessions)
    with notifications.hub.subscribe(merchant_id, customer_id) as subscription:
        listening = asyncio.create_task(notifications.run())
        try:
            if settings.redis_url or on_postgres(settings):
                # A listener that starts listening has every stream read back what it may have missed.
                assert await asyncio.wait_for(subscription.next(WAIT), WAIT) == ([], True)
            yield notifications, subscription
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
            await notifications.aclose()


async def announced(subscription: Subscription) -> list[str]:
    event_ids, lost = await asyncio.wait_for(subscription.next(WAIT), WAIT)
    assert event_ids and not lost
    return event_ids


def test_announcements_fit_in_postgres_payloads_and_read_back_in_order() -> None:
    told = [(7, 100 + n % 3, str(uuid.uuid4())) for n in range(500)] + [(8, 1, str(uuid.uuid4()))]
    payloads = announce.encode(told)
    assert len(payloads) > 1
    assert all(len(payload.encode()) < 8000 for payload in payloads)
    merged: dict[tuple[int, int], list[str]] = {}
    for payload in payloads:
        for key, event_ids in announce.decode(payload).items():
            merged.setdefault(key, []).extend(event_ids)
    expected: dict[tuple[int, int], list[str]] = {}
    for merchant_id, customer_id, event_id in told:
        expected.setdefault((merchant_id, customer_id), []).append(event_id)
    assert merged == expected
    with pytest.raises(ValueError):
        announce.decode(str(uuid.uuid4()))


async def test_a_commit_is_announced_once_committed_and_a_rollback_never(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """On PostgreSQL the commit NOTIFYs through an engine of its own, as another process's would; on SQLite the
    wired session factory tells the hub after the commit."""
    merchant_id, customer_id = await a_merchant(sessions), a_customer()
    async with running(settings, sessions, merchant_id, customer_id) as (_, subscription):
        with contextlib.suppress(RuntimeError):
            async with transaction(sessions) as session:
                await outbox.record(session, logout(merchant_id, customer_id, "rolled back"))
                raise RuntimeError("roll back")
        await record(sessions, logout(merchant_id, None))  # nobody's stream: not announced
        committed = await record(sessions, logout(merchant_id, customer_id), logout(merchant_id, customer_id))
        # Announcements arrive in commit order: the first to arrive is the committed one's.
        assert await announced(subscription) == committed


async def test_a_renewal_sized_batch_costs_one_statement_more_at_most(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    merchant_id, customer_id = await a_merchant(sessions), a_customer()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = sessions.kw["bind"].sync_engine
    async with running(settings, sessions, merchant_id, customer_id) as (_, subscription):
        others = [logout(merchant_id, a_customer()) for _ in range(499)]
        event.listen(engine, "before_cursor_execute", count)
        try:
            async with transaction(sessions) as session:
                await outbox.record(session, logout(merchant_id, customer_id), *others)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        notifies = [statement for statement in statements if "pg_notify" in statement]
        assert len(notifies) == (1 if on_postgres(settings) else 0)
        (mine,) = await announced(subscription)
        async with sessions() as session:
            assert await notifications_feed.position(session, merchant_id, customer_id, mine) is not None


async def test_the_postgres_listener_reconnects_and_streams_read_back(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    if not on_postgres(settings):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    merchant_id, customer_id = await a_merchant(sessions), a_customer()
    async with running(settings, sessions, merchant_id, customer_id) as (_, subscription):
        async with sessions() as session:
            killed = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": LISTENER_NAME},
            )
        assert killed == 1
        # Listening again, it has every stream read back what was committed while it was away.
        assert await asyncio.wait_for(subscription.next(WAIT), WAIT) == ([], True)
        committed = await record(sessions, logout(merchant_id, customer_id))
        assert await announced(subscription) == committed


async def test_over_redis_a_commit_in_one_process_reaches_another(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    settings = settings.model_copy(update={"redis_url": await redis_or_skip()})
    merchant_id, customer_id = await a_merchant(sessions), a_customer()
    async with running(settings, sessions, merchant_id, customer_id) as (app, subscription):
        # Another process committing (a worker): an engine and notifications of its own, which only publish.
        engine = create_engine(settings.database_url)
        worker_sessions = session_factory(engine)
        worker = Notifications(settings)
        worker.wire(worker_sessions)
        try:
            with contextlib.suppress(RuntimeError):
                async with transaction(worker_sessions) as session:
                    await outbox.record(session, logout(merchant_id, customer_id, "rolled back"))
                    raise RuntimeError("roll back")
            committed = await record(worker_sessions, logout(merchant_id, customer_id))
        finally:
            await worker.aclose()
            await engine.dispose()
        assert await announced(subscription) == committed
        assert app.hub is not worker.hub


async def test_a_stream_reads_back_from_where_it_was_then_follows_each_event_once(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    merchant_id, customer_id = await a_merchant(sessions), a_customer()
    told = ("account.logout",)
    first, missed = await record(sessions, logout(merchant_id, customer_id, "1"), logout(merchant_id, customer_id, "2"))
    async with running(settings, sessions, merchant_id, customer_id) as (notifications, subscription):
        async with sessions() as session:
            after = await notifications_feed.position(session, merchant_id, customer_id, first)
            assert await notifications_feed.position(session, merchant_id, a_customer(), first) is None
        stream = notifications_feed.follow(
            sessions, subscription, merchant_id, customer_id, types=told, after=after, idle=WAIT
        )

        async def next_events() -> list[Any]:
            batch = await asyncio.wait_for(anext(stream), WAIT)
            return [(event.event_id, event.resource["reason"]) for event in batch.events]

        assert await next_events() == []  # set up
        assert await next_events() == [(missed, "2")]
        other_type = outbox.DomainEvent(merchant_id, "customer.updated", customer_id, {})
        live = await record(sessions, other_type, logout(merchant_id, customer_id, "3"))
        assert await next_events() == [(live[1], "3")]
        # Announced again (or read back again) an event is not sent again.
        notifications.hub.tell([(merchant_id, customer_id, missed)])
        latest = await record(sessions, logout(merchant_id, customer_id, "4"))
        assert await next_events() == [(latest[0], "4")]
        # Written without an announcement, then the stream told it may have missed some: it reads them back.
        async with transaction(sessions) as session:
            unannounced = str(uuid.uuid4())
            row = {"event_id": unannounced, "type": "account.logout", "customer_id": customer_id}
            await outbox_repo.insert_events(
                session, [row | {"merchant_id": merchant_id, "resource": {"reason": "5"}, "created_at": clock.now()}]
            )
        notifications.hub.resync()
        assert await next_events() == [(unannounced, "5")]
        await stream.aclose()
