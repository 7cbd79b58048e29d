"""The delivery engine's queries. They span every merchant (a worker serves them all), so each says so with
`cross_tenant` and joins on `merchant_id` wherever two tenant tables meet.

The statements the sender runs on every batch are built once, with their values as parameters: building one
anew (and its cache key) costs SQLAlchemy about as much as a batch's rows do."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Insert,
    Integer,
    Select,
    String,
    Text,
    Update,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.types import TypeEngine

from boxoffice.events.models import Event
from boxoffice.identity.models import Merchant
from boxoffice.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

_CROSS = {"cross_tenant": True}


def _locking(connection: AsyncConnection | AsyncSession) -> bool:
    """PostgreSQL locks the rows a worker picks, and skips those another worker has picked; SQLite has no row locks
    (it writes one transaction at a time)."""
    bind = connection.get_bind() if isinstance(connection, AsyncSession) else connection
    return bind.dialect.name == "postgresql"


# Batches of rows. PostgreSQL reads a batch as one table of an array per column (unnest): one statement, bound and
# planned once however many rows, where an executemany runs its statement once per row. SQLite has no arrays and
# runs in the worker's own process: it is given the rows as an executemany.

Source = Callable[[str], ColumnElement[Any]]


def _arrays(**types: TypeEngine[Any]) -> Source:
    """The columns of a batch read from one array parameter each, named as the columns are."""
    arrays = (bindparam(name, type_=ARRAY(kind)) for name, kind in types.items())
    table = func.unnest(*arrays).table_valued(*types).render_derived()
    return lambda name: table.c[name]


async def _write_batch(
    connection: AsyncConnection,
    statements: Mapping[bool, Insert | Update],
    rows: Sequence[Mapping[str, Any]],
    **constants: Any,
) -> None:
    """Run the batch's statement (arrays on PostgreSQL, else an executemany) over `rows`, each with `constants`."""
    arrays = _locking(connection)
    if arrays:
        parameters: Any = {name: [row[name] for row in rows] for name in rows[0]} | constants
    else:
        parameters = [dict(row) | constants for row in rows]
    await connection.execute(statements[arrays], parameters, execution_options=_CROSS)


# Dispatching.


@dataclass(frozen=True, slots=True)
class Claimed:
    """What dispatching needs of an event: who it goes to, and whether it may send an e-mail."""

    id: int
    merchant_id: int
    type: str
    customer_id: int | None
    created_at: datetime


def _claim_statement(locking: bool) -> Update:
    oldest = select(Event.id).where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(bindparam("limit"))
    if locking:
        oldest = oldest.with_for_update(skip_locked=True)
    return (
        update(Event)
        .where(Event.id.in_(oldest.scalar_subquery()))
        .values(dispatched_at=bindparam("now"))
        .returning(Event.id, Event.merchant_id, Event.type, Event.customer_id, Event.created_at)
    )


_CLAIM = {locking: _claim_statement(locking) for locking in (True, False)}


async def claim_undispatched(session: AsyncSession, limit: int, now: datetime) -> list[Claimed]:
    """The oldest events not yet dispatched, marked dispatched at `now` in the caller's transaction, in one
    statement; on PostgreSQL the rows another worker is claiming are skipped, not waited for."""
    connection = await session.connection()
    claimed = await connection.execute(
        _CLAIM[_locking(connection)], {"limit": limit, "now": now}, execution_options=_CROSS
    )
    return sorted((Claimed(*row) for row in claimed), key=lambda event: event.id)


async def events_by_id(session: AsyncSession, event_ids: Collection[int]) -> Sequence[Event]:
    if not event_ids:
        return []
    query = select(Event).where(Event.id.in_(event_ids)).order_by(Event.id)
    rows = await session.scalars(query, execution_options=_CROSS)
    return rows.all()


_ENABLED = select(WebhookEndpoint).where(
    WebhookEndpoint.merchant_id.in_(bindparam("merchant_ids", expanding=True)), WebhookEndpoint.enabled.is_(True)
)


async def enabled_endpoints(session: AsyncSession, merchant_ids: Collection[int]) -> Sequence[WebhookEndpoint]:
    rows = await session.scalars(_ENABLED, {"merchant_ids": list(merchant_ids)}, execution_options=_CROSS)
    return rows.all()


def _insert_deliveries_statement(source: Source) -> Insert:
    """Each row's merchant, endpoint and event from `source`; the rest the same for the whole batch."""
    own, shared = ["merchant_id", "endpoint_id", "event_id"], ["status", "attempts", "next_attempt_at", "created_at"]
    types = WebhookDelivery.__table__.c
    made = select(*map(source, own), *(bindparam(name, type_=types[name].type) for name in shared))
    return insert(WebhookDelivery).from_select(own + shared, made)


