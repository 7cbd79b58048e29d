"""The addresses and devices a customer's access was asked from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import AccessSighting


async def sighting(
    session: AsyncSession, merchant_id: int, customer_id: int, kind: str, value: str
) -> AccessSighting | None:
    return await session.scalar(
        select(AccessSighting)
        .where(
            AccessSighting.merchant_id == merchant_id,
            AccessSighting.customer_id == customer_id,
            AccessSighting.kind == kind,
            AccessSighting.value == value,
        )
        # Fresh from the row, not the session's copy: `record_sighting` moves it without the ORM.
        .execution_options(populate_existing=True)
    )


async def others_seen_since(
    session: AsyncSession, merchant_id: int, customer_id: int, kind: str, value: str, since: datetime
) -> int:
    """How many other values of `kind` the customer was seen with after `since`."""
    found = await session.scalar(
        select(func.count()).where(
            AccessSighting.merchant_id == merchant_id,
            AccessSighting.customer_id == customer_id,
            AccessSighting.kind == kind,
            AccessSighting.value != value,
            AccessSighting.last_seen_at > since,
        )
    )
    return int(found or 0)


async def record_sighting(
    session: AsyncSession,
    merchant_id: int,
    customer_id: int,
    kind: str,
    value: str,
    device_type: str | None,
    seen_at: datetime,
) -> None:
    """Insert the place or move its last sighting, in one statement: two first checks from one new place at once
    are ordered by the database rather than one failing on the row the other added (a device type given is kept,
    none leaves the one known)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(AccessSighting).values(
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind=kind,
        value=value,
        device_type=device_type,
        last_seen_at=seen_at,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["merchant_id", "customer_id", "kind", "value"],
            set_={
                "last_seen_at": seen_at,
                "device_type": func.coalesce(statement.excluded.device_type, AccessSighting.device_type),
            },
        )
    )
