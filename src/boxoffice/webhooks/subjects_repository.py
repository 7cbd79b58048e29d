"""Loading, for a batch of events across merchants, the rows they are about: one query per table."""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.models import Merchant

Row = TypeVar("Row")


@functools.cache
def _by_id(table: Any) -> Select[Any]:
    """Built once per table: building it anew costs SQLAlchemy more than the few rows it reads."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    merchant_ids: BindParameter[list[int]] = bindparam("merchant_ids", expanding=True)
    return select(table).where(table.id.in_(ids), table.merchant_id.in_(merchant_ids))


async def rows_by_id(
    session: AsyncSession, model: type[Row], ids: Collection[int], merchant_ids: Collection[int]
) -> dict[int, Row]:
    """`model` rows by id, among the given merchants' rows (the caller matches each to its own event's merchant)."""
    if not ids:
        return {}
    table: Any = model
    rows = await session.scalars(_by_id(table), {"ids": list(ids), "merchant_ids": list(merchant_ids)})
    return {row.id: row for row in rows}


_MERCHANTS = select(Merchant).where(Merchant.id.in_(bindparam("ids", expanding=True)))


async def merchants_by_id(session: AsyncSession, merchant_ids: Collection[int]) -> dict[int, Merchant]:
    rows = await session.scalars(_MERCHANTS, {"ids": list(merchant_ids)})
    return {row.id: row for row in rows}
