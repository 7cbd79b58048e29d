"""The ceiling: a raw ASGI app answering a constant JSON body, served by the same server program as Boxoffice."""

from __future__ import annotations

from typing import Any

BODY = b'{"id":1,"item":{"id":1,"title":"constant"},"expires_at":1900000000}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
