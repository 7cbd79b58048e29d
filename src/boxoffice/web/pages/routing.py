"""How a page runs: in one transaction, as a dialect's request does (kit.requests), answering what it could not
do with a page rather than with an API's error body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import HTMLResponse, Response

from boxoffice.kit import errors
from boxoffice.kit.requests import in_unit_of_work
from boxoffice.web.pages import guard, languages, templating

STATUS: list[tuple[type[errors.DomainError], int]] = [
    (guard.FormExpired, 403),
    (errors.NotFound, 404),
    (errors.RateLimited, 429),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.InvalidInput, 422),
    (errors.Conflict, 409),
]
# What a page says of a refusal it did not expect to show on its own form, in the source language.
MESSAGES = {
    guard.FormExpired: "This form has expired. Go back, reload the page and try again.",
    errors.NotFound: "There is nothing here.",
    errors.RateLimited: "Too many attempts. Wait a moment and try again.",
    errors.Forbidden: "You are not allowed to do this.",
}
FALLBACK = "Something went wrong. Go back and try again."


def problem_page(request: Request, status: int, message: str) -> Response:
    """A bare page in the viewer's language, for when the merchant's page can't be shown (no such merchant, a
    forged form, a malformed address)."""
    language = languages.chosen(request.query_params.get("lang"), None, request.headers.get("accept-language"))
    words = templating.words(language)
    html = templating.render("problem.html", words | {"message": words["_"](message)})
    return guard.protect(HTMLResponse(html, status_code=status), "", [])


def refusal_page(request: Request, error: errors.DomainError) -> Response:
    status = next((code for kind, code in STATUS if isinstance(error, kind)), 400)
    message = next((text for kind, text in MESSAGES.items() if isinstance(error, kind)), FALLBACK)
    return problem_page(request, status, message)


class PageRoute(APIRoute):
    """A page: its work in one unit of work, committed when it answers below 400; never in /openapi.json."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["include_in_schema"] = False
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_transaction(request: Request) -> Response:
            return await in_unit_of_work(
                request,
                handler,
                render_domain_error=lambda error: refusal_page(request, error),
                render_validation_error=lambda _error: problem_page(request, 404, MESSAGES[errors.NotFound]),
            )

        return in_transaction
