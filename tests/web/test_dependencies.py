"""What FastAPI runs for a route's dependencies stays on the event loop: a plain `def` dependency or endpoint is run
on a worker thread, a hand-off each way (and a turn for the GIL) on every request that names it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from boxoffice.app import Boxoffice
from boxoffice.dialects.openapi import dependencies


def _on_the_loop(call: Callable[..., Any]) -> bool:
    # A function, or an instance whose class defines an `async def __call__` (a body declaration, a security scheme).
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def test_no_dependency_or_endpoint_of_any_route_runs_on_a_worker_thread(documented_app: Boxoffice) -> None:
    routes = [context.original_route for context in iter_route_contexts(documented_app.routes)]
    api_routes = [route for route in routes if isinstance(route, APIRoute)]
    assert len(api_routes) > 200  # every dialect's routes, not only the app's own
    threaded = sorted(
        {
            f"{route.path}: {getattr(call, '__qualname__', type(call).__name__)}"
            for route in api_routes
            for call in [route.endpoint, *(d.call for d in dependencies(route.dependant) if d.call is not None)]
            if not _on_the_loop(call)
        }
    )
    assert threaded == []
