"""Where webhooks may go: never, unless the operator allows it, to this machine or its private networks (SSRF).

The check runs when an endpoint is saved (a clear error for the merchant) and again on every connection, on the
addresses actually dialled, so a host name that later resolves somewhere private (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from urllib.parse import urlsplit

import anyio
import httpcore


class Refused(Exception):
    """The destination is not one webhooks may reach."""


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


async def resolve(host: str, port: int) -> list[str]:
    try:
        found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused(f"{host} does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))


async def public_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    addresses = await resolve(host, port)
    if allow_private:
        return addresses
    refused = [a for a in addresses if not is_public(a)]
    if refused:
        raise Refused(f"{host} resolves to a private, loopback or link-local address ({refused[0]})")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Dials only the addresses `public_addresses` allows, and dials exactly those it checked."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await public_addresses(host, port, allow_private=self.allow_private)
        error: OSError | httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                # TLS still verifies the certificate against the URL's host name: httpcore passes it as SNI.
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (OSError, httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("webhooks are not sent over Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
