"""CORS for the MediaStore paths: the SDK runs in the publisher's web pages and sends `Authorization`,
`Content-Type` and `X-Requested-By`, so browsers ask first. An origin is allowed when a merchant has listed it
(`PUT /v2/allowed-origins`); a pre-flight names no merchant, so the list is every merchant's, re-read every
`cors_cache_seconds`."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boxoffice.identity.merchants import allowed_origins_everywhere

ALLOW_HEADERS = "Authorization, Content-Type, X-Requested-By"
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"


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


class MediaStoreCors:
    """ASGI middleware for the paths under `prefix`; everything else passes untouched."""

    def __init__(self, app: ASGIApp, *, prefix: str, origins: AllowedOrigins) -> None:
        self.app, self.prefix, self.origins = app, prefix, origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefix + "/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = await self.origins.allows(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            preflight = Response(status_code=204 if allowed else 403, headers={"Vary": "Origin"})
            if allowed:
                preflight.headers.update(
                    {
                        "Access-Control-Allow-Origin": origin,
                        "Access-Control-Allow-Methods": ALLOW_METHODS,
                        "Access-Control-Allow-Headers": ALLOW_HEADERS,
                        "Access-Control-Max-Age": "600",
                    }
                )
            await preflight(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.append("Vary", "Origin")
                if allowed:
                    response_headers["Access-Control-Allow-Origin"] = origin
            await send(message)

        await self.app(scope, receive, send_with_cors)
