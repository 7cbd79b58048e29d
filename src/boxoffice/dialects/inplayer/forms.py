"""Request bodies as the InPlayer SDK sends them: urlencoded with `metadata[k]` brackets, multipart, or JSON."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from boxoffice.dialects.inplayer import dates
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import nul_in_url

_BRACKETS = re.compile(r"\[([^\]]*)\]")
MAX_BODY = 1024 * 1024
# `a[b][c]…` deeper than this is no form a client sends; unbounded, it would exhaust the stack.
MAX_DEPTH = 32
# The largest whole number (and id) the database stores: a signed 64-bit integer.
MAX_INTEGER = 2**63 - 1


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`metadata[a]=1&ids[]=2&ids[]=3` → `{"metadata": {"a": "1"}, "ids": ["2", "3"]}`; numeric keys make lists."""
    result: dict[str, Any] = {}
    appended = _Appender()
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_BRACKETS.findall("[" + rest)] if rest else [head]
        if len(parts) > MAX_DEPTH:
            raise MalformedBody(f"The field {head!r} is nested more than {MAX_DEPTH} levels deep")
        node = result
        for depth, part in enumerate(parts[:-1]):
            name = part if depth == 0 else appended.slot(node, part)
            child = node.get(name)
            if not isinstance(child, dict):
                child = node[name] = {}
            node = child
        node[parts[-1] if len(parts) == 1 else appended.slot(node, parts[-1])] = value
    return {k: _listify(v) for k, v in result.items()}


_INDEX = re.compile(r"[0-9]{1,9}")  # ASCII digits, few enough to be a list index


class _Appender:
    """Where `x[]` goes in each map: after the largest index given so far, so it never overwrites `x[3]`."""

    def __init__(self) -> None:
        self._next: dict[int, tuple[dict[str, Any], int]] = {}  # keeps the map alive, so its id stays its own

    def slot(self, node: dict[str, Any], part: str) -> str:
        following = self._next.get(id(node), (node, 0))[1]
        name = part or str(following)
        if _INDEX.fullmatch(name):
            self._next[id(node)] = (node, max(following, int(name) + 1))
        return name


def _listify(value: Any) -> Any:
    """`{"0": a, "1": b}` from `x[0]=a&x[1]=b` becomes `[a, b]`."""
    if isinstance(value, dict):
        if value and all(_INDEX.fullmatch(k) for k in value):
            return [_listify(value[k]) for k in sorted(value, key=int)]
        return {k: _listify(v) for k, v in value.items()}
    return value


async def read_body(request: Request) -> dict[str, Any]:
    """The body as a dict, whatever its encoding; a body that can't be read is a 400 with a clear reason."""
    return await read_body_up_to(request, MAX_BODY)


def body_reader(limit: int) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """`read_body` for the few routes that take files, with a limit of their own."""

    async def read(request: Request) -> dict[str, Any]:
        return await read_body_up_to(request, limit)

    return read


async def read_body_up_to(request: Request, limit: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("GET", "HEAD"):
        return {}
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:  # refused before it is read into memory
        raise BodyTooLarge(limit)
    raw = await request.body()
    if len(raw) > limit:
        raise BodyTooLarge(limit)
    if not raw:
        return {}
    if content_type == "application/json":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedBody("The request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise MalformedBody("The JSON body must be an object")
        return _without_nul(data)
    if content_type == "multipart/form-data":
        try:
            form = await request.form()
        except MultiPartException as exc:  # outside an app
            raise MalformedBody(f"The multipart body is malformed: {exc.message}") from exc
        except HTTPException as exc:  # inside one, Starlette turns the above into a bare 400
            raise MalformedBody(f"The multipart body is malformed: {exc.detail}") from exc
        fields = [(k, v if isinstance(v, str) else _upload_name(v)) for k, v in form.multi_items()]
        return _without_nul(nest(fields))
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise MalformedBody("The request body is not UTF-8") from exc
    return _without_nul(nest(parse_qsl(text, keep_blank_values=True)))


def _without_nul(data: dict[str, Any]) -> dict[str, Any]:
    """No text field holds a NUL character (PostgreSQL can't store one); a body carrying one is malformed."""
    pending: list[Any] = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and "\x00" in value:
            raise MalformedBody("The request body contains a NUL character")
    return data


def _upload_name(value: UploadFile | str) -> str:
    return value.filename or "" if isinstance(value, UploadFile) else value


class MalformedBody(InvalidInput):
    def __init__(self, message: str, part: str = "body") -> None:
        super().__init__({part: message}, message)


class BodyTooLarge(InvalidInput):
    """A body over its route's limit (MAX_BODY for most): HTTP's 413, whatever it holds."""

    def __init__(self, limit: int = MAX_BODY) -> None:
        super().__init__({"body": f"The request body is larger than {limit // 1024} KiB"}, "Request body too large")


def refuse_nul_in_url(request: Request) -> None:
    """A NUL character in a path or query value is no id, name or search text (PostgreSQL can't take one)."""
    if nul_in_url(request):
        raise MalformedBody("The URL contains a NUL character", "url")


def text(body: dict[str, Any], name: str) -> str | None:
    """A scalar field, or None when absent. SDKs send the literal `undefined` for unset optional fields."""
    value = body.get(name)
    if value is None or value == "undefined":
        return None
    if isinstance(value, dict | list):
        raise InvalidInput({name: f"The {name} field must be a single value"})
    return str(value)


def flag(body: dict[str, Any], name: str) -> bool | None:
    value = text(body, name)
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise InvalidInput({name: f"The {name} field must be true or false"})


def mapping(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput({name: f"The {name} field must be a map of keys to values"})
    return value


def strings(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InvalidInput({name: f"The {name} field must be a list of values"})
    return [str(v) for v in value]


def integer(body: dict[str, Any], name: str) -> int | None:
    value = text(body, name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not -MAX_INTEGER <= number <= MAX_INTEGER:
        raise InvalidInput({name: f"The {name} field must be a whole number"})
    return number


def date_time(body: dict[str, Any], name: str) -> datetime | None:
    """A date field in any of the ways `dates` reads, as a naive UTC datetime; None when absent or empty."""
    value = text(body, name)
    if value is None or not value.strip():
        return None
    return dates.parse(value, name)[0]
