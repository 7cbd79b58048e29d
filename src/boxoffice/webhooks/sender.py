"""Posting deliveries: many requests in flight, none of them able to hold up the rest.

A worker leases due deliveries (a lease outlives the request timeout, so a worker that dies mid-request leaves
them due again: a redelivery with the same id, never a lost event), sends them concurrently, and records the
outcomes in batches. Each endpoint gets at most `webhooks_per_endpoint` requests in flight — a slow or hanging
receiver fills its own share, never the others' — and an endpoint whose last attempt failed gets one probe at a
time on a backoff of its own, not a request per pending event.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

import aiohttp
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from boxoffice.kit.stopping import Stopping
from boxoffice.webhooks import deliveries_repository as repo
from boxoffice.webhooks.addresses import Refused, connector
from boxoffice.webhooks.dispatch import dispatch_events
from boxoffice.webhooks.formats import WireFormat
from boxoffice.webhooks.outcomes import Outcome, Request, record_outcomes
from boxoffice.webhooks.signatures import standard_webhook_headers

log = structlog.get_logger(__name__)
EXCERPT = 1024  # bytes of a receiver's answer kept in the delivery log


class Sender:
    def __init__(self, factory: async_sessionmaker[AsyncSession], settings: Settings, wire: WireFormat) -> None:
        self.factory, self.settings, self.wire = factory, settings, wire
        self._http: aiohttp.ClientSession | None = None
        self.lease = timedelta(seconds=settings.webhooks_timeout + 60)
        self.in_flight: Counter[int] = Counter()
        # Failing endpoints whose probe is out and not yet recorded: no second probe before its outcome is known.
        self.probing: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.outcomes: list[Outcome] = []
        self.wake = asyncio.Event()

    async def start_due(self) -> int:
        """Lease and start as many due deliveries as there is room for; returns how many started."""
        started = 0
        while free := self.settings.webhooks_concurrency - len(self.tasks):
            requests = await self._lease(free)
            if not requests:
                break
            for request in requests:
                self.in_flight[request.endpoint_id] += 1
                task = asyncio.create_task(self._send(request))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            started += len(requests)
        return started

    def _share(self, candidate: repo.Candidate) -> int:
        if candidate.failing:
            return 0 if candidate.endpoint_id in self.probing else 1
        return self.settings.webhooks_per_endpoint - self.in_flight[candidate.endpoint_id]

    async def _lease(self, free: int) -> list[Request]:
        busy = {e for e, n in self.in_flight.items() if n >= self.settings.webhooks_per_endpoint} | self.probing
        async with self.factory() as session:
            async with session.begin():
                now = clock.now()
                candidates = await repo.due_deliveries(session, now, busy, limit=free)
                taken: Counter[int] = Counter()
                picked = []
                for candidate in candidates:
                    if taken[candidate.endpoint_id] < self._share(candidate):
                        taken[candidate.endpoint_id] += 1
                        picked.append(candidate)
                leased = await repo.lease(session, [c.delivery_id for c in picked], now, now + self.lease)
                taken_ids = set(leased)
                self.probing |= {c.endpoint_id for c in picked if c.failing and c.delivery_id in taken_ids}
            if not leased:
                return []
            async with session.begin():
                outgoing = await repo.outgoing(session, leased)
                bodies = await self.wire.bodies(session, [o.event for o in outgoing])
        return [self._request(o, bodies[o.event.id]) for o in outgoing]

    def _request(self, outgoing: repo.Outgoing, body: bytes) -> Request:
        delivery, event = outgoing.delivery, outgoing.event
        headers = self.wire.headers(body, outgoing.secret)
        headers |= standard_webhook_headers(event.event_id, int(clock.now().timestamp()), body, outgoing.secret)
        return Request(
            delivery_id=delivery.id,
            merchant_id=delivery.merchant_id,
            endpoint_id=delivery.endpoint_id,
            created_at=delivery.created_at,  # the retry window runs from the delivery (a replay has its own)
            attempts=delivery.attempts,
            url=outgoing.url,
            headers=headers,
            body=body,
        )

    @property
    def http(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop. One connection per request in flight at most: an
        # endpoint's share of connections is its share of requests.
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=connector(
                    allow_private=self.settings.webhooks_allow_private,
                    limit=self.settings.webhooks_concurrency,
                    limit_per_host=self.settings.webhooks_per_endpoint,
                )
            )
        return self._http

    async def _send(self, request: Request) -> None:
        started_at, began = clock.now(), time.monotonic()
        status_code: int | None = None
        excerpt: str | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self.settings.webhooks_timeout):
                async with self.http.post(
                    request.url, data=request.body, headers=request.headers, allow_redirects=False
                ) as response:
                    status_code = response.status
                    excerpt = (await response.content.read(EXCERPT)).decode("utf-8", "replace")
        except TimeoutError:
            error = f"no answer within {self.settings.webhooks_timeout:g} s"
        except aiohttp.ClientConnectorError as exc:
            cause = exc.os_error
            error = f"refused: {cause}" if isinstance(cause, Refused) else f"connection failed: {_reason(cause)}"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            error = f"connection failed: {_reason(exc)}"
        finally:
            self.in_flight[request.endpoint_id] -= 1
        duration = int((time.monotonic() - began) * 1000)
        self.outcomes.append(Outcome(request, started_at, duration, status_code, excerpt, error))
        self.wake.set()

    async def record(self) -> int:
        """Write the outcomes gathered so far, in one transaction."""
        outcomes, self.outcomes = self.outcomes, []
        if outcomes:
            try:
                await record_outcomes(self.factory, self.settings, outcomes)
            finally:
                self.probing -= {o.request.endpoint_id for o in outcomes}
        return len(outcomes)

    async def run_until_idle(self) -> None:
        """Dispatch, send and record until nothing is due (tests and `boxoffice webhooks run`)."""
        while True:
            dispatched = await dispatch_events(self.factory)
            started = await self.start_due()
            if self.tasks:
                await asyncio.wait(set(self.tasks))
            recorded = await self.record()
            if not (dispatched or started or recorded):
                return

    async def run_forever(self, stopping: Stopping) -> None:
        """Dispatch, send and record until the stop is asked; `aclose` then settles what is in flight."""
        log.info("webhooks.sender_started")
        interval = self.settings.webhooks_poll_interval
        while not stopping.requested:
            try:
                self.wake.clear()
                busy = await dispatch_events(self.factory) + await self.start_due() + await self.record()
                if not busy:
                    await stopping.pause(interval, or_until=self.wake)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhooks.sender_error")
                await stopping.pause(interval)

    async def aclose(self) -> None:
        """Stop sending; what was in flight stays leased and is sent again once its lease runs out."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.record()
        if self._http is not None:
            await self._http.close()


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
