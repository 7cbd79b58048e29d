"""Every query on the outbox, and announcing its events on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, Text, bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.models import Event


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection = await session.connection()
        await connection.execute(insert(Event), list(rows))


async def events_of(session: AsyncSession, merchant_id: int, *, after_id: int = 0, limit: int = 100) -> Sequence[Event]:
    rows = await session.scalars(
        select(Event).where(Event.merchant_id == merchant_id, Event.id > after_id).order_by(Event.id).limit(limit)
    )
    return rows.all()


# One statement however many payloads a transaction's events need.
_NOTIFY = text("SELECT pg_notify(:channel, payload) FROM unnest(:payloads) AS payload").bindparams(
    bindparam("payloads", type_=ARRAY(Text))
)


async def notify(session: AsyncSession, channel: str, payloads: Sequence[str]) -> None:
    connection = await session.connection()
    await connection.execute(_NOTIFY, {"channel": channel, "payloads": list(payloads)})
