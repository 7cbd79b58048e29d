"""The one place domain errors become InPlayer's `{code, message, errors}` bodies."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse

from boxoffice import errors
from boxoffice.dialects.inplayer.forms import BodyTooLarge, MalformedBody

STATUS: list[tuple[type[errors.DomainError], int]] = [
    (BodyTooLarge, 413),
    (MalformedBody, 400),
    (errors.InvalidInput, 422),
    (errors.Unauthenticated, 401),
    (errors.InvalidCredentials, 403),
    (errors.Forbidden, 403),
    (errors.NoAccess, 402),
    (errors.PaymentDeclined, 402),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.RateLimited, 429),
    (errors.LimitReached, 400),
    (errors.Restricted, 403),
]


def error_response(status: int, message: str, field_errors: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, object] = {"code": status, "message": message}
    if field_errors:
        body["errors"] = field_errors
    return JSONResponse(body, status_code=status)


def render_domain_error(error: errors.DomainError) -> JSONResponse:
    status = next((code for kind, code in STATUS if isinstance(error, kind)), 400)
    field_errors = getattr(error, "errors", None)
    if isinstance(error, errors.Restricted):
        field_errors = {"restriction": error.reason}
    if isinstance(error, errors.PaymentDeclined):
        field_errors = {"decline_code": error.code}
    response = error_response(status, error.message, field_errors)
    if isinstance(error, errors.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def render_validation_error(error: RequestValidationError) -> JSONResponse:
    """Path and query parameters FastAPI could not parse (an id that isn't a number, say)."""
    field_errors = {}
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ()) if part not in ("path", "query", "body")]
        field_errors[".".join(location) or "request"] = str(problem.get("msg", "Invalid value"))
    return error_response(422 if field_errors else 400, "Invalid input", field_errors)
