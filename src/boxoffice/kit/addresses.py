"""Where the server's own outbound requests may go — webhooks, identity providers, app stores, all at addresses a
merchant configures: never, unless the operator allows it, to this machine or its private networks (SSRF).

The check runs when an address is saved (a clear error for the merchant) and again on every connection, on the
addresses actually dialled, so a host name that later resolves somewhere private (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import anyio

AddrInfo = tuple[Any, Any, int, str, tuple[Any, ...]]


class Refused(OSError):
    """The destination is not one outbound requests may reach (an OSError, so the HTTP client reports it as a failed
    connection, with this as its cause)."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> str:
    """The URL's host, if the URL is one an endpoint may have; raises ValueError with the reason otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("The URL must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("The URL must name a host")
    if parts.username or parts.password:
        raise ValueError("The URL must not carry credentials")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError("The URL's port is not a valid port") from exc
    return parts.hostname


async def private_addresses(host: str) -> list[str]:
    """The private, loopback or link-local addresses `host` is or resolves to; none for a name that doesn't
    resolve now (it may later, and every connection is checked again)."""
    try:
        ipaddress.ip_address(host)
        found = [host]
    except ValueError:
        try:
            found = [str(info[4][0]) for info in await anyio.getaddrinfo(host, 443, type=socket.SOCK_STREAM)]
        except OSError:
            found = []
    return [address for address in dict.fromkeys(found) if not is_public(address)]


def guarded_socket(allow_private: bool) -> Callable[[AddrInfo], socket.socket]:
    """A socket factory for aiohttp's connector: it sees the very address about to be dialled (after any DNS),
    so it is the one place every connection passes, whether the URL named a host or an address."""

    def make(addr_info: AddrInfo) -> socket.socket:
        family, kind, proto, _, address = addr_info
        if not allow_private and not is_public(str(address[0])):
            raise Refused(f"{address[0]} is a private, loopback or link-local address")
        return socket.socket(family, kind, proto)

    return make


def connector(*, allow_private: bool, limit: int, limit_per_host: int) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(
        socket_factory=guarded_socket(allow_private), limit=limit, limit_per_host=limit_per_host
    )
