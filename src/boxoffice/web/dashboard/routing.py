"""How a dashboard page runs: as a hosted page does (one unit of work, refusals as pages), except that a page asked
for without a session answers with the sign-in page."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from boxoffice.kit import errors
from boxoffice.kit.requests import in_unit_of_work
from boxoffice.web.dashboard.context import PATH, SignInNeeded
from boxoffice.web.pages.routing import MESSAGES, PageRoute, problem_page, refusal_page


def sign_in_first(request: Request) -> Response:
    # Only a page of the dashboard's own is returned to after signing in.
    wanted = request.url.path if request.method == "GET" else PATH
    return RedirectResponse(f"{PATH}/sign-in?next={quote(wanted, safe='/')}", status_code=303)


class DashboardRoute(PageRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super(PageRoute, self).get_route_handler()

        def refused(request: Request, error: errors.DomainError) -> Response:
            return sign_in_first(request) if isinstance(error, SignInNeeded) else refusal_page(request, error)

        async def in_transaction(request: Request) -> Response:
            return await in_unit_of_work(
                request,
                handler,
                render_domain_error=lambda error: refused(request, error),
                render_validation_error=lambda _error: problem_page(request, 404, MESSAGES[errors.NotFound]),
            )

        return in_transaction


def dashboard_router() -> APIRouter:
    return APIRouter(route_class=DashboardRoute)
