"""CORS for both dialects: their SDKs run in web pages on other origins, so browsers ask before most calls (a
pre-flight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`) and read an answer only when it names
their origin.

* MediaStore (under its prefix): only the origins merchants have listed (`PUT /v2/allowed-origins`).
* InPlayer: its API is public and called from any page, so a request without credentials is open to every origin
  (`*`); one that carries them (`Authorization`, cookies) only to a listed origin, as is a pre-flight that asks to
  send `Authorization`.

A pre-flight names no merchant, so the list is every merchant's, re-read every `cors_cache_seconds`. The middleware
is outermost: it also covers the access check answered before the framework."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boxoffice.identity.merchants import allowed_origins_everywhere

MEDIASTORE_HEADERS = "Authorization, Content-Type, X-Requested-By"
ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
MAX_AGE = "600"
ANY_ORIGIN = "*"
# Header names as a pre-flight lists them (RFC 9110 tokens), comma-separated; anything else is not echoed back.
_HEADER_NAMES = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*")
_CREDENTIALS = (b"authorization", b"cookie")
# InPlayer's `reportSSOtoken` (dialects/inplayer/shared_sessions.py): the one path whose cookie other origins use.
SHARED_SESSION_PATH = "/sso/cookie"


class AllowedOrigins:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], keep_for: float) -> None:
        self.sessions, self.keep_for = sessions, keep_for
        self._origins: set[str] = set()
        self._read_at = float("-inf")

    async def allows(self, origin: str) -> bool:
        if time.monotonic() - self._read_at >= self.keep_for:
            async with self.sessions() as session:
                self._origins = await allowed_origins_everywhere(session)
            self._read_at = time.monotonic()
        return origin.lower().rstrip("/") in self._origins


class Cors:
    """ASGI middleware: pre-flights answered here, answers to browsers given the headers that let them be read.
    `is_inplayer(path)` says whether a path is one of InPlayer's routes; paths of neither dialect pass untouched."""

    def __init__(
        self, app: ASGIApp, *, mediastore_prefix: str, is_inplayer: Callable[[str], bool], origins: AllowedOrigins
    ) -> None:
        self.app, self.mediastore_prefix, self.is_inplayer, self.origins = app, mediastore_prefix, is_inplayer, origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        path, headers = str(scope["path"]), Headers(scope=scope)
        origin = headers["origin"]
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        if path.startswith(self.mediastore_prefix + "/"):
            allowed: str | None = origin if await self.origins.allows(origin) else None
            allow_headers = MEDIASTORE_HEADERS
        elif self.is_inplayer(path):
            requested = headers.get("access-control-request-headers", "").strip()
            allow_headers = requested if _HEADER_NAMES.fullmatch(requested) else ""
            if preflight:
                credentials = "authorization" in {name.strip().lower() for name in requested.split(",")}
            else:
                credentials = any(name in _CREDENTIALS for name, _ in scope["headers"])
            # The shared session's cookie is sent and set with the browser's credentials even before there is one.
            credentials = credentials or path == SHARED_SESSION_PATH
            allowed = ANY_ORIGIN if not credentials else origin if await self.origins.allows(origin) else None
        else:
            await self.app(scope, receive, send)
            return
        if preflight:
            await _preflight(allowed, allow_headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.append("Vary", "Origin")
                if allowed is not None:
                    response_headers["Access-Control-Allow-Origin"] = allowed
                    if path == SHARED_SESSION_PATH:
                        response_headers["Access-Control-Allow-Credentials"] = "true"
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _preflight(allowed: str | None, allow_headers: str) -> Response:
    """204 naming what the actual request may do, or 403 (no CORS headers: the browser refuses the call)."""
    answer = Response(status_code=204 if allowed is not None else 403, headers={"Vary": "Origin"})
    if allowed is not None:
        answer.headers.update(
            {
                "Access-Control-Allow-Origin": allowed,
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Max-Age": MAX_AGE,
            }
        )
        if allow_headers:
            answer.headers["Access-Control-Allow-Headers"] = allow_headers
    return answer
