"""Every query on the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.webhooks.models import Event


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection = await session.connection()
        await connection.execute(insert(Event), list(rows))


async def events_of(session: AsyncSession, merchant_id: int, *, after_id: int = 0, limit: int = 100) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event).where(Event.merchant_id == merchant_id, Event.id > after_id).order_by(Event.id).limit(limit)
    )
    return rows.all()
