"""The delivery engine's queries. They span every merchant (a worker serves them all), so each says so with
`cross_tenant` and joins on `merchant_id` wherever two tenant tables meet."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.expression import Executable, TableValuedAlias
from sqlalchemy.types import TypeEngine

from boxoffice.events.models import Event
from boxoffice.identity.models import Merchant
from boxoffice.kit.db import Base
from boxoffice.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

_CROSS = {"cross_tenant": True}


@dataclass(frozen=True, slots=True)
class Claimed:
    """What dispatching needs of an event: who it goes to, and whether it may send an e-mail."""

    id: int
    merchant_id: int
    type: str
    customer_id: int | None
    created_at: datetime


async def claim_undispatched(session: AsyncSession, limit: int, now: datetime) -> list[Claimed]:
    """The oldest events not yet dispatched, marked dispatched at `now` in the caller's transaction, in one
    statement; on PostgreSQL the rows another worker is claiming are skipped, not waited for."""
    oldest = select(Event.id).where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    connection = await session.connection()
    claimed = await connection.execute(
        update(Event)
        .where(Event.id.in_(oldest.scalar_subquery()))
        .values(dispatched_at=now)
        .returning(Event.id, Event.merchant_id, Event.type, Event.customer_id, Event.created_at),
        execution_options=_CROSS,
    )
    return sorted((Claimed(*row) for row in claimed), key=lambda event: event.id)


async def events_by_id(session: AsyncSession, event_ids: Collection[int]) -> Sequence[Event]:
    if not event_ids:
        return []
    query = select(Event).where(Event.id.in_(event_ids)).order_by(Event.id)
    rows = await session.scalars(query, execution_options=_CROSS)
    return rows.all()


async def enabled_endpoints(session: AsyncSession, merchant_ids: Collection[int]) -> Sequence[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.merchant_id.in_(merchant_ids), WebhookEndpoint.enabled.is_(True)
    )
    rows = await session.scalars(query, execution_options=_CROSS)
    return rows.all()


class _Batch:
    """Rows to write in one statement, given column by column. PostgreSQL reads them as one table of an array per
    column (`unnest`): one statement, bound and planned once however many rows, where an executemany runs it once
    per row. SQLite has no arrays and runs in this process: it is given the rows as an executemany."""

    def __init__(self, connection: AsyncConnection, **columns: tuple[TypeEngine[Any], Sequence[Any]]) -> None:
        self.connection = connection
        self.names = list(columns)
        self.table: TableValuedAlias | None = None
        self.rows: list[dict[str, Any]] = []
        if connection.dialect.name == "postgresql":
            arrays = (bindparam(None, list(values), type_=ARRAY(kind)) for kind, values in columns.values())
            self.table = func.unnest(*arrays).table_valued(*self.names).render_derived()
        else:
            values = (values for _, values in columns.values())
            self.rows = [dict(zip(self.names, row, strict=True)) for row in zip(*values, strict=True)]

    def __getitem__(self, name: str) -> ColumnElement[Any]:
        """The column `name` of the rows, in the statement that writes them."""
        return self.table.c[name] if self.table is not None else bindparam(name)

    async def execute(self, statement: Executable) -> None:
        await self.connection.execute(statement, self.rows or None, execution_options=_CROSS)

    async def insert(self, model: type[Base], **constants: Any) -> None:
        """Insert the rows, each with `constants` besides its own columns."""
        if self.table is None:
            await self.connection.execute(
                insert(model), [row | constants for row in self.rows], execution_options=_CROSS
            )
            return
        types = model.__table__.c
        made = select(*(self[n] for n in self.names), *(literal(v, types[k].type) for k, v in constants.items()))
        await self.execute(insert(model).from_select([*self.names, *constants], made))


async def insert_deliveries(session: AsyncSession, deliveries: Sequence[tuple[int, int, int]], now: datetime) -> None:
    """New deliveries, due now: each a (merchant id, endpoint id, event id)."""
    if not deliveries:
        return
    merchant_ids, endpoint_ids, event_ids = zip(*deliveries, strict=True)
    batch = _Batch(
        await session.connection(),
        merchant_id=(BigInteger(), merchant_ids),
        endpoint_id=(BigInteger(), endpoint_ids),
        event_id=(BigInteger(), event_ids),
    )
    await batch.insert(WebhookDelivery, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A due delivery, with what its request is made of should it be leased."""

    delivery_id: int
    merchant_id: int
    endpoint_id: int
    created_at: datetime
    attempts: int
    failing: bool  # the endpoint's last attempt failed: it gets one probe at a time
    url: str
    secret: str
    event: Event