_INSERT_DELIVERIES = {
    True: _insert_deliveries_statement(
        _arrays(merchant_id=BigInteger(), endpoint_id=BigInteger(), event_id=BigInteger())
    ),
    False: insert(WebhookDelivery),
}


async def insert_deliveries(session: AsyncSession, deliveries: Sequence[tuple[int, int, int]], now: datetime) -> None:
    """New deliveries, due now: each a (merchant id, endpoint id, event id)."""
    if deliveries:
        await _write_batch(
            await session.connection(),
            _INSERT_DELIVERIES,
            [{"merchant_id": m, "endpoint_id": e, "event_id": v} for m, e, v in deliveries],
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )


# Leasing.


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
    wire: str  # the wire format the endpoint is posted in
    secret: str
    event: Event


# The queue index's condition, written into the statement rather than bound: PostgreSQL plans a prepared statement
# once for any parameters after a few runs, and a plan for any status could not use that index.
_PENDING = WebhookDelivery.status == bindparam("pending", DeliveryStatus.PENDING, literal_execute=True)


def _unleased(now: ColumnElement[datetime]) -> ColumnElement[bool]:
    return or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now)


def _due_statement(locking: bool) -> Select[Any]:
    now = bindparam("now", type_=DateTime())
    # Whether the endpoint takes deliveries now, asked of each delivery the queue's index yields. Joined to the
    # endpoints instead, the deliveries may be hashed against them and the whole queue sorted on every lease: what
    # the planner picks when its statistics, taken while the queue was nearly empty, say it still is.
    endpoint_open = (
        select(
            and_(
                WebhookEndpoint.enabled.is_(True),
                or_(WebhookEndpoint.retry_at.is_(None), WebhookEndpoint.retry_at <= now),
            )
        )
        .where(
            WebhookEndpoint.id == WebhookDelivery.endpoint_id,
            WebhookEndpoint.merchant_id == WebhookDelivery.merchant_id,
        )
        .scalar_subquery()
    )
    due = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.merchant_id,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.event_id,
            WebhookDelivery.next_attempt_at,
            WebhookDelivery.created_at,
            WebhookDelivery.attempts,
        )
        .where(
            _PENDING,
            WebhookDelivery.next_attempt_at <= now,
            _unleased(now),
            WebhookDelivery.endpoint_id.not_in(bindparam("busy", expanding=True)),
            endpoint_open,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(bindparam("limit"))
    )
    if locking:
        due = due.with_for_update(of=WebhookDelivery, skip_locked=True)
    # The endpoints, events and secrets are joined to the few deliveries chosen, not before.
    chosen = due.subquery()
    return (
        select(
            chosen.c.id,
            chosen.c.merchant_id,
            chosen.c.endpoint_id,
            chosen.c.created_at,
            chosen.c.attempts,
            WebhookEndpoint.consecutive_failures,
            WebhookEndpoint.url,
            WebhookEndpoint.wire,
            Merchant.client_secret,
            Event,
        )
        .join(
            WebhookEndpoint,
            and_(WebhookEndpoint.id == chosen.c.endpoint_id, WebhookEndpoint.merchant_id == chosen.c.merchant_id),
        )
        .join(Event, and_(Event.id == chosen.c.event_id, Event.merchant_id == chosen.c.merchant_id))
        .join(Merchant, Merchant.id == chosen.c.merchant_id)
        .order_by(chosen.c.next_attempt_at, chosen.c.id)
    )


_DUE = {locking: _due_statement(locking) for locking in (True, False)}


async def due_deliveries(
    session: AsyncSession, now: datetime, busy_endpoints: Collection[int], limit: int
) -> Sequence[Candidate]:
    """Pending deliveries due now and not out on a lease, to enabled endpoints not in backoff and not already at
    their share, oldest first. On PostgreSQL they stay locked until the caller's transaction ends, and those another
    worker is leasing are skipped rather than waited for."""
    rows = await session.execute(
        _DUE[_locking(session)],
        {"now": now, "busy": list(busy_endpoints), "limit": limit},
        execution_options=_CROSS,
    )
    return [
        Candidate(delivery_id, merchant_id, endpoint_id, created_at, attempts, failures > 0, url, wire, secret, event)
        for delivery_id, merchant_id, endpoint_id, created_at, attempts, failures, url, wire, secret, event in rows
    ]


