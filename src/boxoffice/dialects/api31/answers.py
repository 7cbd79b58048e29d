"""API 3.1's answers. Its shapes are not uniform (cleeng-api.md §4): some resources come bare, some wrapped as
`{success, message, data}`, lists as `{items, totalCount}` or `{message, data[]}`. A route says which by its return
type, `Answer[T]`; `answer` only takes a `T`, so mypy checks each rendered body against the TypedDict, and the
route class documents the same `T` as the route's response."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import orjson
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.openapi import TypedAnswer
from boxoffice.kit.db import hold

T = TypeVar("T")


class Wrapped(TypedDict, Generic[T]):
    """A resource wrapped as Cleeng's `CustomerResponse` and `PaymentDetailResponse` are."""

    success: bool
    message: str
    data: T


class Listed(TypedDict, Generic[T]):
    """A page of a list: the items and how many there are in all."""

    items: list[T]
    totalCount: int


class Done(TypedDict):
    """Done: there is nothing more to say."""


class Answer(TypedAnswer[T]):
    """A success, typed by what it carries."""

    def render(self, content: object) -> bytes:
        return b"" if self.status_code == 304 else super().render(content)  # "not modified" carries no body


def answer(data: T, status: int = 200) -> Answer[T]:
    return Answer(data, status_code=status)


def envelope(data: T, message: str = "") -> Wrapped[T]:
    return {"success": True, "message": message, "data": data}


def wrapped(data: T, message: str = "") -> Answer[Wrapped[T]]:
    return answer(envelope(data, message))


def etag_of(data: object) -> str:
    """A strong validator of the resource as rendered: any change to what a client sees changes it."""
    return '"' + hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def tagged(request: Request, data: T) -> Answer[T]:
    """The resource with its `ETag`; a GET whose `If-None-Match` names it is answered 304 without it."""
    tag = etag_of(data)
    wanted = request.headers.get("if-none-match")
    if request.method == "GET" and wanted is not None and (tag in _tags(wanted) or wanted.strip() == "*"):
        return Answer(None, status_code=304, headers={"ETag": tag})
    response = answer(data)
    response.headers["ETag"] = tag
    return response


async def require_match(
    request: Request, session: AsyncSession, resource: Hashable, current: Callable[[], Awaitable[object]]
) -> None:
    """A conditional update: refused (412) when `If-Match` names another version than the current one, which
    `current` reads as the resource is now, locked against every other change until the request's transaction
    ends. The resource (a name for it, such as `("customer", 12)`) is held first: on SQLite, where a read locks
    nothing, that takes the write lock. So of two updates made from one version, the second finds the first's and
    is refused, and nothing else changes the resource between the comparison and the update."""
    wanted = request.headers.get("if-match")
    if wanted is None or wanted.strip() == "*":
        return
    await hold(session, "api31 conditional update", resource)
    if etag_of(await current()) not in _tags(wanted):
        raise Refused(412, "The resource has changed since it was read: read it again (If-Match)")
