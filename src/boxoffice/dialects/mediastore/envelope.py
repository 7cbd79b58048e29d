"""MediaStore's envelope: every answer is `{responseData, errors}`; a refusal has a non-2xx status, a non-empty
`errors` (the SDK shows `errors[0]`) and, where the SDK branches on it, a top-level `code`.

A route says what it answers by its return type, `Answer[T]`: `answer` only takes a `T`, so mypy checks each
rendered body against the TypedDict, and the route class documents the same `T` as the route's response (see
`openapi`)."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, NotRequired, TypeVar

from pydantic import ConfigDict, Field, with_config
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.dialects.openapi import TypedAnswer

T = TypeVar("T")
# The codes of the SDK's `errorCodes.ts` this server sends (`REQ` a bad request, `USER` an account, `AUTH` the JWT,
# `ADYEN` a payment connector's refusal).
Code = Literal[
    "REQ0001",
    "REQ0002",
    "REQ0003",
    "USER0001",
    "USER0002",
    "AUTH0001",
    "AUTH0002",
    "AUTH0003",
    "ADYEN0002",
    "ADYEN0005",
]
# What a response's TypedDict is checked with in the document: no field it does not name.
CLOSED = ConfigDict(extra="forbid")


class Envelope(TypedDict, Generic[T]):
    """A success: what was asked for, and no errors."""

    responseData: T
    errors: Annotated[list[str], Field(max_length=0)]


@with_config(CLOSED)
class Nothing(TypedDict):
    """An answer with nothing to say beyond success: `{}`."""


@with_config(CLOSED)
class Refusal(TypedDict):
    """A refusal: an empty `responseData`, the message first in `errors`, and the SDK's `code` where it has one."""

    responseData: Nothing
    errors: Annotated[list[str], Field(min_length=1)]
    code: NotRequired[Code]


class Answer(TypedAnswer[T]):
    """A success in the envelope, typed by what it carries."""


def answer(data: T) -> Answer[T]:
    return Answer({"responseData": data, "errors": []})


def refusal(status: int, message: str, code: Code | None = None) -> JSONResponse:
    body: Refusal = {"responseData": {}, "errors": [message]}
    if code is not None:
        body["code"] = code
    return JSONResponse(body, status_code=status)
