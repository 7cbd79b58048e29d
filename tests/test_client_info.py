"""Who is on the other end: device from the User-Agent, country from the address, address from the proxies."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from sqlalchemy import select

from boxoffice.identity.models import LoginRecord, Merchant
from boxoffice.kit.client_info import client_address, country_of, describe, parse_address, parse_device
from boxoffice.kit.settings import Settings
from tests.http_harness import VIEWERS, Harness, serve

UA = {
    "iphone-safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "ipad-safari": "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1",
    "windows-chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "mac-safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "linux-firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "android-pixel-chrome": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "android-firefox-phone": "Mozilla/5.0 (Android 13; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
    "android-galaxy-tab": "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "samsung-tizen-tv": "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "76.0.3809.146/6.0 TV Safari/537.36",
    "lg-webos-tv": "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/79.0.3945.79 Safari/537.36 WebAppManager",
    "roku": "Roku/DVP-12.5 (12.5.0.4178-88)",
    "fire-tv": "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36",
    "android-tv-shield": "Mozilla/5.0 (Linux; Android 11; SHIELD Android TV Build/RQ1A.210105.003) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "googlebot-smartphone": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl": "curl/8.5.0",
}


@pytest.mark.parametrize(
    ("agent", "kind"),
    [
        ("iphone-safari", "mobile"),
        ("ipad-safari", "tablet"),
        ("windows-chrome", "desktop"),
        ("mac-safari", "desktop"),
        ("linux-firefox", "desktop"),
        ("android-pixel-chrome", "mobile"),
        ("android-firefox-phone", "mobile"),
        ("android-galaxy-tab", "tablet"),
        ("samsung-tizen-tv", "tv"),
        ("lg-webos-tv", "tv"),
        ("roku", "tv"),
        ("fire-tv", "tv"),  # says "Mobile", but is a Fire TV stick
        ("android-tv-shield", "tv"),
        ("googlebot", "bot"),
        ("googlebot-smartphone", "bot"),  # a phone's User-Agent, but a crawler
        ("bingbot", "bot"),
        ("curl", "unknown"),
    ],
)
def test_device_type(agent: str, kind: str) -> None:
    assert parse_device(UA[agent]).type == kind


def test_device_details() -> None:
    iphone = parse_device(UA["iphone-safari"])
    assert (iphone.os, iphone.model, iphone.browser) == ("iOS", "iPhone", "Mobile Safari")
    windows = parse_device(UA["windows-chrome"])
    assert (windows.os, windows.model, windows.browser) == ("Windows", None, "Chrome")
    pixel = parse_device(UA["android-pixel-chrome"])
    assert (pixel.os, pixel.model) == ("Android", "Pixel 8")


@pytest.mark.parametrize("agent", ["", None])
def test_no_user_agent_is_unknown(agent: str | None) -> None:
    device = parse_device(agent)
    assert (device.type, device.os, device.model, device.browser) == ("unknown", None, None, None)


@pytest.mark.parametrize(
    ("address", "country"),
    [
        ("8.8.8.8", "US"),
        ("81.2.69.142", "GB"),
        ("2001:4860:4860::8888", "US"),
        ("::ffff:8.8.8.8", "US"),  # a dual-stack socket's view of an IPv4 client
        ("10.1.2.3", None),
        ("172.16.0.9", None),
        ("192.168.1.1", None),
        ("100.64.0.1", None),  # carrier-grade NAT
        ("127.0.0.1", None),
        ("::1", None),
        ("fe80::1", None),
        ("", None),
        (None, None),
        ("not-an-address", None),
    ],
)
def test_country_of(address: str | None, country: str | None) -> None:
    assert country_of(address) == country


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("203.0.113.9", "203.0.113.9"),
        (" 203.0.113.9 ", "203.0.113.9"),
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("unknown", None),
        ("[2001:db8::1", None),
        ("1.2.3", None),
        ("", None),
    ],
)
def test_parse_address(text: str, parsed: str | None) -> None:
    result = parse_address(text)
    assert (str(result) if result else None) == parsed


PROXIES = [ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32"), ip_network("2001:db8:ffff::/48")]


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("203.0.113.9", "8.8.8.8", PROXIES) == "203.0.113.9"
    assert client_address("203.0.113.9", "8.8.8.8", []) == "203.0.113.9"


def test_forwarded_for_from_a_trusted_proxy_is_honoured() -> None:
    assert client_address("10.0.0.5", "8.8.8.8", PROXIES) == "8.8.8.8"
    assert client_address("2001:db8:ffff::1", "2001:4860:4860::8888", PROXIES) == "2001:4860:4860::8888"


def test_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client wrote "1.1.1.1" itself; 8.8.8.8 is who reached our first proxy; then two proxies of ours.
    assert client_address("10.0.0.5", "1.1.1.1, 8.8.8.8, 10.9.9.9, 127.0.0.1", PROXIES) == "8.8.8.8"


def test_a_trusted_proxy_behind_a_dual_stack_socket_is_still_trusted() -> None:
    assert client_address("::ffff:10.0.0.5", "8.8.8.8", PROXIES) == "8.8.8.8"
    assert client_address("::ffff:203.0.113.9", None, PROXIES) == "203.0.113.9"


def test_hops_with_ports_are_read() -> None:
    assert client_address("10.0.0.5", "8.8.8.8:40123", PROXIES) == "8.8.8.8"
    assert client_address("10.0.0.5", "[2001:4860:4860::8888]:443", PROXIES) == "2001:4860:4860::8888"


@pytest.mark.parametrize("header", ["garbage", "8.8.8.8, garbage", "", " , ", "999.1.1.1", "8.8.8.8,,garbage"])
def test_garbage_forwarded_for_falls_back_to_the_peer(header: str) -> None:
    assert client_address("10.0.0.5", header, PROXIES) == "10.0.0.5"


def test_garbage_left_of_the_client_is_not_read() -> None:
    assert client_address("10.0.0.5", "garbage, 8.8.8.8", PROXIES) == "8.8.8.8"


def test_every_hop_trusted_means_the_left_most_is_the_client() -> None:
    assert client_address("10.0.0.5", "10.1.1.1, 10.2.2.2", PROXIES) == "10.1.1.1"


def test_no_peer_is_no_address() -> None:
    assert client_address(None, "8.8.8.8", PROXIES) is None


def test_describe_puts_it_together() -> None:
    info = describe(
        peer="10.0.0.5",
        forwarded_for="81.2.69.142",
        user_agent=UA["roku"],
        referrer="https://app.example.com/",
        trusted=PROXIES,
    )
    assert (info.ip_address, info.country_code, info.device.type, info.referrer) == (
        "81.2.69.142",
        "GB",
        "tv",
        "https://app.example.com/",
    )


# ----------------------------------------------------------------------------------------------------
# Over HTTP: what a login records.


async def _last_login(server: Harness) -> LoginRecord:
    async with server.app.state.sessions() as session:
        merchant = await session.scalar(select(Merchant).where(Merchant.uuid == server.merchant_uuid))
        assert merchant is not None
        record = await session.scalar(
            select(LoginRecord).where(LoginRecord.merchant_id == merchant.id).order_by(LoginRecord.id.desc()).limit(1)
        )
        assert record is not None
        return record


async def test_a_login_through_a_trusted_proxy_records_the_forwarded_address(settings: Settings) -> None:
    async with serve(settings, trusted_proxies=[ip_network("10.0.0.0/8")]) as server:
        response = await server.login(
            "10.0.0.7",
            VIEWERS[0],
            headers={
                "X-Forwarded-For": "8.8.8.8",
                "User-Agent": UA["iphone-safari"],
            },
        )
        assert response.status_code == 200, response.text
        record = await _last_login(server)
        assert (record.ip_address, record.country_code) == ("8.8.8.8", "US")
        assert (record.device_type, record.device_os) == ("mobile", "iOS")


async def test_a_login_from_an_untrusted_peer_records_the_peer(settings: Settings) -> None:
    async with serve(settings, trusted_proxies=[ip_network("10.0.0.0/8")]) as server:
        response = await server.login("81.2.69.142", VIEWERS[0], headers={"X-Forwarded-For": "8.8.8.8"})
        assert response.status_code == 200, response.text
        record = await _last_login(server)
        assert (record.ip_address, record.country_code) == ("81.2.69.142", "GB")


async def test_a_forwarded_for_line_the_client_wrote_is_not_believed(settings: Settings) -> None:
    """The client sends its own X-Forwarded-For; our proxy adds a second line instead of extending it."""
    async with serve(settings, trusted_proxies=[ip_network("10.0.0.0/8")]) as server:
        headers = [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "81.2.69.142")]
        response = await server.login("10.0.0.7", VIEWERS[0], headers=headers)
        assert response.status_code == 200, response.text
        record = await _last_login(server)
        assert (record.ip_address, record.country_code) == ("81.2.69.142", "GB")
