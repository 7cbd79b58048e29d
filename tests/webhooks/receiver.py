"""A real HTTP receiver on a local port, for webhook tests: it records every request it reads and answers as
each path is told to (`/ok`, `/status/500`, `/down/3` (503 for the first three requests, then 200), `/hang`,
`/reset` (a TCP reset instead of an answer), `/held` (answers only when released))."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    counts: dict[str, int] = field(default_factory=dict)
    handlers: set[asyncio.Task[None]] = field(default_factory=set)
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait_for(self, path: str, count: int) -> list[Received]:
        """Until `count` requests to `path` have arrived (30 s is a ceiling, never what a test waits for)."""
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.at(path)) >= count), 30)
        return self.at(path)

    async def _answer(self, path: str) -> tuple[int, bytes] | None:
        seen = self.counts[path] = self.counts.get(path, 0) + 1
        parts = path.strip("/").split("/")
        if parts[0] == "status":
            return int(parts[1]), b'{"error": "as configured"}'
        if parts[0] == "down":
            return (503, b"down for now") if seen <= int(parts[1]) else (200, b"back")
        if parts[0] == "hang":
            await self.closing.wait()
            return None
        if parts[0] == "held":
            await asyncio.wait(
                [asyncio.ensure_future(self.release.wait()), asyncio.ensure_future(self.closing.wait())],
                return_when=asyncio.FIRST_COMPLETED,
            )
        if parts[0] == "reset" or self.closing.is_set():
            return None
        return 200, b"ok"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        self.writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                _, path, _ = lines[0].split(" ", 2)
                fields = (line.partition(":") for line in lines[1:] if line)
                headers = {name.strip().lower(): value.strip() for name, _, value in fields}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                async with self.arrived:
                    self.requests.append(Received(path, headers, body))
                    self.arrived.notify_all()
                answer = await self._answer(path)
                if answer is None:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                status, text = answer
                writer.write(
                    f"HTTP/1.1 {status} X\r\ncontent-length: {len(text)}\r\ncontent-type: text/plain\r\n\r\n".encode()
                    + text
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    server = await asyncio.start_server(receiver._serve, "127.0.0.1", 0)
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        yield receiver
    finally:
        server.close()
        receiver.closing.set()
        for writer in receiver.writers:
            writer.transport.abort()
        await asyncio.gather(*receiver.handlers, return_exceptions=True)
