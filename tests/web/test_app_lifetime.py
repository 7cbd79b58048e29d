"""An app that is dropped is freed: nothing of its own stays reachable from what outlives it. FastAPI keeps every
endpoint it has classified in caches of its own, so an endpoint closing over its app kept every app a process made
(in the test processes, thousands, each with its routes' models: millions of objects for the collector to scan)."""

from __future__ import annotations

import gc
import weakref

import httpx

from boxoffice.app import build_routes, create_app
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
