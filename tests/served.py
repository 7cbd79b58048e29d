"""`boxoffice serve` in a process of its own: for what only another process, or a real kill, can show.

`async with served(settings) as process:` starts the command on the test's database (no worker, no migration: it
is migrated already) and yields once Uvicorn says it is listening; `process.http` reaches it over TCP. The
process is stopped when the block ends, unless the test killed it first.

`with serving(env, *options) as http:` is the same for a test that blocks (an environment of its own, the
command's options as an operator gives them): it yields a client once the server answers `/readyz`; the demo
that `boxoffice demo` seeds signs in to it with `demo_sign_in`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import httpx
import pytest

from boxoffice import demo
from boxoffice.kit.settings import Settings
from tests.conftest import free_port, unconfigured_environment

BOXOFFICE = [sys.executable, "-m", "boxoffice.cli"]
STARTED = "Uvicorn running on"
# Generous: two servers start side by side on a small, busy machine.
START_WITHIN = 60.0


def serve_command(port: int, *options: str) -> list[str]:
    """`boxoffice serve` on `port` of 127.0.0.1, with `options`."""
    return [*BOXOFFICE, "serve", "--port", str(port), *options]


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
    env = unconfigured_environment() | {
        "BOXOFFICE_DATABASE_URL": settings.database_url,
        "BOXOFFICE_SECRET_KEY": settings.secret_key or "",
        "BOXOFFICE_PUBLIC_URL": settings.public_url or "",
        "BOXOFFICE_MAIL_DIR": str(settings.mail_dir),
        **environment,
    }
    process = await asyncio.create_subprocess_exec(
        *serve_command(port, "--no-worker", "--no-migrate"),
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


@contextmanager
def serving(env: Mapping[str, str], *options: str, output: IO[bytes] | None = None) -> Iterator[httpx.Client]:
    """`boxoffice serve` with `options` in a child process of environment `env`, and a client of it. What it prints
    goes to a file rather than a pipe nobody reads, which a chatty server would fill and block on: `output`, for a
    test that reads it, or a temporary one."""
    port = free_port()
    with contextlib.nullcontext(output) if output is not None else tempfile.TemporaryFile() as sink:
        command = serve_command(port, *options)
        process = subprocess.Popen(command, env=dict(env), stdout=sink, stderr=subprocess.STDOUT)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                _wait_until_ready(http, process, sink)
                yield http
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_ready(http: httpx.Client, process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
    """Poll `/readyz` until the server answers; fail with what it printed if it exits first."""
    deadline = time.monotonic() + START_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            pytest.fail(f"boxoffice serve exited with {process.returncode}:\n{printed}")
        try:
            if http.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            process.wait(timeout=0.1)  # returns at once if it exits meanwhile
        except subprocess.TimeoutExpired:
            continue
    pytest.fail(f"boxoffice serve did not become ready within {START_WITHIN:.0f} s")


def demo_client_id(printed: str) -> str:
    """The demo merchant's client_id, from what `boxoffice demo` printed."""
    words = (word for line in printed.splitlines() for word in line.split())
    return next(word.split("=", 1)[1] for word in words if word.startswith("client_id="))


def demo_sign_in(http: httpx.Client, client_id: str | None = None) -> dict[str, Any]:
    """`POST /accounts/authenticate` as the demo viewer under `client_id`, or, with none, as the demo merchant;
    the answer's body."""
    if client_id is None:
        form = {"grant_type": "password", "username": demo.MERCHANT_EMAIL, "password": demo.MERCHANT_PASSWORD}
    else:
        form = {"grant_type": "password", "username": demo.VIEWER_EMAIL, "password": demo.VIEWER_PASSWORD}
        form["client_id"] = client_id
    answer = http.post("/accounts/authenticate", data=form)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
