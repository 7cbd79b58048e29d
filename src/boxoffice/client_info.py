"""Who is on the other end of a request: address, country and device, as the core records them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address

import iptocc
from ua_parser import parse

_TV = ("smart-tv", "smarttv", "tizen", "web0s", "webos", "appletv", "apple tv", "roku", "aftb", "aftm", "bravia",
       "hbbtv", "crkey", "android tv")


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


def country_of(address: str | None) -> str | None:
    """ISO-3166 alpha-2 from the offline database shipped in the `iptocc` package; None for private ranges."""
    if not address:
        return None
    try:
        code = iptocc.country_code(address)
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
    return Device(_device_type(user_agent, result.device.family if result.device else None, os_name), os_name,
                  model, browser)


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


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: list[IPv4Network | IPv6Network]
) -> str | None:
    """The client's address: the right-most forwarded hop that isn't one of our trusted proxies.

    Forwarded-for is believed only when the direct peer is trusted; otherwise anyone could claim any address.
    """
    if not peer or not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop if _valid(hop) else peer
    return peer


def _valid(address: str) -> bool:
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: list[IPv4Network | IPv6Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def describe(
    *, peer: str | None, forwarded_for: str | None, user_agent: str | None, referrer: str | None,
    trusted: list[IPv4Network | IPv6Network],
) -> ClientInfo:
    address = client_address(peer, forwarded_for, trusted)
    return ClientInfo(address, country_of(address), parse_device(user_agent), user_agent, referrer)
