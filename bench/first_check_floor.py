"""The floor of a first access check in Python: the least any server on this stack must do to answer one.

It verifies the bearer token with PyJWT, reads the viewer's session, customer and entitlement in force (the item's
packages included) in one asyncpg statement per event-loop turn, batched as Boxoffice batches its first checks,
and answers a small JSON body. It has no rules beyond those rows, no caches, no middleware and logs nothing:
`live_event.py` serves it with the same server program as Boxoffice, beside raw ASGI, to show how far below raw
ASGI a first check must stay however it is written.

Configured by environment: BOXOFFICE_DATABASE_URL (PostgreSQL) and BOXOFFICE_SECRET_KEY (the tokens' secret).
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import jwt
import orjson

MAX_IN_FLIGHT, MAX_BATCH = 4, 256
READ = """
SELECT ask.at, session.expires_at, customer.erased_at, (
    SELECT entitlement.expires_at FROM entitlements entitlement
    WHERE entitlement.merchant_id = $3 AND entitlement.customer_id = ask.customer_id
      AND entitlement.product_id = ANY($4::bigint[]) AND entitlement.revoked_at IS NULL
      AND entitlement.starts_at <= $5 AND entitlement.expires_at > $5
    ORDER BY entitlement.expires_at DESC LIMIT 1)
FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS ask(session_id, customer_id, at)
JOIN auth_sessions session ON session.id = ask.session_id AND session.merchant_id = $3
JOIN customers customer ON customer.id = ask.customer_id AND customer.merchant_id = $3
WHERE session.revoked_at IS NULL AND session.expires_at > $5
"""
HEADERS = [(b"content-type", b"application/json")]
NOT_FOUND = (404, b'{"code":404}')
FORBIDDEN = (403, b'{"code":403}')


class Reads:
    """Viewers asked for in one loop turn go out as one statement, at most MAX_IN_FLIGHT statements at a time."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.waiting: dict[tuple[int, tuple[int, ...]], list[tuple[int, int, asyncio.Future[Any]]]] = {}
        self.in_flight = 0
        self.scheduled = False
        self.tasks: set[asyncio.Task[None]] = set()

    def read(self, merchant_id: int, product_ids: tuple[int, ...], session_id: int, customer_id: int) -> Any:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        self.waiting.setdefault((merchant_id, product_ids), []).append((session_id, customer_id, answer))
        if not self.scheduled:
            self.scheduled = True
            loop.call_soon(self._send)
        return answer

    def _send(self) -> None:
        self.scheduled = False
        while self.waiting and self.in_flight < MAX_IN_FLIGHT:
            key = next(iter(self.waiting))
            asks = self.waiting.pop(key)
            if len(asks) > MAX_BATCH:
                self.waiting[key] = asks[MAX_BATCH:]
                asks = asks[:MAX_BATCH]
            self.in_flight += 1
            task = asyncio.ensure_future(self._read(key, asks))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _read(self, key: tuple[int, tuple[int, ...]], asks: list[tuple[int, int, asyncio.Future[Any]]]) -> None:
        try:
            async with self.pool.acquire() as connection:
                rows = await connection.fetch(
                    READ, [a[0] for a in asks], [a[1] for a in asks], key[0], list(key[1]), datetime.utcnow()
                )
            found = {row[0]: row for row in rows}
            for at, (_, _, answer) in enumerate(asks, 1):
                answer.set_result(found.get(at))
        except Exception as error:
            for _, _, answer in asks:
                answer.set_exception(error)
        finally:
            self.in_flight -= 1
            self._send()


class Floor:
    def __init__(self) -> None:
        self.secret = os.environ["BOXOFFICE_SECRET_KEY"]
        self.reads: Reads | None = None
        self.packages: dict[int, tuple[int, ...]] = {}

    async def start(self) -> None:
        url = os.environ["BOXOFFICE_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
        pool = await asyncpg.create_pool(url, min_size=MAX_IN_FLIGHT, max_size=MAX_IN_FLIGHT)
        for product_id, package_ids in await pool.fetch(
            "SELECT product_id, array_agg(package_id) FROM package_members GROUP BY product_id"
        ):
            self.packages[product_id] = (product_id, *package_ids)
        self.reads = Reads(pool)

    async def answer(self, scope: dict[str, Any]) -> tuple[int, bytes]:
        authorization = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        item_id = scope["path"].removeprefix("/items/").removesuffix("/access")
        if not authorization.startswith(b"Bearer ") or not item_id.isdigit() or self.reads is None:
            return NOT_FOUND
        claims = jwt.decode(authorization[7:].decode(), self.secret, algorithms=["HS256"], issuer="boxoffice")
        product_ids = self.packages.get(int(item_id), (int(item_id),))
        row = await self.reads.read(claims["mid"], product_ids, claims["sid"], claims["aid"])
        if row is None or row[2] is not None or row[3] is None:
            return FORBIDDEN
        body = {"item_id": int(item_id), "customer_id": claims["aid"], "expires_at": int(row[3].timestamp())}
        return 200, orjson.dumps(body)


floor = Floor()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await floor.start()
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    status, body = await floor.answer(scope)
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [*HEADERS, length]})
    await send({"type": "http.response.body", "body": body})
