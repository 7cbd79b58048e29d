"""Absolute links Boxoffice hands out (unsubscribe, report download, cursor, 3-D Secure page, Stripe webhook
address): from `BOXOFFICE_PUBLIC_URL` when it is set; unset, from the address each request was sent to, or the one a
trusted proxy names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_network
from pathlib import Path

import httpx
import pytest

from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer
from tests.dialects.inplayer.test_payments import CHALLENGE, VISA, card_form

PROXY, STRANGER = "10.1.2.3", "198.51.100.20"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "watch.example.com"}


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The public URL as an operator leaves it, unless a test names one; a proxy in 10.0.0.0/8."""
    configured = getattr(request, "param", Settings.model_fields["public_url"].default)
    trusted = [ip_network("10.0.0.0/8")]
    return settings.model_copy(
        update={"public_url": configured, "trusted_proxies": trusted, "reports_dir": tmp_path / "reports"}
    )


@asynccontextmanager
async def reaching(server: Server, base: str, peer: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that addresses the server as `base`, from `peer`."""
    transport = httpx.ASGITransport(app=server.app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        yield client


async def links(
    server: Server, client: httpx.AsyncClient, merchant: Merchant, viewer: Viewer, headers: dict[str, str]
) -> dict[str, str]:
    """Every kind of absolute link, as `client` is given them."""
    item = await add_item(server, merchant)
    fee = await add_fee(server, merchant, item["id"], access_type_id="7", amount="9.99", description="Monthly")
    other = await add_item(server, merchant, title="Highlights")
    one_off = await add_fee(server, merchant, other["id"], access_type_id="3", amount="2.00", description="Week")
    form = card_form(fee["id"], VISA, return_url="https://app.example.com/")
    assert (await server.http.post("/subscriptions", headers=viewer.auth, data=form)).status_code < 300
    [subscription] = (await client.get("/subscriptions", headers=viewer.auth | headers)).json()["collection"]
    challenge = card_form(one_off["id"], CHALLENGE, return_url="https://app.example.com/")
    paid = (await client.post("/payments", headers=viewer.auth | headers, data=challenge)).json()
    for n in range(21):  # one more than a page
        await server.http.post("/v2/accounts/media/favorites", headers=viewer.auth, data={"media_id": f"m{n}"})
    page = (await client.get("/v2/accounts/media/favorites", headers=viewer.auth | headers)).json()
    await server.http.post("/v2/reporting/customers", headers=merchant.auth, data={})
    await server.run_jobs()
    [report] = (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json()
    download = await client.get(f"/v2/reporting/reports/{report['name']}", headers=merchant.auth | headers)
    gateway = (await client.get("/payments/gateway", headers=merchant.auth | headers)).json()
    return {
        "unsubscribe": subscription["unsubscribe_url"],
        "3-D Secure page": paid["redirect_to_url"],
        "cursor": page["cursor"],
        "report": download.json()["redirect_url"],
        "Stripe webhook": gateway["stripe"]["webhook_url"],
    }


def assert_all_start_with(found: dict[str, str], base: str) -> None:
    assert {kind: link.startswith(base + "/") for kind, link in found.items()} == dict.fromkeys(found, True), found


async def test_unset_links_follow_the_address_the_request_was_sent_to(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    async with reaching(server, "http://127.0.0.1:8123", STRANGER) as client:
        found = await links(server, client, merchant, viewer, {})
        assert_all_start_with(found, "http://127.0.0.1:8123")
        # The links work where they point.
        report = await client.get(found["report"])
        assert report.status_code == 200 and report.text.startswith("id,uuid,email")
        assert (await client.get(found["cursor"], headers=viewer.auth)).json()["collection"]
    async with reaching(server, "https://tickets.example.org", STRANGER) as client:
        [subscription] = (await client.get("/subscriptions", headers=viewer.auth)).json()["collection"]
        assert subscription["unsubscribe_url"].startswith("https://tickets.example.org/subscriptions/cancel/")


async def test_unset_links_follow_a_trusted_proxy_and_no_one_else(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    async with reaching(server, "http://10.1.2.3:8000", PROXY) as client:
        assert_all_start_with(await links(server, client, merchant, viewer, FORWARDED), "https://watch.example.com")
    async with reaching(server, "http://boxoffice.internal:8000", STRANGER) as client:
        # The same headers from an address that is no proxy of ours choose nothing.
        [subscription] = (await client.get("/subscriptions", headers=viewer.auth | FORWARDED)).json()["collection"]
        assert subscription["unsubscribe_url"].startswith("http://boxoffice.internal:8000/subscriptions/cancel/")
        # A host that isn't one (here, with a path) is not put into links.
        garbage = {"X-Forwarded-Host": "evil.example.com/phish?"}
    async with reaching(server, "http://10.1.2.3:8000", PROXY) as client:
        [subscription] = (await client.get("/subscriptions", headers=viewer.auth | garbage)).json()["collection"]
        assert subscription["unsubscribe_url"].startswith("http://10.1.2.3:8000/subscriptions/cancel/")


@pytest.mark.parametrize("settings", ["https://boxoffice.example.com/"], indirect=True)
async def test_a_configured_public_url_wins(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    async with reaching(server, "http://10.1.2.3:8123", PROXY) as client:
        assert_all_start_with(await links(server, client, merchant, viewer, FORWARDED), "https://boxoffice.example.com")
