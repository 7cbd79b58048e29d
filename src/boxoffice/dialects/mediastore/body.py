"""Request bodies as the SDK sends them: a JSON object. Fields are read by name and type, so that a wrong type is
a clear 400 naming the field rather than a failure further in."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from boxoffice.dialects.mediastore.errors import INVALID_BODY, MalformedRequest, Refused

MAX_BODY = 64 * 1024


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise MalformedRequest("The request body is too large")
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedRequest("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise MalformedRequest("The request body must be a JSON object")
    return data


def string(body: dict[str, Any], name: str, *, max_length: int = 1000) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        raise MalformedRequest(f"Invalid param {name}")
    return value


def flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise MalformedRequest(f"Invalid param {name}")
    return value


def number(body: dict[str, Any], name: str) -> int | None:
    """A whole number, sent as one or as its digits in a string (the SDK sends ids both ways)."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedRequest(f"Invalid param {name}")
    if isinstance(value, str) and not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise MalformedRequest(f"Invalid param {name}")
    number = int(value)
    if not 0 <= number < 2**63:
        raise MalformedRequest(f"Invalid param {name}")
    return number


def web_address(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """An absolute http(s) URL a payer is sent back to: nothing else may be handed to a browser as a redirect."""
    value = string(body, name, max_length=2048)
    if value is None and not required:
        return None
    if not value or not value.startswith(("https://", "http://")):
        raise Refused(422, f"Invalid param {name}: an absolute URL", INVALID_BODY)
    return value
