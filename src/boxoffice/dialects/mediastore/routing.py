"""The route class every MediaStore router uses: one unit of work per request, every refusal in the envelope."""

from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from boxoffice.dialects.kit import Handler, in_unit_of_work
from boxoffice.dialects.mediastore.errors import render_domain_error, render_validation_error


class MediaStoreRoute(APIRoute):
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
