"""`GET /items/{id}/access`, the request every play makes, answered before the framework: no middleware stack,
routing, validation or per-request transaction. A repeated check is answered from the checker's remembered
verdict and a body rendered once; the rest goes through the checker's full check. Anything it can't answer the
same way as the route (profile tokens) is left to the route, which gives the same answers."""

from __future__ import annotations

import time
from typing import Any, cast

import orjson
from starlette.types import Receive, Scope, Send

from boxoffice.access.checker import AccessChecker, Granted, SlowPath
from boxoffice.access.content_log import ContentLog
from boxoffice.catalog.models import Product
from boxoffice.dialects.inplayer import catalog_render, render
from boxoffice.dialects.inplayer.catalog_render import Item
from boxoffice.dialects.inplayer.errors import render_domain_error
from boxoffice.identity.models import Merchant
from boxoffice.kit import client_info, clock
from boxoffice.kit.errors import DomainError, Unauthenticated
from boxoffice.kit.metrics import LATENCY, REQUESTS
from boxoffice.kit.settings import Settings

PREFIX, SUFFIX = "/items/", "/access"
ROUTE_LABEL = "/items/{item_id}/access"
MAX_ID_DIGITS = 18
MAX_REMEMBERED = 100_000
JSON_HEADERS = [(b"content-type", b"application/json")]
_GRANTED_COUNT = REQUESTS.labels("GET", ROUTE_LABEL, "200")
_LATENCY = LATENCY.labels("GET", ROUTE_LABEL)


def item_id_of(path: str) -> int | None:
    """The id in `/items/{id}/access`, or None for any other path (ids are positive, at most 18 digits)."""
    if not (path.startswith(PREFIX) and path.endswith(SUFFIX)):
        return None
    digits = path[len(PREFIX) : -len(SUFFIX)]
    if not (0 < len(digits) <= MAX_ID_DIGITS and digits.isascii() and digits.isdigit() and digits[0] != "0"):
        return None
    return int(digits)


class FastAccessCheck:
    def __init__(self, checker: AccessChecker, content_log: ContentLog, settings: Settings) -> None:
        self.checker, self.content_log, self.settings = checker, content_log, settings
        # Rendered bodies, each kept beside the grant it renders: a new grant (anything changed) renders anew.
        self._bodies: dict[tuple[int, int, int], tuple[Granted, bytes]] = {}
        # Each item as every viewer's body shows it, kept beside the rows it was rendered from: a new product or
        # merchant row (anything changed) renders it anew.
        self._items: dict[int, tuple[Product, Merchant, orjson.Fragment]] = {}
        self._clients: dict[tuple[Any, ...], client_info.ClientInfo] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is an access check this path can answer; False leaves it to the app."""
        if scope["method"] != "GET":
            return False
        item_id = item_id_of(scope["path"])
        if item_id is None:
            return False
        started = time.perf_counter()
        authorization, client = self._read_headers(scope)
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        try:
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated()
            granted = self.checker.remembered(token, item_id, client, clock.now(), self.content_log.record)
            if granted is None:
                granted = await self.checker.check(token, item_id, client, self.content_log.record)
        except SlowPath:
            return False
        except DomainError as error:
            response = render_domain_error(error)
            await response(scope, receive, send)
            REQUESTS.labels("GET", ROUTE_LABEL, str(response.status_code)).inc()
            _LATENCY.observe(time.perf_counter() - started)
            return True
        body = self._body(granted)
        await send({"type": "http.response.start", "status": 200, "headers": [*JSON_HEADERS, _length(body)]})
        await send({"type": "http.response.body", "body": body})
        _GRANTED_COUNT.inc()
        _LATENCY.observe(time.perf_counter() - started)
        return True

    def _read_headers(self, scope: Scope) -> tuple[str, client_info.ClientInfo]:
        authorization = forwarded = user_agent = referrer = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")
            elif name == b"referer":
                referrer = value.decode("latin-1")
            elif name == b"x-forwarded-for":
                forwarded = f"{forwarded},{value.decode('latin-1')}" if forwarded else value.decode("latin-1")
        peer = scope.get("client")
        key = (peer[0] if peer else None, forwarded, user_agent, referrer)
        client = self._clients.get(key)
        if client is None:
            client = client_info.describe(
                peer=key[0],
                forwarded_for=forwarded or None,
                user_agent=user_agent or None,
                referrer=referrer or None,
                trusted=self.settings.trusted_proxies,
            )
            if len(self._clients) >= MAX_REMEMBERED:
                self._clients.clear()
            self._clients[key] = client
        return authorization, client

    def _body(self, granted: Granted) -> bytes:
        merchant, customer, access = granted.merchant, granted.customer, granted.access
        key = granted.key
        remembered = self._bodies.get(key)
        if remembered is not None and remembered[0] is granted:
            return remembered[1]
        item = self._item(access.product, merchant)
        # The item goes into the body already rendered: orjson writes a Fragment's bytes as they are.
        rendered = render.item_access(access.entitlement, access.product.id, customer, merchant, cast(Item, item))
        body = orjson.dumps(rendered)
        if len(self._bodies) >= MAX_REMEMBERED:
            self._bodies.clear()
        self._bodies[key] = (granted, body)
        return body

    def _item(self, product: Product, merchant: Merchant) -> orjson.Fragment:
        remembered = self._items.get(product.id)
        if remembered is not None and remembered[0] is product and remembered[1] is merchant:
            return remembered[2]
        item = orjson.Fragment(orjson.dumps(catalog_render.item(product, merchant, with_content=True)))
        if len(self._items) >= MAX_REMEMBERED:
            self._items.clear()
        self._items[product.id] = (product, merchant, item)
        return item


def _length(body: bytes) -> tuple[bytes, bytes]:
    return b"content-length", str(len(body)).encode()
