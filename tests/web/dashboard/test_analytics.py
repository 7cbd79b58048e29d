"""The dashboard's analytics page over HTTP: an analyst reads logins, registrations, payments and subscriptions
as charts with their figures; a period of payments is chosen by its days, a wrong one is said so; a support
member is refused the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import monthly_fee, subscribe
from tests.web.dashboard.desk import invite, owner
from tests.web.dashboard.test_overview import sell


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def table_of(page: str, title: str) -> dict[str, str]:
    """The figures of the chart captioned `title`: name to figure as shown."""
    found = re.search(rf"<figcaption>{re.escape(title)}</figcaption>(.*?)</figure>", page, re.S)
    assert found, title
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="number">([^<]+)</td>', found.group(1)))


async def test_an_analyst_reads_the_charts_and_a_support_member_is_refused(
    server: Server, merchant: Merchant, mailbox: Mailbox
) -> None:
    await sell(server, merchant, "vera@example.com", "4.99")
    _, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, await sign_up(server, merchant, "otto@example.com"), fee_id)).status_code == 200
    await sell(server, await make_merchant(server, "owner@other.example.com"), "ada@example.com", "9.00")
    boss = await owner(server, merchant)
    analyst = await invite(server, mailbox, boss, "ann@x.example.com", "analyst")
    support = await invite(server, mailbox, boss, "sam@x.example.com", "support")
    try:
        answer = await analyst.get("/dashboard/analytics")
        assert answer.status_code == 200, answer.text
        page = answer.text
        assert table_of(page, "Payments per method") == {"card": "2"}
        assert table_of(page, "Payments per method: the amount in EUR per method") == {"card": "14.98"}
        assert sum(map(int, table_of(page, "Registrations per device").values())) == 2
        assert table_of(page, "Subscriptions per state") == {"Active": "1", "About to churn": "0"}
        assert 'role="img"' in page and "<title id=" in page and "<script" not in page

        month_ago = (clock.now().date() - timedelta(days=29)).isoformat()
        assert f'name="since" type="date" autocomplete="off" value="{month_ago}"' in page  # the last 30 days
        every = await analyst.get("/dashboard/analytics", since="")
        assert table_of(every.text, "Payments per method") == {"card": "2"} and "Since the first." in every.text
        later = await analyst.get("/dashboard/analytics", since="2999-01-01", until="2999-12-31")
        assert later.status_code == 200 and "Payments per method" in later.text
        assert table_of(later.text, "Payments per method") == {}

        assert (await support.get("/dashboard/analytics")).status_code == 403
    finally:
        for member in (boss, analyst, support):
            await member.aclose()


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"since": "31/12/2026"}, "A day is written as YYYY-MM-DD"),
        ({"until": "2028-02-30"}, "A day is written as YYYY-MM-DD"),
        ({"until": "9999-12-31"}, "A day is written as YYYY-MM-DD"),
        ({"since": "2026-12-31\x00"}, "A day is written as YYYY-MM-DD"),
        ({"since": "2028-03-01", "until": "2028-02-28"}, "The end date must be after the start date"),
    ],
)
async def test_a_wrong_period_is_said_so(
    server: Server, merchant: Merchant, query: dict[str, str], problem: str
) -> None:
    boss = await owner(server, merchant)
    try:
        answer = await boss.get("/dashboard/analytics", **query)
        assert answer.status_code == 400 and problem in answer.text
    finally:
        await boss.aclose()


async def test_a_content_requests_report_is_asked_for_made_and_downloaded(
    server: Server, merchant: Merchant, mailbox: Mailbox
) -> None:
    item = await add_item(server, merchant)
    boss = await owner(server, merchant)
    analyst = await invite(server, mailbox, boss, "ann@x.example.com", "analyst")
    admin = await invite(server, mailbox, boss, "ada@x.example.com", "admin")
    try:
        here = "/dashboard/analytics/content-requests"
        # The report names each request's viewer (e-mail, address): for roles that export, not for an analyst.
        assert (await analyst.get(here)).status_code == 403
        assert 'href="/dashboard/analytics/content-requests"' not in (await analyst.get("/dashboard/analytics")).text
        assert "No report yet." in (await admin.get(here)).text
        wrong = await admin.post(here, {"item_id": "x", "since": "2026-01-01", "until": "2026-01-31"}, form_on=here)
        assert wrong.status_code == 422 and "The item&#39;s id is a whole number" in wrong.text
        missing = await admin.post(
            here, {"item_id": "999999", "since": "2026-01-01", "until": "2026-01-31"}, form_on=here
        )
        assert missing.status_code == 422 and "You have no item of this id" in missing.text
        backwards = await admin.post(
            here, {"item_id": str(item["id"]), "since": "2028-03-01", "until": "2028-02-28"}, form_on=here
        )
        assert backwards.status_code == 422 and "The end date must not be before the start date" in backwards.text

        asked = await admin.post(
            here, {"item_id": str(item["id"]), "since": "2028-02-01", "until": "2028-02-29"}, form_on=here
        )
        assert asked.status_code == 303 and asked.headers["location"] == f"{here}?told=asked"
        assert "Being made" in (await admin.get(here)).text
        await server.run_jobs()
        listed = (await admin.get(here)).text
        name = re.search(rf'<a href="{here}/([^"]+)">', listed)
        assert name and "Ready" in listed
        link = await admin.get(f"{here}/{name.group(1)}")
        assert link.status_code == 303 and link.headers["location"]
        assert (await admin.get(f"{here}/no-such-file.csv")).status_code == 404
        refused = await analyst.get(f"{here}/{name.group(1)}")
        assert refused.status_code == 403
    finally:
        await boss.aclose()
        await analyst.aclose()
        await admin.aclose()
