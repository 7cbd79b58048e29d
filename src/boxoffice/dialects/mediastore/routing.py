"""The route class every MediaStore router uses: one unit of work per request, every refusal in the envelope."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from boxoffice.dialects.mediastore.errors import render_domain_error, render_validation_error
from boxoffice.errors import Conflict, DomainError


class MediaStoreRoute(APIRoute):
    """Commits when the answer is below 400, rolls back otherwise (unless a refusal must keep what it wrote)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def unit_of_work(request: Request) -> Response:
            async with request.app.state.sessions() as session:
                request.state.session = session
                try:
                    response = await handler(request)
                except DomainError as error:
                    await (session.commit() if error.keep_changes else session.rollback())
                    return render_domain_error(error)
                except RequestValidationError as error:
                    await session.rollback()
                    return render_validation_error(error)
                except IntegrityError:
                    await session.rollback()
                    return render_domain_error(Conflict("The resource was changed concurrently; try again"))
                await (session.commit() if response.status_code < 400 else session.rollback())
                return response

        return unit_of_work
