"""Test clocks at the dashboard: a clock made long ago, a test customer attached who subscribes on it, and the clock
moved on a month at a time, renewing the subscription as the API's advance does; bad input refused with nothing
written; the area closed to roles without the settings."""

from __future__ import annotations

import calendar
import re
from datetime import timedelta

import pytest

from boxoffice.billing.models import Payment
from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, fetch_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import monthly_fee, only_subscription, subscribe
from tests.web.dashboard.desk import Desk, invite, owner

CLOCKS = "/dashboard/developers/clocks"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def shown_time(page: str) -> str:
    found = re.search(r"data-frozen-time>([^<]+)<", page)
    assert found, page
    return found.group(1)


async def make_clock(boss: Desk, at: str) -> str:
    made = await boss.post(CLOCKS, {"name": "Renewals", "frozen_time": at})
    assert made.status_code == 303, made.text
    found = re.fullmatch(rf"{CLOCKS}/(\d+)\?told=created", made.headers["location"])
    assert found, made.headers["location"]
    return f"{CLOCKS}/{found.group(1)}"


async def test_a_clock_moved_on_a_month_renews_its_customers_subscription(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    start = (frozen.now() - timedelta(days=400)).replace(day=31, month=1, hour=9, minute=0, second=0)
    here = await make_clock(boss, start.strftime("%Y-%m-%dT%H:%M"))
    assert shown_time((await boss.get(here)).text) == start.strftime("%Y-%m-%d %H:%M")
    assert "Renewals" in (await boss.get(CLOCKS)).text

    viewer = await sign_up(server, merchant, "tester@example.com")
    attached = await boss.post(f"{here}/customers", {"customer": "Tester@Example.com "})
    assert attached.headers["location"] == f"{here}?told=attached"
    assert f'href="/dashboard/customers/{viewer.id}">tester@example.com<' in (await boss.get(here)).text
    again = await boss.post(f"{here}/customers", {"customer": str(viewer.id)})
    assert again.status_code == 409 and "already attached" in again.text
    _, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    assert (await only_subscription(server, viewer))["created_at"] == clock.unix(start)

    moved = await boss.post(f"{here}/advance", {"step": "month"})
    assert moved.status_code == 303, moved.text
    page = (await boss.get(moved.headers["location"])).text
    # 31 January and a month is the last day of February: when a monthly subscription begun then renews.
    february_end = start.replace(month=2, day=calendar.monthrange(start.year, 2)[1])
    assert shown_time(page) == february_end.strftime("%Y-%m-%d %H:%M")
    assert "data-renewed>1<" in page and "data-declined>0<" in page
    assert page.count('data-payment="renewal"') == 1 and page.count('data-payment="subscription"') == 1
    renewals = [p for p in await fetch_rows(server, Payment, merchant.id) if p.kind == "renewal"]
    assert len(renewals) == 1 and renewals[0].customer_id == viewer.id

    later = await boss.post(f"{here}/advance", {"frozen_time": (start + timedelta(days=70)).strftime("%Y-%m-%dT%H:%M")})
    assert "data-renewed>1<" in (await boss.get(later.headers["location"])).text
    log = (await boss.get("/dashboard/audit", q="test clock")).text
    assert "Advanced a test clock" in log and "Attached a customer to a test clock" in log


async def test_bad_input_is_shown_and_nothing_moves(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    unnamed = await boss.post(CLOCKS, {"name": "x" * 300, "frozen_time": ""})
    assert unnamed.status_code == 422 and "250 characters" in unnamed.text
    badly = await boss.post(CLOCKS, {"name": "Soon", "frozen_time": "next week"})
    assert badly.status_code == 422 and "Give a date and time" in badly.text
    assert "data-clock=" not in (await boss.get(CLOCKS)).text

    here = await make_clock(boss, "")
    before = shown_time((await boss.get(here)).text)
    assert before == frozen.now().strftime("%Y-%m-%d %H:%M")
    back = await boss.post(f"{here}/advance", {"frozen_time": (frozen.now() - timedelta(days=1)).isoformat()})
    assert back.status_code == 422 and "only moves forward" in back.text
    assert (await boss.post(f"{here}/advance", {"step": "fortnight"})).status_code == 422
    assert (await boss.post(f"{here}/advance", {"frozen_time": ""})).status_code == 422
    assert shown_time((await boss.get(here)).text) == before
    for customer, status in (("", 422), ("nobody@example.com", 404), ("999999", 404)):
        refused = await boss.post(f"{here}/customers", {"customer": customer})
        assert refused.status_code == status and "problem-customer" in refused.text, customer
    assert "data-customers" not in (await boss.get(here)).text
    far = await make_clock(boss, "9999-12-20T00:00")
    assert (await boss.post(f"{far}/advance", {"step": "month"})).status_code == 422
    stripe = {"gateway": "stripe", "stripe_secret_key": "sk_test_" + "a" * 24}
    assert (await boss.post("/dashboard/developers/gateway", stripe)).status_code == 303
    refused = await boss.post(CLOCKS, {"name": "Live", "frozen_time": ""})
    assert refused.status_code == 403 and "sandbox gateway" in refused.text
    assert (await boss.post(f"{here}/advance", {"step": "day"})).status_code == 403
    for missing in (f"{CLOCKS}/999999", f"{CLOCKS}/abc"):
        assert (await boss.get(missing)).status_code == 404
    assert (await boss.post(f"{CLOCKS}/999999/advance", {"step": "day"})).status_code == 404


async def test_only_roles_with_the_settings_use_test_clocks(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    here = await make_clock(boss, "")
    before = shown_time((await boss.get(here)).text)
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    for path in (CLOCKS, here):
        assert (await support.get(path)).status_code == 403, path
    assert (await support.post(f"{here}/advance", {"step": "year"})).status_code == 403
    assert (await support.post(CLOCKS, {"name": "Mine"})).status_code == 403
    assert shown_time((await boss.get(here)).text) == before
    other = await owner(server, await make_merchant(server, "other@publisher.example.com"))
    assert (await other.get(here)).status_code == 404
