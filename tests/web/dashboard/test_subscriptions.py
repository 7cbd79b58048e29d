"""The subscriptions list over HTTP: every customer's subscriptions of the merchant's, filtered by state, item, the
days they started, country and gateway, a page at a time; bad filters told beside their field."""

from __future__ import annotations

import re
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from boxoffice.web.dashboard import subscriptions
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant, sign_up_form
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.inplayer.test_subscriptions import monthly_fee
from tests.web.dashboard.desk import Desk, invite, owner

GB, US = "81.2.69.142", "8.8.8.8"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test client stands behind a trusted proxy, so each request can say which country it comes from."""
    return settings.model_copy(
        update={"trusted_proxies": [ip_network("203.0.113.7/32")], "reports_dir": tmp_path / "reports"}
    )


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def join(server: Server, merchant: Merchant, email: str, address: str) -> Viewer:
    answer = await server.http.post(
        "/accounts", data=sign_up_form(merchant, email), headers={"X-Forwarded-For": address}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Viewer(email, "viewer-pass-1", body["access_token"], body["refresh_token"], body["account"])


def listed(html: str) -> set[str]:
    """The e-mail addresses of the subscriptions listed."""
    table = html.split("data-subscriptions")[1].split("</table>")[0] if "data-subscriptions" in html else ""
    return set(re.findall(r'href="/dashboard/customers/\d+">([^<]+)</a>', table))


async def shown(desk: Desk, **query: str) -> set[str]:
    page = await desk.get("/dashboard/subscriptions", **query)
    assert page.status_code == 200, page.text
    return listed(page.text)


async def test_subscriptions_are_listed_by_state_item_day_country_and_gateway(
    server: Server, mailbox: Mailbox, merchant: Merchant, frozen: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    vera, otto = (
        await join(server, merchant, "vera@example.com", GB),
        await join(server, merchant, "otto@example.com", US),
    )
    cup, cup_fee = await monthly_fee(server, merchant)
    _semi, semi_fee = await monthly_fee(server, merchant)
    for viewer, fee, address in ((vera, cup_fee, GB), (otto, semi_fee, US)):
        form = card_form(fee, return_url="https://app.example.com/plans")
        started = await server.http.post(
            "/subscriptions", headers=viewer.auth | {"X-Forwarded-For": address}, data=form
        )
        assert started.status_code == 200, started.text
    boss = await owner(server, merchant)
    cancel = await server.http.get("/subscriptions", headers=otto.auth)
    otto_subscription = cancel.json()["collection"][0]["id"]
    page = f"/dashboard/customers/{otto.id}"
    cancelled = await boss.post(
        f"{page}/subscriptions/{otto_subscription}/cancel", {"when": "period_end"}, form_on=page
    )
    assert cancelled.status_code == 303

    both = {"vera@example.com", "otto@example.com"}
    today, yesterday = clock.now().date().isoformat(), (clock.now() - timedelta(days=1)).date().isoformat()
    assert await shown(boss) == both
    assert await shown(boss, state="active") == {"vera@example.com"}
    assert await shown(boss, state="cancelled") == {"otto@example.com"}
    assert await shown(boss, state="running") == both
    assert await shown(boss, state="trial") == set()
    assert await shown(boss, item=str(cup)) == {"vera@example.com"}
    assert await shown(boss, customer=str(otto.id)) == {"otto@example.com"}
    assert await shown(boss, country="gb") == {"vera@example.com"}
    assert await shown(boss, country="US", state="active") == set()
    assert await shown(boss, gateway="sandbox") == both and await shown(boss, gateway="stripe") == set()
    assert await shown(boss, since=today, until=today) == both
    assert await shown(boss, until=yesterday) == set()

    for query, field in (
        ({"state": "sleeping"}, "state"),
        ({"since": "tomorrow"}, "since"),
        ({"country": "GBR"}, "country"),
        ({"gateway": "paypal"}, "gateway"),
        ({"item": "cup"}, "item"),
        ({"customer": "otto"}, "customer"),
        ({"since": today, "until": yesterday}, "until"),
    ):
        refused = await boss.get("/dashboard/subscriptions", **query)
        assert refused.status_code == 422 and f'id="problem-{field}"' in refused.text, query

    monkeypatch.setattr(subscriptions, "PAGE", 1)
    first = await boss.get("/dashboard/subscriptions", gateway="sandbox")
    assert "Page 1 of 2" in first.text and listed(first.text) == {"otto@example.com"}  # newest first
    older = re.search(r'href="\?([^"]+)">Older</a>', first.text)
    assert older and "gateway=sandbox" in older.group(1)
    second = await boss.http.get(f"/dashboard/subscriptions?{older.group(1).replace('&amp;', '&')}")
    assert "Page 2 of 2" in second.text and listed(second.text) == {"vera@example.com"}
    monkeypatch.undo()

    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    assert await shown(support) == both
    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    assert (await analyst.get("/dashboard/subscriptions")).status_code == 403
    elsewhere = await owner(server, await make_merchant(server, "owner@other.example.com"))
    assert await shown(elsewhere) == set()
