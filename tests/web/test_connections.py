"""`boxoffice serve` drops the clients that would hold its sockets: one that connects and sends nothing, one that
sends its request's head too slowly or too large, and a kept-alive connection left idle. Driven over real sockets
against a real `boxoffice serve`, whose deadlines are set short through the environment."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import httpx
import pytest
import websockets

from tests.compat.live_server import empty_database
from tests.served import serving

HEADER_TIMEOUT, KEEP_ALIVE_TIMEOUT = 1.0, 1
# Longer than any deadline above with room for a loaded machine, far shorter than a client that is never dropped.
PATIENCE = 8.0


@pytest.fixture(scope="module")
def served(migrated_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A `boxoffice serve` child process on a free port, for this module's tests: (host, port)."""
    tmp_path = tmp_path_factory.mktemp("serve")
    env = os.environ | {
        "BOXOFFICE_DATABASE_URL": migrated_database_url,
        "BOXOFFICE_MAIL_DIR": str(tmp_path / "mail"),
        "BOXOFFICE_REPORTS_DIR": str(tmp_path / "reports"),
        "BOXOFFICE_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "BOXOFFICE_KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE_TIMEOUT),
    }
    try:
        with serving(env, "--no-worker", "--no-migrate") as http:
            yield http.base_url.host, http.base_url.port or 80
    finally:
        empty_database(migrated_database_url)


async def until_closed(reader: asyncio.StreamReader) -> tuple[bytes, float]:
    """Everything the server sent until it closed the connection, and when it closed it (monotonic seconds)."""
    received = await asyncio.wait_for(reader.read(), timeout=PATIENCE)
    return received, time.monotonic()


async def test_a_client_sending_nothing_or_its_head_too_slowly_is_dropped(served: tuple[str, int]) -> None:
    host, port = served
    started = time.monotonic()
    idle_reader, idle_writer = await asyncio.open_connection(host, port)
    slow_reader, slow_writer = await asyncio.open_connection(host, port)

    async def trickle() -> None:
        """A header line every tenth of a second, as long as the server listens."""
        slow_writer.write(b"GET /healthz HTTP/1.1\r\nHost: boxoffice\r\n")
        for n in range(int(PATIENCE * 10)):
            await slow_writer.drain()
            slow_writer.write(f"X-Slow-{n}: 1\r\n".encode())
            try:
                await asyncio.wait_for(asyncio.shield(slow_closed), timeout=0.1)
                return
            except TimeoutError:
                continue

    slow_closed = asyncio.ensure_future(until_closed(slow_reader))
    try:
        (idle_sent, idle_at), _, (slow_sent, slow_at) = await asyncio.gather(
            until_closed(idle_reader), trickle(), slow_closed
        )
    except (TimeoutError, ConnectionError) as exc:
        pytest.fail(f"a client holding its head back was not dropped within {PATIENCE} s ({exc!r})")
    finally:
        idle_writer.close()
        slow_writer.close()
    assert idle_sent == b"" and slow_sent == b""
    for closed_at in (idle_at, slow_at):
        assert HEADER_TIMEOUT * 0.9 <= closed_at - started < HEADER_TIMEOUT + 3


async def test_an_idle_kept_alive_connection_is_closed_after_its_timeout(served: tuple[str, int]) -> None:
    host, port = served
    reader, writer = await asyncio.open_connection(host, port)
    request = b"GET /healthz HTTP/1.1\r\nHost: boxoffice\r\n\r\n"
    try:
        for _ in range(2):  # kept alive between prompt requests
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=PATIENCE)
            assert head.startswith(b"HTTP/1.1 200"), head
            length = next(
                int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
            )
            await reader.readexactly(length)
        answered = time.monotonic()
        rest, closed_at = await until_closed(reader)
    finally:
        writer.close()
    assert rest == b"" and KEEP_ALIVE_TIMEOUT * 0.9 <= closed_at - answered < KEEP_ALIVE_TIMEOUT + 3


async def test_a_head_too_large_is_431(served: tuple[str, int]) -> None:
    host, port = served
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: boxoffice\r\n")
        for n in range(100):
            writer.write(f"X-Big-{n}: {'x' * 1000}\r\n".encode())
        await writer.drain()
        answer, _ = await until_closed(reader)
    except ConnectionError:
        pytest.fail("the server reset the connection instead of answering 431")
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]


async def test_what_follows_a_head_in_time_is_not_cut(served: tuple[str, int]) -> None:
    """A WebSocket outlives the head deadline: it is checked once an idle socket opened with it has been dropped."""
    host, port = served
    base = f"http://{host}:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        form = {"type": "merchant", "full_name": "P", "email": "owner@slow.example.com"}
        form |= {"password": "merchant-pass-1", "password_confirmation": "merchant-pass-1"}
        merchant = (await http.post("/accounts", data=form)).json()["account"]["uuid"]
        form = {"type": "consumer", "full_name": "V", "username": "v@slow.example.com", "client_id": merchant}
        form |= {"password": "viewer-pass-1", "password_confirmation": "viewer-pass-1", "grant_type": "password"}
        token = (await http.post("/accounts", data=form)).json()["access_token"]
    async with websockets.connect(f"ws://{host}:{port}/v2/notifications?token={token}", proxy=None) as ws:
        idle_reader, idle_writer = await asyncio.open_connection(host, port)
        try:
            assert (await until_closed(idle_reader))[0] == b""
        finally:
            idle_writer.close()
        pong = await ws.ping()
        await asyncio.wait_for(pong, timeout=PATIENCE)
