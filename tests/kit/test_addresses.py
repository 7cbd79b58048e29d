"""Where webhooks may go: the SSRF guard's address rules, and the connection-time check on a real socket."""

from __future__ import annotations

import aiohttp
import pytest

from boxoffice.kit.addresses import Refused, check_url, connector, is_public
from tests.webhooks.receiver import receiving


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # loopback dressed as IPv6
        ("::ffff:93.184.215.14", True),
        ("224.0.0.1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/", "https:///path", "https://u:p@hooks.example.com/", "https://hooks.example.com:99999/"],
)
def test_urls_that_are_not_plain_http_endpoints_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        check_url(url)


async def post(url: str, *, allow_private: bool) -> int:
    guarded = connector(allow_private=allow_private, limit=2, limit_per_host=2)
    async with aiohttp.ClientSession(connector=guarded) as client, client.post(url, data=b"x") as response:
        return response.status


async def test_the_guard_refuses_to_dial_loopback_unless_allowed() -> None:
    async with receiving() as receiver:
        with pytest.raises(aiohttp.ClientConnectorError) as refused:
            await post(receiver.url("/ok"), allow_private=False)
        assert isinstance(refused.value.os_error, Refused)
        assert "127.0.0.1 is a private, loopback or link-local address" in str(refused.value.os_error)
        assert receiver.requests == []
        assert await post(receiver.url("/ok"), allow_private=True) == 200
        assert [r.body for r in receiver.requests] == [b"x"]


async def test_a_name_that_resolves_to_loopback_is_refused_on_the_address_it_resolves_to() -> None:
    with pytest.raises(aiohttp.ClientConnectorError) as refused:
        await post("http://localhost:9/", allow_private=False)
    assert isinstance(refused.value.os_error, Refused)
