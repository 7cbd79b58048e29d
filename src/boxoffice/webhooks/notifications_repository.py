"""Every query behind real-time notifications: listening on PostgreSQL, and reading one customer's events."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.models import Event


async def probe(connection: asyncpg.Connection) -> None:
    """A round trip on a listening connection, which otherwise never speaks and so never learns it is cut off."""
    await connection.execute("SELECT 1")


async def latest_event_id(session: AsyncSession, merchant_id: int, customer_id: int) -> int:
    found = await session.scalar(
        select(func.max(Event.id)).where(Event.merchant_id == merchant_id, Event.customer_id == customer_id)
    )
    return int(found or 0)


async def event_position(session: AsyncSession, merchant_id: int, customer_id: int, event_id: str) -> int | None:
    """The outbox id of one of the customer's events, named by its event id."""
    found = await session.scalar(
        select(Event.id).where(
            Event.merchant_id == merchant_id, Event.customer_id == customer_id, Event.event_id == event_id
        )
    )
    return int(found) if found is not None else None


async def events_after(
    session: AsyncSession, merchant_id: int, customer_id: int, after: int, types: Collection[str], limit: int
) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event)
        .where(
            Event.merchant_id == merchant_id,
            Event.customer_id == customer_id,
            Event.id > after,
            Event.type.in_(types),
        )
        .order_by(Event.id)
        .limit(limit)
    )
    return rows.all()


async def events_named(
    session: AsyncSession, merchant_id: int, customer_id: int, event_ids: Collection[str], types: Collection[str]
) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event)
        .where(
            Event.merchant_id == merchant_id,
            Event.customer_id == customer_id,
            Event.event_id.in_(event_ids),
            Event.type.in_(types),
        )
        .order_by(Event.id)
    )
    return rows.all()