# Only leased_until changes, a column no index covers, so PostgreSQL writes the new row version beside the old one
# without touching an index; and the rows are found by their primary key alone: a condition on the queue's columns
# would let the planner walk the queue instead, whose size it may badly underestimate.
_LEASE = (
    update(WebhookDelivery)
    .where(WebhookDelivery.id.in_(bindparam("ids", expanding=True)), _unleased(bindparam("now", type_=DateTime())))
    .values(leased_until=bindparam("until"))
    .returning(WebhookDelivery.id)
)


async def lease(session: AsyncSession, delivery_ids: Sequence[int], now: datetime, until: datetime) -> set[int]:
    """Lease the deliveries no other worker has leased meanwhile (on PostgreSQL none can have: `due_deliveries`
    locked them), until `until`."""
    if not delivery_ids:
        return set()
    connection = await session.connection()
    leased = await connection.scalars(
        _LEASE, {"ids": list(delivery_ids), "now": now, "until": until}, execution_options=_CROSS
    )
    return set(leased.all())


# Recording.


@dataclass(frozen=True, slots=True)
class Recorded:
    """A delivery's state once an attempt's outcome is known."""

    delivery_id: int
    status: DeliveryStatus
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


def _record_statement(source: Source) -> Update:
    return (
        update(WebhookDelivery)
        .where(WebhookDelivery.id == source("delivery_id"))
        .values(
            status=source("status"),
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=source("next_attempt_at"),
            leased_until=None,
            last_status_code=source("last_status_code"),
            last_error=source("last_error"),
            delivered_at=source("delivered_at"),
        )
    )


_RECORD = {
    True: _record_statement(
        _arrays(
            delivery_id=BigInteger(),
            status=String(),
            next_attempt_at=DateTime(),
            last_status_code=Integer(),
            last_error=Text(),
            delivered_at=DateTime(),
        )
    ),
    False: _record_statement(bindparam),
}


async def record_deliveries(session: AsyncSession, recorded: Sequence[Recorded]) -> None:
    """One statement for a batch of outcomes: each delivery's new state, one attempt more, and its lease ended."""
    if recorded:
        rows = [
            {
                "delivery_id": r.delivery_id,
                "status": r.status.value,
                "next_attempt_at": r.next_attempt_at,
                "last_status_code": r.last_status_code,
                "last_error": r.last_error,
                "delivered_at": r.delivered_at,
            }
            for r in recorded
        ]
        await _write_batch(await session.connection(), _RECORD, rows)


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


_ATTEMPT_COLUMNS: dict[str, TypeEngine[Any]] = {
    "merchant_id": BigInteger(),
    "delivery_id": BigInteger(),
    "attempted_at": DateTime(),
    "status_code": Integer(),
    "response_excerpt": Text(),
    "error": Text(),
    "duration_ms": Integer(),
}
_attempts = _arrays(**_ATTEMPT_COLUMNS)
_INSERT_ATTEMPTS = {
    True: insert(WebhookAttempt).from_select(list(_ATTEMPT_COLUMNS), select(*map(_attempts, _ATTEMPT_COLUMNS))),
    False: insert(WebhookAttempt),
}


async def insert_attempts(session: AsyncSession, attempts: Sequence[Attempted]) -> None:
    if attempts:
        rows = [
            {
                "merchant_id": a.merchant_id,
                "delivery_id": a.delivery_id,
                "attempted_at": a.attempted_at,
                "status_code": a.status_code,
                "response_excerpt": a.response_excerpt,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ]
        await _write_batch(await session.connection(), _INSERT_ATTEMPTS, rows)


# Locked in id order, so two workers recording at once never wait on each other in a cycle.
_TO_JUDGE = (
    select(WebhookEndpoint)
    .where(
        WebhookEndpoint.id.in_(bindparam("endpoint_ids", expanding=True)),
        or_(WebhookEndpoint.consecutive_failures > 0, WebhookEndpoint.id.in_(bindparam("failed", expanding=True))),
    )
    .order_by(WebhookEndpoint.id)
    .with_for_update()
)


async def endpoints_to_judge(
    session: AsyncSession, endpoint_ids: Collection[int], failed: Collection[int]
) -> Sequence[WebhookEndpoint]:
    """Of the endpoints a batch of outcomes went to, those whose health changes: the ones that failed, and the
    ones failing until now. A healthy endpoint that answered stays as it is, and is not even locked."""
    parameters = {"endpoint_ids": list(endpoint_ids), "failed": list(failed)}
    rows = await session.scalars(_TO_JUDGE, parameters, execution_options=_CROSS)
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
