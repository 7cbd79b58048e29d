"""Every sealed column, wherever it is: found by its mark (`sealing.sealed_column`) and resealed where it lies."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.sealing import SEALED_INFO, Sealer
from boxoffice.models import Base

# Every merchant's secrets at once, on purpose: the operator's keys seal them all.
_CROSS = {"cross_tenant": True}


def sealed_columns() -> dict[str, list[str]]:
    """Each table keeping sealed values, with those columns."""
    found = {
        table.name: [column.name for column in table.columns if column.info.get(SEALED_INFO)]
        for table in Base.metadata.sorted_tables
    }
    return {table: columns for table, columns in found.items() if columns}


async def reseal_all(session: AsyncSession, sealer: Sealer) -> dict[str, int]:
    """Seal every stored secret with the first key; how many values each table had. A value that none of the keys
    opens is a SealingError, which rolls the caller's transaction back whole."""
    resealed = {}
    for name, column_names in sealed_columns().items():
        table = Base.metadata.tables[name]
        columns = [table.c[column] for column in column_names]
        rows = (await session.execute(select(table.c.id, *columns).execution_options(**_CROSS))).all()
        count = 0
        for row_id, *values in rows:
            changes = {
                column.name: sealer.reseal(value) for column, value in zip(columns, values, strict=True) if value
            }
            if changes:
                statement = update(table).where(table.c.id == row_id).values(changes).execution_options(**_CROSS)
                await session.execute(statement)
                count += len(changes)
        resealed[name] = count
    return resealed
