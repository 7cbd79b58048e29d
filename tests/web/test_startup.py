"""A served app loads at startup what its first requests would otherwise load on the event loop, where every
request in flight waits for it: FastAPI's models of each route and the device patterns."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import ua_parser
from fastapi import routing

from boxoffice.app import create_app, shared_routes
from boxoffice.kit import heap
from boxoffice.kit.settings import Settings


async def test_a_served_apps_first_request_builds_nothing(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "settle", lambda: None)  # the test process keeps its own collector settings
    monkeypatch.delattr(ua_parser, "parser", raising=False)  # as in a fresh process
    shared_routes.cache_clear()  # as in a fresh process: no app made its routes yet
    built: list[str] = []
    build = routing._EffectiveRouteContext.from_api_route.__func__  # type: ignore[attr-defined]

    def counted(cls: Any, *args: Any, **kwargs: Any) -> Any:
        built.append(kwargs["original_route"].path)
        return build(cls, *args, **kwargs)

    monkeypatch.setattr(routing._EffectiveRouteContext, "from_api_route", classmethod(counted))
    app = create_app(settings, settle_heap=True)
    async with app.router.lifespan_context(app):
        assert "/accounts/authenticate" in built
        assert "parser" in vars(ua_parser)
        built.clear()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answer = await client.post("/accounts/authenticate", data={"grant_type": "password"})
        assert answer.status_code == 422
        assert built == []
    await app.state.engine.dispose()