async def due_deliveries(
    session: AsyncSession, now: datetime, busy_endpoints: Collection[int], limit: int
) -> Sequence[Candidate]:
    """Pending deliveries due now and not out on a lease, to enabled endpoints not in backoff and not already at
    their share, oldest first. On PostgreSQL they stay locked until the caller's transaction ends, and those another
    worker is leasing are skipped rather than waited for."""
    due = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.merchant_id,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.event_id,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.created_at,
            WebhookDelivery.attempts,
            WebhookEndpoint.consecutive_failures,
            WebhookEndpoint.url,
        )
        .join(
            WebhookEndpoint,
            and_(
                WebhookEndpoint.id == WebhookDelivery.endpoint_id,
                WebhookEndpoint.merchant_id == WebhookDelivery.merchant_id,
            ),
        )
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            _unleased(now),
            WebhookEndpoint.enabled.is_(True),
            or_(WebhookEndpoint.retry_at.is_(None), WebhookEndpoint.retry_at <= now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if busy_endpoints:
        due = due.where(WebhookDelivery.endpoint_id.not_in(busy_endpoints))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(of=WebhookDelivery, skip_locked=True)
    # The events and secrets are joined to the few deliveries chosen, not before: joined to every due delivery,
    # a backlog would be sorted whole on each lease.
    chosen = due.subquery()
    query = (
        select(
            chosen.c.id,
            chosen.c.merchant_id,
            chosen.c.endpoint_id,
            chosen.c.created_at,
            chosen.c.attempts,
            chosen.c.consecutive_failures,
            chosen.c.url,
            Merchant.client_secret,
            Event,
        )
        .join(Event, and_(Event.id == chosen.c.event_id, Event.merchant_id == chosen.c.merchant_id))
        .join(Merchant, Merchant.id == chosen.c.merchant_id)
        .order_by(chosen.c.next_attempt_at, chosen.c.id)
    )
    rows = await session.execute(query, execution_options=_CROSS)
    return [
        Candidate(delivery_id, merchant_id, endpoint_id, created_at, attempts, failures > 0, url, secret, event)
        for delivery_id, merchant_id, endpoint_id, created_at, attempts, failures, url, secret, event in rows
    ]


def _unleased(now: datetime) -> ColumnElement[bool]:
    return or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now)


async def lease(session: AsyncSession, delivery_ids: Sequence[int], now: datetime, until: datetime) -> set[int]:
    """Lease the deliveries no other worker has leased meanwhile (on PostgreSQL none can have: `due_deliveries`
    locked them), until `until`.

    Only `leased_until` changes, a column no index covers, so PostgreSQL writes the new row version beside the old
    one without touching an index; and the rows are found by their primary key alone: a condition on the queue's
    columns would let the planner walk the queue instead, whose size it may badly underestimate."""
    if not delivery_ids:
        return set()
    connection = await session.connection()
    leased = await connection.scalars(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(delivery_ids), _unleased(now))
        .values(leased_until=until)
        .returning(WebhookDelivery.id),
        execution_options=_CROSS,
    )
    return set(leased.all())


@dataclass(frozen=True, slots=True)
class Recorded:
    """A delivery's state once an attempt's outcome is known."""

    delivery_id: int
    status: DeliveryStatus
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


async def record_deliveries(session: AsyncSession, recorded: Sequence[Recorded]) -> None:
    """One statement for a batch of outcomes: each delivery's new state, one attempt more, and its lease ended."""
    if not recorded:
        return
    batch = _Batch(
        await session.connection(),
        delivery_id=(BigInteger(), [r.delivery_id for r in recorded]),
        status=(String(), [r.status.value for r in recorded]),
        next_attempt_at=(DateTime(), [r.next_attempt_at for r in recorded]),
        last_status_code=(Integer(), [r.last_status_code for r in recorded]),
        last_error=(Text(), [r.last_error for r in recorded]),
        delivered_at=(DateTime(), [r.delivered_at for r in recorded]),
    )
    statement = (
        update(WebhookDelivery)
        .where(WebhookDelivery.id == batch["delivery_id"])
        .values(
            status=batch["status"],
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=batch["next_attempt_at"],
            leased_until=None,
            last_status_code=batch["last_status_code"],
            last_error=batch["last_error"],
            delivered_at=batch["delivered_at"],
        )
    )
    await batch.execute(statement)


@dataclass(frozen=True, slots=True)
class Attempted:
    """One request made, for the delivery log."""

    merchant_id: int
    delivery_id: int
    attempted_at: datetime
    status_code: int | None
    response_excerpt: str | None
    error: str | None
    duration_ms: int


async def insert_attempts(session: AsyncSession, attempts: Sequence[Attempted]) -> None:
    if not attempts:
        return
    batch = _Batch(
        await session.connection(),
        merchant_id=(BigInteger(), [a.merchant_id for a in attempts]),
        delivery_id=(BigInteger(), [a.delivery_id for a in attempts]),
        attempted_at=(DateTime(), [a.attempted_at for a in attempts]),
        status_code=(Integer(), [a.status_code for a in attempts]),
        response_excerpt=(Text(), [a.response_excerpt for a in attempts]),
        error=(Text(), [a.error for a in attempts]),
        duration_ms=(Integer(), [a.duration_ms for a in attempts]),
    )
    await batch.insert(WebhookAttempt)


async def endpoints_to_judge(
    session: AsyncSession, endpoint_ids: Collection[int], failed: Collection[int]
) -> Sequence[WebhookEndpoint]:
    """Of the endpoints a batch of outcomes went to, those whose health changes: the ones that failed, and the
    ones failing until now. A healthy endpoint that answered stays as it is, and is not even locked."""
    # Locked in id order, so two workers recording at once never wait on each other in a cycle.
    query = (
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.id.in_(endpoint_ids),
            or_(WebhookEndpoint.consecutive_failures > 0, WebhookEndpoint.id.in_(failed)),
        )
        .order_by(WebhookEndpoint.id)
        .with_for_update()
    )
    rows = await session.scalars(query, execution_options=_CROSS)
    return rows.all()


async def hurry_backed_off(session: AsyncSession, endpoint_id: int, merchant_id: int, now: datetime) -> None:
    """An endpoint that answers again gets what waited on its backoff now, not hours later."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.merchant_id == merchant_id,
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.attempts > 0,
            WebhookDelivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
