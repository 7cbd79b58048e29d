"""Who is on the other end of a request: address, country and device, as the core records them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

import iptocc
from ua_parser import parse

_TV = (
    "smart-tv",
    "smarttv",
    "tizen",
    "web0s",
    "webos",
    "appletv",
    "apple tv",
    "roku",
    "aftb",
    "aftm",
    "bravia",
    "hbbtv",
    "crkey",
    "android tv",
)


@dataclass(frozen=True, slots=True)
class Device:
    type: str  # desktop | mobile | tablet | tv | bot | unknown
    os: str | None
    model: str | None
    browser: str | None


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip_address: str | None
    country_code: str | None
    device: Device
    user_agent: str | None
    referrer: str | None = None


def parse_address(text: str | None) -> IPv4Address | IPv6Address | None:
    """An address as proxies and sockets write it: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`, or an
    IPv4-mapped IPv6 address from a dual-stack socket (`::ffff:1.2.3.4`, read as the IPv4 address it is)."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        parsed = ip_address(text)
    except ValueError:
        return None
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped
    return parsed


def country_of(address: str | None) -> str | None:
    """ISO-3166 alpha-2 from the offline database shipped in the `iptocc` package; None for private ranges."""
    parsed = parse_address(address)
    if parsed is None or not parsed.is_global:
        return None
    try:
        code = iptocc.country_code(str(parsed))
    except (ValueError, TypeError):
        return None
    return code or None


@lru_cache(maxsize=4096)
def parse_device(user_agent: str | None) -> Device:
    if not user_agent:
        return Device("unknown", None, None, None)
    result = parse(user_agent)
    os_name = result.os.family if result.os and result.os.family != "Other" else None
    model = result.device.model if result.device and result.device.family != "Other" else None
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else None
    return Device(
        _device_type(user_agent, result.device.family if result.device else None, os_name),
        os_name,
        model,
        browser,
    )


def _device_type(user_agent: str, family: str | None, os_name: str | None) -> str:
    lowered = user_agent.lower()
    if family == "Spider":
        return "bot"
    if any(marker in lowered for marker in _TV):
        return "tv"
    if "ipad" in lowered or "tablet" in lowered or (os_name == "Android" and "mobile" not in lowered):
        return "tablet"
    if os_name in ("iOS", "Android") or "mobile" in lowered:
        return "mobile"
    if os_name in ("Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "macOS"):
        return "desktop"
    return "unknown"


def load() -> None:
    """Loads the address database and the device patterns now (together about a quarter of a second), rather
    than on the event loop in the first request that needs them, holding up every other request meanwhile."""
    country_of("1.1.1.1")
    parse("Mozilla/5.0")


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[IPv4Network | IPv6Network]) -> str | None:
    """The client's address: the right-most forwarded hop that isn't one of our trusted proxies.

    Forwarded-for is believed only when the direct peer is trusted; otherwise anyone could claim any address.
    A hop that isn't an address ends the walk at the peer: nothing left of it can be believed. When every
    hop is a trusted address, the request began inside the trusted network: the left-most hop is the client.
    """
    peer_address = parse_address(peer)
    if peer_address is None:
        return peer
    if not forwarded_for or not _is_trusted(peer_address, trusted):
        return str(peer_address)
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            return str(peer_address)
        if not _is_trusted(address, trusted):
            return str(address)
    return str(parse_address(hops[0])) if hops else str(peer_address)


def _is_trusted(address: IPv4Address | IPv6Address, trusted: list[IPv4Network | IPv6Network]) -> bool:
    return any(address in network for network in trusted)


def describe(
    *,
    peer: str | None,
    forwarded_for: str | None,
    user_agent: str | None,
    referrer: str | None,
    trusted: list[IPv4Network | IPv6Network],
) -> ClientInfo:
    address = client_address(peer, forwarded_for, trusted)
    return ClientInfo(address, country_of(address), parse_device(user_agent), user_agent, referrer)
