"""The server's own JSON calls to addresses outside it (identity providers, app stores): through the SSRF guard
(`kit.addresses`), never following a redirect (which would carry what was sent somewhere not configured), https
only unless the operator allows private addresses, and at most `MAX_BODY` bytes read back."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from boxoffice.kit.addresses import connector

MAX_BODY = 1 << 20
TIMEOUT = 10.0


class Unreachable(Exception):
    """The address could not be reached, or answered what is not a JSON object. The message is for the
    operator's log: it may name the address, never a secret sent to it."""


async def call_json(
    method: str,
    url: str,
    *,
    allow_private: bool,
    data: dict[str, str] | None = None,
    within: float = TIMEOUT,
    shown_as: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """The status and JSON object `url` answers. `shown_as` names the address in errors where the URL itself
    carries a secret (Amazon's and Roku's put the merchant's key in the path)."""
    named = shown_as or url.split("?", 1)[0]
    if not url.startswith("https://") and not (allow_private and url.startswith("http://")):
        raise Unreachable(f"{named} is not an https address")
    try:
        async with (
            aiohttp.ClientSession(
                connector=connector(allow_private=allow_private, limit=4, limit_per_host=4),
                timeout=aiohttp.ClientTimeout(total=within),
            ) as http,
            http.request(
                method, url, data=data, headers={"Accept": "application/json"}, allow_redirects=False
            ) as response,
        ):
            body = bytearray()
            async for chunk in response.content.iter_chunked(1 << 16):
                body += chunk
                if len(body) > MAX_BODY:
                    raise Unreachable(f"{named} answered more than {MAX_BODY} bytes")
            status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise Unreachable(f"{method} {named} failed: {type(exc).__name__}") from None
    try:
        found = json.loads(body) if body else {}
    except (ValueError, RecursionError):
        raise Unreachable(f"{named} answered what is not JSON (status {status})") from None
    if not isinstance(found, dict):
        raise Unreachable(f"{named} answered JSON that is not an object")
    return status, found
