"""The route class every MediaStore router uses: one unit of work per request, every refusal in the envelope, and
each route documented from what it is (boxoffice.dialects.openapi): its `Answer[T]` return type is its success,
`Envelope[T]`; its refusals are `Refusal`s."""

from __future__ import annotations

from typing import Any, cast

from fastapi import Request
from starlette.responses import Response

from boxoffice.dialects.mediastore.envelope import Envelope, Refusal
from boxoffice.dialects.mediastore.errors import render_domain_error, render_validation_error
from boxoffice.dialects.openapi import DescribedRoute
from boxoffice.kit.requests import Handler, in_unit_of_work


class MediaStoreRoute(DescribedRoute):
    error_model = Refusal
    errors = {
        400: "Malformed: a path, query or body parameter of the wrong type (`REQ0003`, `REQ0002`, `REQ0001`)",
        404: "Not found",
        409: "Conflict with the current state (or a concurrent change: try again)",
        422: "Refused: a parameter's value, or the state of what it names",
        429: "Too many attempts: `Retry-After` says when to try again",
        "4XX": "Any other refusal, in the same envelope",
    }
    secured_errors = {
        401: "No JWT (`AUTH0001`), an invalid one (`AUTH0002`) or an expired one (`AUTH0003`)",
        403: "Not the JWT's customer's to see or do",
    }

    success = "Success, in the envelope"

    @classmethod
    def documented(cls, carried: Any) -> Any:
        return cast(Any, Envelope)[carried]  # the type is the annotation's, known at run time only

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def unit_of_work(request: Request) -> Response:
            return await in_unit_of_work(
                request,
                handler,
                render_domain_error=render_domain_error,
                render_validation_error=render_validation_error,
            )

        return unit_of_work
