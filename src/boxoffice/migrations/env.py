"""Alembic environment: runs migrations over the async engine Boxoffice itself uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from boxoffice.kit.db import create_engine
from boxoffice.kit.settings import get_settings
from boxoffice.models import Base

config = context.config
database_url = config.attributes.get("database_url") or get_settings().database_url


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration copies a table and drops the old one; with foreign keys enforced, the drop would delete
        # or null every row referring to it (a voucher's rules, payments' links). SQLite takes this pragma only
        # outside a transaction, so it comes before the migrations begin theirs; the keys are checked at the end.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
            raise RuntimeError(f"the migrations left rows referring to nothing: {broken[:5]}")


async def _migrate() -> None:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `boxoffice migrate` against a database")
asyncio.run(_migrate())
