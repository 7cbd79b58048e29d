"""The delivery engine's queries. They span every merchant (a worker serves them all), so each says so with
`cross_tenant` and joins on `merchant_id` wherever two tenant tables meet."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.models import Event
from boxoffice.identity.models import Merchant
from boxoffice.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

_CROSS = {"cross_tenant": True}


async def claim_undispatched(session: AsyncSession, limit: int) -> Sequence[Event]:
    """The oldest events not yet dispatched, locked for this transaction (other workers skip them)."""
    query = select(Event).where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = await session.scalars(query, execution_options=_CROSS)
    return rows.all()


async def enabled_endpoints(session: AsyncSession, merchant_ids: Collection[int]) -> Sequence[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.merchant_id.in_(merchant_ids), WebhookEndpoint.enabled.is_(True)
    )
    rows = await session.scalars(query, execution_options=_CROSS)
    return rows.all()


async def insert_deliveries(session: AsyncSession, deliveries: Sequence[tuple[int, int, int]], now: datetime) -> None:
    """New deliveries, due now: each a (merchant id, endpoint id, event id)."""
    rows = [
        {
            "merchant_id": merchant_id,
            "endpoint_id": endpoint_id,
            "event_id": event_id,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for merchant_id, endpoint_id, event_id in deliveries
    ]
    if rows:
        connection = await session.connection()
        await connection.execute(insert(WebhookDelivery), rows, execution_options=_CROSS)


async def mark_dispatched(session: AsyncSession, event_ids: Sequence[int], now: datetime) -> None:
    await session.execute(
        update(Event).where(Event.id.in_(event_ids)).values(dispatched_at=now), execution_options=_CROSS
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    delivery_id: int
    endpoint_id: int
    failing: bool  # the endpoint's last attempt failed: it gets one probe at a time


async def due_deliveries(
    session: AsyncSession, now: datetime, busy_endpoints: Collection[int], limit: int
) -> Sequence[Candidate]:
    """Pending deliveries due now, to enabled endpoints not in backoff and not already at their share."""
    query = (
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookEndpoint.consecutive_failures)
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
            WebhookEndpoint.enabled.is_(True),
            or_(WebhookEndpoint.retry_at.is_(None), WebhookEndpoint.retry_at <= now),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if busy_endpoints:
        query = query.where(WebhookDelivery.endpoint_id.not_in(busy_endpoints))
    rows = await session.execute(query, execution_options=_CROSS)
    return [Candidate(d, e, failures > 0) for d, e, failures in rows]


async def lease(session: AsyncSession, delivery_ids: Sequence[int], now: datetime, until: datetime) -> list[int]:
    """Take the deliveries that are still due; one another worker leased meanwhile is no longer due, so it is
    skipped (PostgreSQL re-checks the condition on the row it waited for)."""
    if not delivery_ids:
        return []
    leased = await session.scalars(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id.in_(delivery_ids),
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .returning(WebhookDelivery.id),
        execution_options=_CROSS,
    )
    return sorted(leased.all())


@dataclass(frozen=True, slots=True)
class Outgoing:
    delivery: WebhookDelivery
    event: Event
    url: str
    secret: str
    merchant_email: str


async def outgoing(session: AsyncSession, delivery_ids: Sequence[int]) -> list[Outgoing]:
    rows = await session.execute(
        select(WebhookDelivery, Event, WebhookEndpoint.url, Merchant.client_secret, Merchant.email)
        .join(Event, and_(Event.id == WebhookDelivery.event_id, Event.merchant_id == WebhookDelivery.merchant_id))
        .join(
            WebhookEndpoint,
            and_(
                WebhookEndpoint.id == WebhookDelivery.endpoint_id,
                WebhookEndpoint.merchant_id == WebhookDelivery.merchant_id,
            ),
        )
        .join(Merchant, Merchant.id == WebhookDelivery.merchant_id)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .order_by(WebhookDelivery.id),
        execution_options=_CROSS,
    )
    return [Outgoing(d, e, url, secret, email) for d, e, url, secret, email in rows]


async def record_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One statement for a batch of outcomes: each row has delivery_id and the new status, attempts,
    next_attempt_at, last_status_code, last_error, delivered_at."""
    if not rows:
        return
    statement = (
        update(WebhookDelivery)
        .where(WebhookDelivery.id == bindparam("delivery_id"))
        .values(
            status=bindparam("status"),
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=bindparam("next_attempt_at"),
            last_status_code=bindparam("last_status_code"),
            last_error=bindparam("last_error"),
            delivered_at=bindparam("delivered_at"),
        )
    )
    connection = await session.connection()
    await connection.execute(statement, list(rows), execution_options=_CROSS)


async def insert_attempts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection = await session.connection()
        await connection.execute(insert(WebhookAttempt), list(rows), execution_options=_CROSS)


async def endpoints_by_id(session: AsyncSession, endpoint_ids: Collection[int]) -> Sequence[WebhookEndpoint]:
    # Locked in id order, so two workers recording at once never wait on each other in a cycle.
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(endpoint_ids))
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
