"""HTTP connections as `boxoffice serve` accepts them: Uvicorn's protocol (httptools), with the head of each
request bounded in time and size.

Uvicorn closes a kept-alive connection that stays idle for `timeout_keep_alive` seconds, but it waits without end
for a client that connects and sends nothing, or sends its headers a line at a time, and reads headers of any
length: each such client holds a socket, a file descriptor and memory for as long as it likes. Here a request's
whole head (request line and headers) must arrive within `header_timeout` seconds of the connection opening, or
of the first byte of the next request on a kept-alive one, and be at most `MAX_HEAD` bytes; otherwise the
connection is closed (with a 431 for a head too large). What follows the head (a body, a response streamed for
as long as the client listens, a WebSocket) is not bounded here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from boxoffice.kit.settings import get_settings

MAX_HEAD = 64 * 1024
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\nconnection: close\r\n\r\nRequest header fields too large"
)


class BoundedHeadProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read here, in each worker process: Uvicorn makes one protocol per connection from the class alone.
        self.header_timeout = get_settings().header_timeout
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_head()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # what the client still sends after the 431 is read and dropped, so that it can read the 431
        between_requests = self.cycle is None or self.cycle.response_complete
        if between_requests and self._head_deadline is None:
            self._expect_head()
        waiting_for = self.cycle
        super().data_received(data)
        # A new request's cycle means its head has been read whole; a WebSocket takes the connection over.
        if self.cycle is not waiting_for or self.transport.get_protocol() is not self:
            self._head_read()
        elif self._head_deadline is not None:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD and not self.transport.is_closing():
                self._refuse_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_read()
        super().connection_lost(exc)

    def _expect_head(self) -> None:
        self._head_bytes = 0
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _head_read(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _refuse_head(self) -> None:
        # Closing at once, with the client's bytes still unread, would reset the connection and lose the answer
        # on the way: the answer is sent and the sending side shut, and the connection is closed when the client
        # closes its side, or at the latest after another `header_timeout`.
        self._head_read()
        self._refused = True
        self.transport.write(_TOO_LARGE)
        self.transport.write_eof()
        self._head_deadline = self.loop.call_later(self.header_timeout, self.transport.close)

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.transport.get_protocol() is self and not self.transport.is_closing():
            self.transport.close()
