"""The route class every API 3.1 router uses: one unit of work per request, every refusal `{message}`, and each
route documented from what it is (boxoffice.dialects.openapi)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from boxoffice.dialects.api31.errors import ErrorMessage, Refused, render_domain_error, render_validation_error
from boxoffice.dialects.openapi import DescribedRoute
from boxoffice.kit.requests import Handler, in_unit_of_work, nul_in_url


class Api31Route(DescribedRoute):
    error_model = ErrorMessage
    errors = {
        400: "Malformed: a path, query or body parameter of the wrong type",
        404: "Not found, or not the publisher's",
        409: "Conflict with the current state",
        422: "Refused: a parameter's value, or the state of what it names",
        "4XX": "Any other refusal, in the same shape",
    }
    secured_errors = {401: "No `X-Publisher-Token`, or not a publisher's", 403: "Not the publisher's to do"}

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def unit_of_work(request: Request) -> Response:
            return await in_unit_of_work(
                request,
                handler,
                render_domain_error=render_domain_error,
                render_validation_error=render_validation_error,
                check=_refuse_nul_in_url,
            )

        return unit_of_work


def _refuse_nul_in_url(request: Request) -> None:
    if nul_in_url(request):
        raise Refused(400, "The URL contains a NUL character")
