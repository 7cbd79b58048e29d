"""How announcements travel between processes, chosen once per process from its settings:

* Redis configured (`BOXOFFICE_REDIS_URL`): commits are published on Redis after they commit, and every app
  process subscribes there;
* else PostgreSQL: commits NOTIFY in their own transaction (see `announce`), and every app process LISTENs on a
  dedicated connection of its own, reconnecting with backoff when it drops;
* else SQLite, which serves one process: commits go straight to that process's hub.

Whenever a listener (re)connects, every stream of the process reads back what it may have missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import TYPE_CHECKING

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events import announce
from boxoffice.kit.db import async_url
from boxoffice.kit.settings import Settings
from boxoffice.webhooks import notifications_repository as repo
from boxoffice.webhooks.hub import Hub

if TYPE_CHECKING:
    import redis.asyncio as redis

log = structlog.get_logger(__name__)
# A listening connection is asked for a round trip this often, so that one silently cut off is noticed.
PROBE_EVERY = 10.0
PROBE_TIMEOUT = 5.0
MAX_BACKOFF = 30.0
# How the listening connection shows in `pg_stat_activity`.
LISTENER_NAME = "boxoffice-notifications"
# Payloads waiting to be published on Redis; beyond this (Redis unreachable for long) they are dropped, and
# streams read back what they missed when their listener reconnects.
PUBLISH_BACKLOG = 10_000


class Notifications:
    """This process's side of real-time notifications: the hub its streams subscribe to, how its own commits
    are announced, and how it hears those of every process."""

    def __init__(self, settings: Settings) -> None:
        self.hub = Hub()
        self._database_url = settings.database_url
        self._postgres = async_url(settings.database_url).get_backend_name() == "postgresql"
        self._redis = RedisRelay(settings.redis_url) if settings.redis_url else None

    def wire(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Have commits made through `sessions` announced (on PostgreSQL without Redis they NOTIFY anyway)."""
        if self._redis is not None:
            announce.announce_through(sessions, self._redis.send)
        elif not self._postgres:
            announce.announce_through(sessions, self.hub.tell)

    async def run(self) -> None:
        """Hear announcements from every process until cancelled."""
        if self._redis is not None:
            await self._redis.listen(self.hub)
        elif self._postgres:
            await listen_postgres(self.hub, self._database_url)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


async def listen_postgres(hub: Hub, database_url: str) -> None:
    dsn = async_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    failures = 0
    while True:
        try:
            connection = await asyncpg.connect(dsn, server_settings={"application_name": LISTENER_NAME})
        except Exception as exc:  # down, refused, restarting: try again
            log.warning("notifications.listener_unconnected", error=str(exc) or type(exc).__name__)
        else:
            failures = 0
            try:
                await _listen(hub, connection)
            except Exception as exc:  # whatever cut it off, listen again
                log.warning("notifications.listener_failed", error=str(exc) or type(exc).__name__)
            finally:
                connection.terminate()
        failures += 1
        await _pause(failures)


async def _listen(hub: Hub, connection: asyncpg.Connection) -> None:
    """Until the connection ends: each NOTIFY wakes the hub."""
    closed = asyncio.Event()
    connection.add_termination_listener(lambda _connection: closed.set())
    await connection.add_listener(announce.CHANNEL, lambda _c, _pid, _channel, payload: hub.deliver(payload))
    hub.resync()
    while True:
        try:
            await asyncio.wait_for(closed.wait(), PROBE_EVERY)
            return
        except TimeoutError:
            await asyncio.wait_for(repo.probe(connection), PROBE_TIMEOUT)


class RedisRelay:
    def __init__(self, url: str) -> None:
        # Only here: the client is the `redis` extra's, installed where BOXOFFICE_REDIS_URL is set.
        import redis.asyncio as redis

        self._client: redis.Redis = redis.Redis.from_url(url, socket_keepalive=True)
        self._backlog: asyncio.Queue[str] = asyncio.Queue(PUBLISH_BACKLOG)
        self._publisher: asyncio.Task[None] | None = None

    def send(self, told: list[announce.Told]) -> None:
        """An `announce.Sink`: queued here, published in commit order by one task."""
        try:
            self._backlog.put_nowait(" ".join(announce.encode(told)))
        except asyncio.QueueFull:
            log.warning("notifications.publish_backlog_full")
            return
        if self._publisher is None:
            self._publisher = asyncio.get_running_loop().create_task(self._publish(), name="boxoffice-announcer")

    async def _publish(self) -> None:
        while True:
            payload = await self._backlog.get()
            try:
                await self._client.publish(announce.CHANNEL, payload)
            except Exception as exc:  # a stream that misses it reads it back when its listener reconnects
                log.warning("notifications.publish_failed", error=str(exc) or type(exc).__name__)
            finally:
                self._backlog.task_done()

    async def listen(self, hub: Hub) -> None:
        failures = 0
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(announce.CHANNEL)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":  # also after the client reconnected by itself
                            hub.resync()
                            failures = 0
                        elif message["type"] == "message":
                            hub.deliver(message["data"].decode())
            except Exception as exc:  # whatever cut it off, subscribe again
                log.warning("notifications.subscriber_failed", error=str(exc) or type(exc).__name__)
            failures += 1
            await _pause(failures)

    async def aclose(self) -> None:
        if self._publisher is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._backlog.join(), PROBE_TIMEOUT)  # what committed is still told
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher
        await self._client.aclose()


async def _pause(failures: int) -> None:
    await asyncio.sleep(min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 10)) * random.uniform(0.5, 1.0))
