"""Alembic, driven from code: `boxoffice migrate` and the test suite both upgrade this way."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config

from boxoffice.identity.signing_keys import make_missing_keys
from boxoffice.kit.db import create_engine, session_factory


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "boxoffice:migrations")
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
    if revision == "head":
        asyncio.run(_make_signing_keys(database_url))


async def _make_signing_keys(database_url: str) -> None:
    """The server's signing keys, made here, before any process serves, rather than by a request."""
    engine = create_engine(database_url)
    try:
        await make_missing_keys(session_factory(engine))
    finally:
        await engine.dispose()
