"""What the PostgreSQL benchmarks share: statements on the server, a raw asyncpg connection, where py-spy is."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from boxoffice.kit.db import async_url


async def admin(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE DATABASE, DROP DATABASE, VACUUM …)."""
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def raw_connection(url: str) -> Any:
    import asyncpg  # type: ignore[import-untyped]

    return await asyncpg.connect(async_url(url).set(drivername="postgresql").render_as_string(hide_password=False))


def py_spy() -> str:
    return shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
