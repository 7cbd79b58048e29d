"""Every query on a merchant's webhook endpoints and their delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.models import Event
from boxoffice.kit.db import page_of, rows_page_of
from boxoffice.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def endpoints(session: AsyncSession, merchant_id: int) -> Sequence[WebhookEndpoint]:
    rows = await session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id).order_by(WebhookEndpoint.id)
    )
    return rows.all()


async def endpoints_of_wire(
    session: AsyncSession, merchant_id: int, wire: str, topic: str | None = None
) -> Sequence[WebhookEndpoint]:
    """The merchant's endpoints posted in `wire`, of one topic or all, oldest first."""
    where = [WebhookEndpoint.merchant_id == merchant_id, WebhookEndpoint.wire == wire]
    if topic is not None:
        where.append(WebhookEndpoint.topic == topic)
    rows = await session.scalars(select(WebhookEndpoint).where(*where).order_by(WebhookEndpoint.id))
    return rows.all()


async def count_endpoints(session: AsyncSession, merchant_id: int) -> int:
    query = select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id)
    return int(await session.scalar(query) or 0)


async def endpoint(session: AsyncSession, merchant_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    return await session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id, WebhookEndpoint.id == endpoint_id)
    )


async def deliveries_page(
    session: AsyncSession, merchant_id: int, endpoint_id: int, status: DeliveryStatus | None, offset: int, limit: int
) -> tuple[int, Sequence[tuple[WebhookDelivery, Event]]]:
    where = [WebhookDelivery.merchant_id == merchant_id, WebhookDelivery.endpoint_id == endpoint_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    query = (
        select(WebhookDelivery, Event)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(*where, Event.merchant_id == merchant_id)
        .order_by(WebhookDelivery.id.desc())
    )
    total, rows = await rows_page_of(session, query, offset=offset, limit=limit)
    return total, [(d, e) for d, e in rows]


async def delivery(
    session: AsyncSession, merchant_id: int, endpoint_id: int, delivery_id: int
) -> tuple[WebhookDelivery, Event] | None:
    row = await session.execute(
        select(WebhookDelivery, Event)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.merchant_id == merchant_id,
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.id == delivery_id,
            Event.merchant_id == merchant_id,
        )
    )
    found = row.first()
    return (found[0], found[1]) if found else None


async def attempts(session: AsyncSession, merchant_id: int, delivery_id: int) -> Sequence[WebhookAttempt]:
    rows = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.merchant_id == merchant_id, WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.id)
    )
    return rows.all()


async def events_page(
    session: AsyncSession, merchant_id: int, types: Sequence[str], event_type: str | None, offset: int, limit: int
) -> tuple[int, Sequence[Event]]:
    where = [Event.merchant_id == merchant_id, Event.type.in_(types)]
    if event_type:
        where.append(Event.type == event_type)
    return await page_of(session, select(Event).where(*where).order_by(Event.id.desc()), offset=offset, limit=limit)


async def event_by_uuid(session: AsyncSession, merchant_id: int, event_id: str) -> Event | None:
    return await session.scalar(select(Event).where(Event.merchant_id == merchant_id, Event.event_id == event_id))


async def events_since(
    session: AsyncSession, merchant_id: int, types: Sequence[str], since: datetime, limit: int
) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event)
        .where(Event.merchant_id == merchant_id, Event.type.in_(types), Event.created_at >= since)
        .order_by(Event.id)
        .limit(limit)
    )
    return rows.all()
