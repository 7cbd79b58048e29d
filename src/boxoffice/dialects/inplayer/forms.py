"""Request bodies as the InPlayer SDK sends them: urlencoded with `metadata[k]` brackets, multipart, or JSON."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from boxoffice.errors import InvalidInput

_BRACKETS = re.compile(r"\[([^\]]*)\]")
MAX_BODY = 1024 * 1024


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`metadata[a]=1&ids[]=2&ids[]=3` → `{"metadata": {"a": "1"}, "ids": ["2", "3"]}`; numeric keys make lists."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_BRACKETS.findall("[" + rest)] if rest else [head]
        node = result
        for part in parts[:-1]:
            name = part or str(len(node))
            child = node.get(name)
            if not isinstance(child, dict):
                child = node[name] = {}
            node = child
        node[parts[-1] or str(len(node))] = value
    return {k: _listify(v) for k, v in result.items()}


def _listify(value: Any) -> Any:
    """`{"0": a, "1": b}` from `x[0]=a&x[1]=b` becomes `[a, b]`."""
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [_listify(value[k]) for k in sorted(value, key=int)]
        return {k: _listify(v) for k, v in value.items()}
    return value


async def read_body(request: Request) -> dict[str, Any]:
    """The body as a dict, whatever its encoding; a body that can't be read is a 400 with a clear reason."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("GET", "HEAD"):
        return {}
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput({"body": "The request body is too large"}, "Request body too large")
    if not raw:
        return {}
    if content_type == "application/json":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedBody("The request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise MalformedBody("The JSON body must be an object")
        return data
    if content_type == "multipart/form-data":
        form = await request.form()
        return nest([(k, v if isinstance(v, str) else _upload_name(v)) for k, v in form.multi_items()])
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise MalformedBody("The request body is not UTF-8") from exc
    return nest(parse_qsl(text, keep_blank_values=True))


def _upload_name(value: UploadFile | str) -> str:
    return value.filename or "" if isinstance(value, UploadFile) else value


class MalformedBody(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__({"body": message}, message)


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
        return int(value)
    except ValueError:
        raise InvalidInput({name: f"The {name} field must be a whole number"}) from None
