"""Loading, for a batch of events across merchants, the rows they are about: one query per table."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.models import Merchant

Row = TypeVar("Row")


async def rows_by_id(
    session: AsyncSession, model: type[Row], ids: Collection[int], merchant_ids: Collection[int]
) -> dict[int, Row]:
    """`model` rows by id, among the given merchants' rows (the caller matches each to its own event's merchant)."""
    if not ids:
        return {}
    table: Any = model
    query = select(table).where(table.id.in_(ids), table.merchant_id.in_(merchant_ids))
    rows = await session.scalars(query)
    return {row.id: row for row in rows}


async def merchants_by_id(session: AsyncSession, merchant_ids: Collection[int]) -> dict[int, Merchant]:
    rows = await session.scalars(select(Merchant).where(Merchant.id.in_(merchant_ids)))
    return {row.id: row for row in rows}
