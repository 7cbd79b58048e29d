"""A request id on every log line written while a request is answered, and in its answer's `X-Request-Id`.

The id is the incoming `X-Request-Id` when the connection comes from a proxy listed in `BOXOFFICE_TRUSTED_PROXIES`
(so that one id follows a request through the proxy's logs and ours), and made here otherwise: anyone else's
header would let a client write what our logs say. Making one costs a counter step: a random prefix per process
and a sequence number, unique without a system call on the hot path."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Awaitable
from ipaddress import IPv4Network, IPv6Network

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boxoffice.kit.logs import request_id as current_request_id
from boxoffice.web.request_base import peer_is_trusted

HEADER = b"x-request-id"
# What a proxy's id may be: the usual forms (UUIDs, hex, nginx's $request_id, AWS's `Root=1-…`), nothing that
# could forge another line or field in a log.
_GIVEN = re.compile(rb"[A-Za-z0-9._:=+/-]{1,128}")
_PREFIX = secrets.token_hex(6)
_SEQUENCE = itertools.count(1)


def new_request_id() -> str:
    return f"{_PREFIX}{next(_SEQUENCE):08x}"


def _given(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("ascii") if _GIVEN.fullmatch(value) else None
    return None


class RequestIds:
    """ASGI middleware: names each request, for its log lines and its answer."""

    def __init__(self, app: ASGIApp, trusted: list[IPv4Network | IPv6Network]) -> None:
        self.app, self.trusted = app, trusted

    def request_id(self, scope: Scope) -> str:
        if self.trusted and peer_is_trusted(scope, self.trusted):
            return _given(scope) or new_request_id()
        return new_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = self.request_id(scope)
        header = (HEADER, request_id.encode("ascii"))

        # This runs on every request, the access check's included: one closure, one header, one variable set.
        def send_with_id(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            return send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
