"""The base each request was addressed to, named for as long as it is answered (see `boxoffice.kit.base_url`): its
scheme and `Host`; behind a proxy listed in `BOXOFFICE_TRUSTED_PROXIES`, the `X-Forwarded-Proto` and
`X-Forwarded-Host` that proxy set. Those headers from anyone else are ignored: they would choose the links a
client is given."""

from __future__ import annotations

import re
from ipaddress import IPv4Network, IPv6Network

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from boxoffice.kit import base_url
from boxoffice.kit.client_info import parse_address

# A host name or an address in brackets, with an optional port: nothing that could end the authority part of a URL
# or begin its path (a header is the client's to write).
_HOST_AND_PORT = re.compile(
    r"(?:(?:[A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def _nearest(headers: Headers, name: str) -> str | None:
    """The value the nearest proxy set: proxies that keep a header add their own value at its end."""
    values = [part.strip() for line in headers.getlist(name) for part in line.split(",")]
    return values[-1] if values and values[-1] else None


def peer_is_trusted(scope: Scope, trusted: list[IPv4Network | IPv6Network]) -> bool:
    """Whether the connection comes from one of the `trusted` proxies, whose forwarded headers are believed."""
    peer = scope.get("client")
    address = parse_address(peer[0]) if peer else None
    return address is not None and any(address in network for network in trusted)


def base_of(scope: Scope, trusted: list[IPv4Network | IPv6Network]) -> str | None:
    """`scheme://host[:port]` as the client addressed this request; None when it cannot tell."""
    headers = Headers(scope=scope)
    scheme = _SCHEMES.get(scope.get("scheme", "http"), "http")
    host = headers.get("host", "").strip()
    if not _HOST_AND_PORT.fullmatch(host):
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server and server[1] is not None else ""
    if peer_is_trusted(scope, trusted):
        proto = (_nearest(headers, "x-forwarded-proto") or "").lower()
        if proto in ("http", "https"):
            scheme = proto
        forwarded_host = _nearest(headers, "x-forwarded-host")
        if forwarded_host and _HOST_AND_PORT.fullmatch(forwarded_host):
            host = forwarded_host
    return f"{scheme}://{host}" if host else None


class RequestBase:
    """ASGI middleware naming each request's base while the app answers it."""

    def __init__(self, app: ASGIApp, trusted: list[IPv4Network | IPv6Network]) -> None:
        self.app, self.trusted = app, trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with base_url.answering(base_of(scope, self.trusted)):
            await self.app(scope, receive, send)
