"""The one place domain errors become MediaStore refusals: an HTTP status, the message, and the `code` of the
SDK's `errorCodes.ts` where it has one."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse

from boxoffice import errors
from boxoffice.dialects.mediastore.envelope import refusal

# What the SDK knows them as (`REQ` a bad request, `USER` an account, `AUTH` the JWT).
INVALID_BODY, INVALID_QUERY, INVALID_PATH = "REQ0001", "REQ0002", "REQ0003"
WRONG_CREDENTIALS, ALREADY_EXISTS = "USER0001", "USER0002"
MISSING_JWT, INVALID_JWT, EXPIRED_JWT = "AUTH0001", "AUTH0002", "AUTH0003"


class Refused(errors.DomainError):
    """A refusal in MediaStore's own terms, where no domain error says it the way its clients expect."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        self.status, self.code = status, code
        super().__init__(message)


class MalformedRequest(Refused):
    def __init__(self, message: str, code: str = INVALID_BODY) -> None:
        super().__init__(400, message, code)


STATUS: list[tuple[type[errors.DomainError], int, str | None]] = [
    (errors.InvalidInput, 422, INVALID_BODY),
    (errors.Unauthenticated, 401, INVALID_JWT),
    (errors.InvalidCredentials, 401, WRONG_CREDENTIALS),
    (errors.Forbidden, 403, None),
    (errors.NotFound, 404, None),
    (errors.Conflict, 409, None),
    (errors.NoAccess, 403, None),
    (errors.PaymentDeclined, 402, None),
    (errors.RateLimited, 429, None),
    (errors.LimitReached, 422, None),
    (errors.Restricted, 403, None),
]


# The SDK's checkout matches this text to tell a customer they have what they are buying.
ALREADY_HELD = "Access already granted"


def render_domain_error(error: errors.DomainError) -> JSONResponse:
    if isinstance(error, Refused):
        return refusal(error.status, error.message, error.code)
    if isinstance(error, errors.AlreadyHeld):
        return refusal(409, ALREADY_HELD)
    status, code = next(((s, c) for kind, s, c in STATUS if isinstance(error, kind)), (400, None))
    message = error.message
    if isinstance(error, errors.InvalidInput) and len(error.errors) > 1:
        message = " ".join(error.errors.values())
    response = refusal(status, message, code)
    if isinstance(error, errors.RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def render_validation_error(error: RequestValidationError) -> JSONResponse:
    """Path and query parameters that could not be parsed (an id that isn't a number, say)."""
    problems = error.errors()
    where = str(problems[0].get("loc", ("body",))[0]) if problems else "body"
    code = {"path": INVALID_PATH, "query": INVALID_QUERY}.get(where, INVALID_BODY)
    names = [".".join(str(p) for p in problem.get("loc", ())[1:]) for problem in problems]
    return refusal(400, f"Invalid param {', '.join(n for n in names if n) or where}", code)
