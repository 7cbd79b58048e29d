"""`boxoffice serve` in a process of its own, on the test's database: for what only another process, or a real
kill, can show.

`async with served(settings) as process:` starts the command (no worker, no migration: the test's database is
migrated already) and yields once Uvicorn says it is listening; `process.http` reaches it over TCP. The
process is stopped when the block ends, unless the test killed it first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from boxoffice.settings import Settings
from tests.conftest import free_port

STARTED = "Uvicorn running on"
# Generous: two servers start side by side on a small, busy machine.
START_WITHIN = 60.0


@dataclass
class Served:
    process: asyncio.subprocess.Process
    http: httpx.AsyncClient
    output: list[str] = field(default_factory=list)

    async def kill(self) -> None:
        """SIGKILL: the process ends where it stands, with nothing cleaned up."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()


async def _read_until_started(served: Served) -> None:
    stream = served.process.stdout
    assert stream is not None
    while line := await stream.readline():
        served.output.append(line.decode(errors="replace"))
        if STARTED in served.output[-1]:
            return
    pytest.fail("boxoffice serve exited before it started:\n" + "".join(served.output))


async def _drain(served: Served) -> None:
    """Keep reading what the server prints, so that it never blocks on a full pipe (and a failure can show it)."""
    stream = served.process.stdout
    assert stream is not None
    while line := await stream.readline():
        served.output.append(line.decode(errors="replace"))


@asynccontextmanager
async def served(settings: Settings, **environment: str) -> AsyncIterator[Served]:
    """`environment`: more BOXOFFICE_* variables for this process."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("BOXOFFICE_")} | {
        "BOXOFFICE_DATABASE_URL": settings.database_url,
        "BOXOFFICE_SECRET_KEY": settings.secret_key or "",
        "BOXOFFICE_PUBLIC_URL": settings.public_url,
        "BOXOFFICE_MAIL_DIR": str(settings.mail_dir),
        **environment,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "boxoffice.cli",
        "serve",
        "--port",
        str(port),
        "--no-worker",
        "--no-migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        running = Served(process, http)
        drain: asyncio.Task[None] | None = None
        try:
            await asyncio.wait_for(_read_until_started(running), START_WITHIN)
            drain = asyncio.create_task(_drain(running))
            yield running
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            if drain is not None:
                await drain
