"""A real Boxoffice under uvicorn on a free port, for the suites that drive it with a vendor's own client (an SDK
run by Node, a page in Chromium), and the cleaning that leaves the shared test database as empty as it was."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from starlette.types import ASGIApp

from boxoffice.kit.db import create_engine
from tests.conftest import emptied_tables, off_the_loop


@contextmanager
def serving(app: ASGIApp, port: int, *, http: type[asyncio.Protocol] | str = "auto") -> Iterator[None]:
    """`http`: Uvicorn's HTTP protocol; `boxoffice serve`'s own (boxoffice.web.connections) where what the server
    does with a request's head matters."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="boxoffice-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # the server reports when it listens; wait for exactly that, bounded
        if not thread.is_alive():
            pytest.fail("the Boxoffice server exited while starting; its log is above")
        if time.monotonic() > deadline:
            pytest.fail("the Boxoffice server did not start listening within 30 s")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        if thread.is_alive():  # the tables must not be emptied under a server still shutting down
            pytest.fail("the Boxoffice server did not stop within 30 s")


def empty_database(database_url: str) -> None:
    """The migrated database is shared by the whole session: leave it as empty as the other tests do."""

    async def delete_all_rows() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                for table in emptied_tables():
                    await connection.execute(table.delete())
        finally:
            await engine.dispose()

    off_the_loop(lambda: asyncio.run(delete_all_rows()))
