"""`GET /items/{id}/access`, the request every play makes, answered without the framework's routing,
validation and per-request transaction, through the cached checker. Anything it can't answer the same way
(profile tokens) falls through to the full route, which gives the same answers."""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from boxoffice import client_info
from boxoffice.access.checker import AccessChecker, SlowPath
from boxoffice.cache import TTLCache
from boxoffice.catalog.models import Product
from boxoffice.dialects.inplayer import catalog_render, render
from boxoffice.dialects.inplayer.errors import render_domain_error
from boxoffice.errors import DomainError, Unauthenticated
from boxoffice.identity.models import Merchant

PATH = re.compile(r"^/items/([1-9][0-9]{0,17})/access$")
ROUTE_LABEL = "/items/{item_id}/access"


class _Route:
    """What the metrics middleware reads to label the request."""

    path = ROUTE_LABEL


class FastAccessCheck:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._items: TTLCache[dict[str, Any]] = TTLCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.match(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        scope["route"] = _Route
        try:
            status, body = 200, await self._answer(scope, state, int(match.group(1)))
        except SlowPath:
            await self.app(scope, receive, send)
            return
        except DomainError as error:
            await render_domain_error(error)(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope, state: Any, item_id: int) -> bytes:
        headers = Headers(scope=scope)
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated()
        checker: AccessChecker = state.access_checker
        peer = scope.get("client")
        client = client_info.describe(
            peer=peer[0] if peer else None,
            forwarded_for=",".join(headers.getlist("x-forwarded-for")) or None,
            user_agent=headers.get("user-agent"),
            referrer=headers.get("referer"),
            trusted=state.settings.trusted_proxies,
        )
        granted = await checker.check(token.strip(), item_id, client, state.content_log.record)
        merchant, product = granted.merchant, granted.access.product
        item = await self._items.get_or_load(
            (merchant.id, product.id), lambda: self._render(product, merchant), merchant.id
        )
        return orjson.dumps(
            render.item_access(granted.access.entitlement, product.id, granted.customer, merchant, item)
        )

    async def _render(self, product: Product, merchant: Merchant) -> dict[str, Any]:
        return catalog_render.item(product, merchant, with_content=True)
