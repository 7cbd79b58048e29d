"""The route class every InPlayer router uses: one unit of work per request, errors in InPlayer's shape, and
`Idempotency-Key` honoured on every write."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import structlog
from fastapi import Request
from starlette.responses import Response

from boxoffice.dialects.inplayer.errors import ErrorBody, render_domain_error, render_validation_error
from boxoffice.dialects.inplayer.forms import refuse_nul_in_url
from boxoffice.dialects.openapi import DescribedRoute
from boxoffice.kit import idempotency
from boxoffice.kit.errors import DomainError
from boxoffice.kit.requests import in_unit_of_work

log = structlog.get_logger(__name__)


class InPlayerRoute(DescribedRoute):
    """Runs the endpoint in a unit of work (boxoffice.kit.requests), answering an `Idempotency-Key` once; its
    refusals are documented in InPlayer's envelope (boxoffice.dialects.openapi)."""

    error_model = ErrorBody
    errors = {
        400: "Malformed request, or a limit reached",
        404: "Not found",
        409: "Conflict with the current state",
        413: "Request body too large",
        422: "Invalid input: `errors` names each wrong field",
        429: "Too many attempts: `Retry-After` says when to try again",
        "4XX": "Any other refusal, in the same envelope",
    }
    secured_errors = {401: "Missing or invalid token", 403: "The token may not do this"}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def unit_of_work(request: Request) -> Response:
            return await in_unit_of_work(
                request,
                handler,
                render_domain_error=render_domain_error,
                render_validation_error=render_validation_error,
                check=refuse_nul_in_url,
            )

        async def idempotent(request: Request) -> Response:
            """A write with an `Idempotency-Key` is answered once and replayed after (boxoffice.kit.idempotency)."""
            key = request.headers.get("idempotency-key")
            if key is None or request.method not in idempotency.WRITES:
                return await unit_of_work(request)
            sessions = request.app.state.sessions
            lease = timedelta(seconds=request.app.state.settings.idempotency_lease_seconds)
            try:
                outcome = await idempotency.begin(
                    sessions,
                    credential=_credential(request),
                    key=idempotency.check_key(key),
                    method=request.method,
                    target=request.url.path.encode() + b"?" + request.url.query.encode(),
                    body=await request.body(),
                    lease=lease,
                )
            except DomainError as error:
                return render_domain_error(error)
            if isinstance(outcome, idempotency.Stored):
                replay = Response(outcome.body, status_code=outcome.status_code, media_type=outcome.content_type)
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            try:
                async with idempotency.hold(sessions, outcome, lease):
                    response = await unit_of_work(request)
            except BaseException:
                await idempotency.finish(sessions, outcome, 500, None, b"")
                raise
            body = bytes(getattr(response, "body", b""))
            await idempotency.finish(
                sessions, outcome, response.status_code, response.headers.get("content-type"), body
            )
            return response

        return idempotent


def _credential(request: Request) -> bytes:
    """Whose keys these are: the bearer of the Authorization header, or else the client's address."""
    authorization = request.headers.get("authorization")
    if authorization:
        return b"auth:" + authorization.encode("latin-1")
    return b"peer:" + (request.client.host if request.client else "").encode()
