"""Posting deliveries: many requests in flight, none of them able to hold up the rest.

A worker leases due deliveries (a lease outlives the request timeout, so a worker that dies mid-request leaves
them due again: a redelivery with the same id, never a lost event), sends them concurrently, and records the
outcomes in batches. Each endpoint gets at most `webhooks_per_endpoint` requests in flight — a slow or hanging
receiver fills its own share, never the others' — and an endpoint whose last attempt failed gets one probe at a
time on a backoff of its own, not a request per pending event.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from boxoffice.kit import clock
from boxoffice.kit.addresses import Refused, connector
from boxoffice.kit.settings import Settings
from boxoffice.kit.stopping import Stopping
from boxoffice.webhooks import deliveries_repository as repo
from boxoffice.webhooks.dispatch import dispatch_events
from boxoffice.webhooks.formats import DEFAULT_WIRE, WireFormats
from boxoffice.webhooks.outcomes import Outcome, Request, record_outcomes
from boxoffice.webhooks.signatures import standard_webhook_headers

log = structlog.get_logger(__name__)
Sessions = Callable[[], AsyncSession]
EXCERPT = 1024  # bytes of a receiver's answer kept in the delivery log
# While requests are in flight, outcomes are recorded once this many have gathered or the first has waited this
# long (seconds).
RECORD_BATCH = 100
RECORD_LINGER = 0.05
# While requests are in flight, a lease waits up to this long (seconds) for room to lease several deliveries at once.
LEASE_LINGER = 0.02


class Sender:
    def __init__(self, factory: async_sessionmaker[AsyncSession], settings: Settings, wires: WireFormats) -> None:
        """`wires`: every wire format by its key; an endpoint naming one not there is posted in `DEFAULT_WIRE`."""
        self.factory, self.settings, self.wires = factory, settings, wires
        self.engine: AsyncEngine = factory.kw["bind"]
        self._http: aiohttp.ClientSession | None = None
        self.lease = timedelta(seconds=settings.webhooks_timeout + 60)
        self.in_flight: Counter[int] = Counter()
        # Failing endpoints whose probe is out and not yet recorded: no second probe before its outcome is known.
        self.probing: set[int] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.outcomes: list[Outcome] = []
        # What wakes each of `run_forever`'s loops: room for requests or deliveries to send; events to dispatch;
        # outcomes to record.
        self.wake = asyncio.Event()
        # The endpoints with due deliveries the last lease held back for want of a place (None: it may have left
        # any endpoint's due deliveries behind), so that only the end of a request they wait for wakes the next.
        self.waiting: set[int] | None = None
        self.dispatching = asyncio.Event()
        self.recording = asyncio.Event()

    async def start_due(self, sessions: Sessions | None = None) -> int:
        """Lease and start as many due deliveries as there is room for; returns how many started."""
        started = 0
        while free := self.settings.webhooks_concurrency - len(self.tasks):
            requests, more = await self._lease(sessions or self.factory, free)
            for request in requests:
                self.in_flight[request.endpoint_id] += 1
                task = asyncio.create_task(self._send(request))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            started += len(requests)
            if not (requests and more):
                break
        return started

    def _share(self, candidate: repo.Candidate) -> int:
        if candidate.failing:
            return 0 if candidate.endpoint_id in self.probing else 1
        return self.settings.webhooks_per_endpoint - self.in_flight[candidate.endpoint_id]

    async def _lease(self, sessions: Sessions, free: int) -> tuple[list[Request], bool]:
        """Up to `free` requests, leased, rendered and signed in one transaction; and whether more may be due
        (the query filled its limit, so some due deliveries may not have been looked at)."""
        busy = {e for e, n in self.in_flight.items() if n >= self.settings.webhooks_per_endpoint} | self.probing
        async with sessions() as session, session.begin():
            now = clock.now()
            candidates = await repo.due_deliveries(session, now, busy, limit=free)
            taken: Counter[int] = Counter()
            picked = []
            for candidate in candidates:
                if taken[candidate.endpoint_id] < self._share(candidate):
                    taken[candidate.endpoint_id] += 1
                    picked.append(candidate)
                else:
                    busy.add(candidate.endpoint_id)
            # Who waits for a request to end: every endpoint when there was no more room, else those held back.
            self.waiting = None if len(candidates) == free else busy
            leased = await repo.lease(session, [c.delivery_id for c in picked], now, now + self.lease)
            picked = sorted((c for c in picked if c.delivery_id in leased), key=lambda c: c.delivery_id)
            bodies: dict[str, dict[int, bytes]] = {}
            for wire in {self._wire(c) for c in picked}:
                events = {c.event.id: c.event for c in picked if self._wire(c) == wire}
                bodies[wire] = await self.wires[wire].bodies(session, list(events.values()))
        # Once the lease has committed: a probe counts as out only if it is really going to be sent.
        self.probing |= {c.endpoint_id for c in picked if c.failing}
        return [self._request(c, bodies[self._wire(c)][c.event.id]) for c in picked], len(candidates) == free

    def _wire(self, candidate: repo.Candidate) -> str:
        return candidate.wire if candidate.wire in self.wires else DEFAULT_WIRE

    def _request(self, candidate: repo.Candidate, body: bytes) -> Request:
        event = candidate.event
        headers = self.wires[self._wire(candidate)].headers(body, candidate.secret)
        headers |= standard_webhook_headers(event.event_id, int(clock.now().timestamp()), body, candidate.secret)
        return Request(
            delivery_id=candidate.delivery_id,
            merchant_id=candidate.merchant_id,
            endpoint_id=candidate.endpoint_id,
            created_at=candidate.created_at,  # the retry window runs from the delivery (a replay has its own)
            attempts=candidate.attempts,
            url=candidate.url,
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
        if self.waiting is None or request.endpoint_id in self.waiting:
            self.wake.set()  # its place may go to a delivery already due
        self.recording.set()

    async def record(self, sessions: Sessions | None = None) -> int:
        """Write the outcomes gathered so far, in one transaction."""
        outcomes, self.outcomes = self.outcomes, []
        if outcomes:
            try:
                await record_outcomes(sessions or self.factory, self.settings, outcomes)
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

    def events_committed(self) -> None:
        """New events may be waiting to be dispatched (an announcement of a commit): dispatch now rather than at
        the next poll."""
        self.dispatching.set()

    async def run_forever(self, stopping: Stopping) -> None:
        """Dispatch, send and record until the stop is asked; `aclose` then settles what is in flight.

        The three run side by side, each waking as soon as the others give it work: dispatched deliveries are
        leased at once, a finished request frees its place for the next and has its outcome recorded while
        other requests go out. Each also looks by itself every `webhooks_poll_interval` (retries coming due,
        events whose commit was not announced)."""
        log.info("webhooks.sender_started")
        async with asyncio.TaskGroup() as group:
            group.create_task(self._loop(stopping, self._dispatch, self.dispatching))
            group.create_task(self._loop(stopping, self._start, self.wake))
            group.create_task(self._loop(stopping, self._record, self.recording))

    async def _loop(self, stopping: Stopping, step: Callable[[Sessions], Awaitable[bool]], wake: asyncio.Event) -> None:
        """Run `step` again at once while it says there may be more, else when `wake` is set or the poll
        interval has passed.

        The loop keeps a connection of its own for its transactions, one after another: taken from the pool for
        each, it would be pinged each time (three round trips, as many as the transaction's own work). A
        connection that fails is dropped, and the next transaction takes another from the pool."""
        interval = self.settings.webhooks_poll_interval
        connection: AsyncConnection | None = None
        try:
            while not stopping.requested:
                try:
                    if connection is None:
                        connection = await self.engine.connect()
                    wake.clear()
                    if not await step(functools.partial(self.factory, bind=connection)):
                        await stopping.pause(interval, or_until=wake)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhooks.sender_error")
                    if connection is not None:
                        with contextlib.suppress(Exception):
                            await connection.invalidate()
                        connection = None
                    await stopping.pause(interval)
        finally:
            if connection is not None:
                await connection.close()

    async def _dispatch(self, sessions: Sessions) -> bool:
        if dispatched := await dispatch_events(sessions):
            self.wake.set()
        return dispatched > 0

    async def _start(self, sessions: Sessions) -> bool:
        # A lease of a few deliveries costs the database nearly what a lease of many does: while requests are in
        # flight, the ends of the next few make room for a batch (a quarter of the places, or what is free after
        # a short wait).
        deadline = asyncio.get_running_loop().time() + LEASE_LINGER
        batch = max(1, self.settings.webhooks_concurrency // 4)
        while self.tasks and self.settings.webhooks_concurrency - len(self.tasks) < batch:
            self.wake.clear()
            try:
                async with asyncio.timeout_at(deadline):
                    await self.wake.wait()
            except TimeoutError:
                break
        # It has started all there was room for: more only once a request ends or deliveries are dispatched.
        await self.start_due(sessions)
        return False

    async def _record(self, sessions: Sessions) -> bool:
        # More outcomes are on their way while requests are in flight: written together they cost the database
        # one transaction, not several. Nothing waits on the record meanwhile (a request's place was freed when
        # it ended).
        deadline = asyncio.get_running_loop().time() + RECORD_LINGER
        while self.outcomes and len(self.outcomes) < RECORD_BATCH and self.tasks:
            self.recording.clear()
            try:
                async with asyncio.timeout_at(deadline):
                    await self.recording.wait()
            except TimeoutError:
                break
        return await self.record(sessions) > 0

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
