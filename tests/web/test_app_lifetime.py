"""An app that is dropped is freed: nothing of its own stays reachable from what outlives it. FastAPI keeps every
endpoint it has classified in caches of its own, so an endpoint closing over its app kept every app a process made
(in the test processes, thousands, each with its routes' models: millions of objects for the collector to scan)."""

from __future__ import annotations

import gc
import weakref

import httpx

from boxoffice.app import build_routes, create_app, shared_routes
from boxoffice.kit.settings import Settings


async def test_a_dropped_app_is_freed_after_serving_every_kind_of_endpoint(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_port": None, "metrics_token": None}))
    build_routes(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path in ("/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/"):
            assert (await client.get(path)).status_code == 200, path
    await app.state.engine.dispose()
    gone = weakref.ref(app)
    del app, transport, client
    gc.collect()
    assert gone() is None


def test_every_app_shares_the_routes_readied_once(settings: Settings) -> None:
    """Two apps of a process route through the same route objects: what FastAPI readies at the first request of
    one (a second and more for the dialects) is ready for the other."""
    first, second = create_app(settings), create_app(settings)
    shared = {id(route) for route in first.routes} & {id(route) for route in second.routes}
    assert {id(route) for route in shared_routes()} <= shared
    assert len(shared_routes()) > 10
