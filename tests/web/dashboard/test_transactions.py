"""The transactions list over HTTP: every payment of the merchant's, filtered by kind, item, days, country and
gateway, a page at a time, each with its PDF receipt and a way to refund it; the merchant's others never shown."""

from __future__ import annotations

import csv
import io
import re

import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant
from tests.dialects.inplayer.test_payments import DECLINED, card_form
from tests.web.dashboard.desk import Desk, invite, owner
from tests.web.dashboard.test_subscriptions import GB, US, join, settings  # noqa: F401 (the fixture)


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def pay(server: Server, viewer: Viewer, fee: int, address: str, number: str = "4242424242424242") -> None:
    await server.http.post("/payments", headers=viewer.auth | {"X-Forwarded-For": address}, data=card_form(fee, number))


def listed(html: str) -> list[int]:
    """The ids of the payments listed, in their order."""
    table = html.split("data-transactions")[1].split("</table>")[0] if "data-transactions" in html else ""
    return [int(found) for found in re.findall(r'data-payment="(\d+)"', table)]


async def shown(desk: Desk, **query: str) -> list[int]:
    page = await desk.get("/dashboard/transactions", **query)
    assert page.status_code == 200, page.text
    return listed(page.text)


async def test_transactions_are_filtered_and_refunded_from_the_list(
    server: Server, mailbox: Mailbox, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    vera, otto = (
        await join(server, merchant, "vera@example.com", GB),
        await join(server, merchant, "otto@example.com", US),
    )
    cup = (await add_item(server, merchant))["id"]
    semi = (await add_item(server, merchant, title="Semi final"))["id"]
    cup_fee = (await add_fee(server, merchant, cup, amount="10.00"))["id"]
    semi_fee = (await add_fee(server, merchant, semi, amount="5.00"))["id"]
    await pay(server, vera, cup_fee, GB)
    await pay(server, otto, semi_fee, US, DECLINED)
    await pay(server, otto, semi_fee, US)
    paid_on = clock.now().date()
    frozen.advance(days=1)  # the refunds below are made the day after the payments
    boss = await owner(server, merchant)

    every = await shown(boss)
    assert len(every) == 3 and every == sorted(every, reverse=True)  # newest first
    bought, declined, vera_paid = every
    page = (await boss.get("/dashboard/transactions")).text
    assert "vera@example.com" in page and "€10.00" in page and "declined" in page
    assert await shown(boss, kind="payment") == [bought, vera_paid]
    assert await shown(boss, kind="failed") == [declined]
    assert await shown(boss, item=str(cup)) == [vera_paid]
    assert await shown(boss, customer=str(otto.id)) == [bought, declined]
    assert await shown(boss, country="US") == [bought, declined]
    assert await shown(boss, gateway="stripe") == []
    today = clock.now().date()
    assert await shown(boss, since=paid_on.isoformat(), until=paid_on.isoformat()) == every
    assert await shown(boss, since=today.isoformat()) == []
    for query, field in (
        ({"kind": "stolen"}, "kind"),
        ({"until": "31/12/2031"}, "until"),
        ({"country": "1"}, "country"),
    ):
        refused = await boss.get("/dashboard/transactions", **query)
        assert refused.status_code == 422 and f'id="problem-{field}"' in refused.text, query

    row = page.split(f'data-payment="{vera_paid}"')[1].split("</tr>")[0]
    receipt = re.search(r'href="([^"]+/receipts/\d+)"', row)
    refund_link = re.search(r'href="(/dashboard/transactions/\d+/refund)"', row)
    assert receipt and refund_link and "refund" not in page.split(f'data-payment="{declined}"')[1].split("</tr>")[0]
    assert (await boss.get(receipt.group(1))).content.startswith(b"%PDF")

    assert await shown(boss, kind="refund") == []
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    form = refund_link.group(1)
    made = await support.post(form, {"amount": "4.00"}, form_on=form)
    assert made.status_code == 303, made.text
    assert await shown(support, kind="refund") == [vera_paid]
    assert await shown(support, kind="refund", since=today.isoformat()) == [vera_paid]
    assert await shown(support, kind="refund", until=paid_on.isoformat()) == []  # refunded the day after
    assert "€4.00" in (await support.get("/dashboard/transactions", kind="refund")).text

    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    assert (await analyst.get("/dashboard/transactions")).status_code == 403
    elsewhere = await owner(server, await make_merchant(server, "owner@other.example.com"))
    assert await shown(elsewhere) == []


async def download(desk: Desk, server: Server, name: str) -> list[dict[str, str]]:
    """The rows of a finished export, through the dashboard's link to the report file's signed address."""
    link = await desk.get(f"/dashboard/transactions/exports/{name}")
    assert link.status_code == 303, link.text
    answer = await server.http.get(link.headers["location"].removeprefix("http://testserver"))
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


async def test_the_lists_as_filtered_are_exported_as_csv_by_the_report_jobs(
    server: Server, mailbox: Mailbox, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    vera, otto = (
        await join(server, merchant, "vera@example.com", GB),
        await join(server, merchant, "otto@example.com", US),
    )
    cup = (await add_item(server, merchant))["id"]
    fee = (await add_fee(server, merchant, cup, amount="10.00"))["id"]
    await pay(server, vera, fee, GB)
    await pay(server, otto, fee, US)
    boss = await owner(server, merchant)
    assert "No exports yet." in (await boss.get("/dashboard/transactions/exports")).text
    listing = await boss.get("/dashboard/transactions", country="US", kind="payment")
    form = listing.text.split("data-export-form")[1].split("</form>")[0]
    assert 'name="country" value="US"' in form and 'name="kind"' not in form  # the export holds every kind

    asked = await boss.post("/dashboard/transactions/export", {"country": "US"}, form_on="/dashboard/transactions")
    assert asked.status_code == 303 and asked.headers["location"] == "/dashboard/transactions/exports?told=asked"
    pending = (await boss.get("/dashboard/transactions/exports")).text
    [name] = re.findall(r'data-export="([^"]+)" data-status="pending"', pending)
    assert "waiting for a worker" in pending and f"/dashboard/transactions/exports/{name}" not in pending
    assert (await boss.get(f"/dashboard/transactions/exports/{name}")).status_code == 409  # not made yet
    await server.run_jobs()
    ready = (await boss.get("/dashboard/transactions/exports")).text
    assert (
        f'data-export="{name}" data-status="ready"' in ready
        and f'href="/dashboard/transactions/exports/{name}"' in ready
    )
    rows = await download(boss, server, name)
    assert [(row["customer_email"], row["country"], row["amount"]) for row in rows] == [
        ("otto@example.com", "US", "10.00")
    ]

    frozen.advance(seconds=1)  # an export's file is named by the second it was asked for
    state = await boss.post(
        "/dashboard/subscriptions/export", {"state": "sleeping"}, form_on="/dashboard/subscriptions"
    )
    assert state.status_code == 422 and "Choose a state from the list" in state.text
    bad_day = await boss.post("/dashboard/transactions/export", {"since": "May"}, form_on="/dashboard/transactions")
    assert bad_day.status_code == 422 and "Give a day as 2031-12-31" in bad_day.text
    subscribed = await boss.post(
        "/dashboard/subscriptions/export", {"state": "active"}, form_on="/dashboard/subscriptions"
    )
    assert subscribed.status_code == 303
    await server.run_jobs()
    names = re.findall(
        r'data-export="(subscriptions_[^"]+)" data-status="ready"',
        (await boss.get("/dashboard/transactions/exports")).text,
    )
    assert len(names) == 1 and await download(boss, server, names[0]) == []
    assert "Asked for an export" in (await boss.get("/dashboard/audit", q="export")).text

    frozen.advance(seconds=1)
    assert "data-export-form" in (await boss.get("/dashboard/customers")).text
    everyone = await boss.post("/dashboard/customers/export", form_on="/dashboard/customers")
    assert everyone.status_code == 303
    await server.run_jobs()
    exported = (await boss.get("/dashboard/transactions/exports")).text
    [customers] = re.findall(r'data-export="(customers_[^"]+)" data-status="ready"', exported)
    assert sorted(row["email"] for row in await download(boss, server, customers)) == [
        "otto@example.com",
        "vera@example.com",
    ]

    for role, email in (("support", "sam@publisher.example.com"), ("analyst", "ann@publisher.example.com")):
        member = await invite(server, mailbox, boss, email, role)
        assert (await member.get("/dashboard/transactions/exports")).status_code == 403, role
        assert (await member.get(f"/dashboard/transactions/exports/{name}")).status_code == 403, role
        assert (await member.post("/dashboard/transactions/export", {})).status_code == 403, role
        assert (await member.post("/dashboard/customers/export", {})).status_code == 403, role
    elsewhere = await owner(server, await make_merchant(server, "owner@other.example.com"))
    assert (await elsewhere.get(f"/dashboard/transactions/exports/{name}")).status_code == 404


async def test_no_input_makes_a_page_fail(server: Server, merchant: Merchant) -> None:
    vera = await join(server, merchant, "vera@example.com", GB)
    cup = (await add_item(server, merchant))["id"]
    await pay(server, vera, (await add_fee(server, merchant, cup, amount="10.00"))["id"], GB)
    boss = await owner(server, merchant)
    [payment] = await shown(boss)
    for path, query in (
        ("/dashboard/customers", {"q": "ve\x00ra"}),
        ("/dashboard/customers", {"q": "9" * 40, "page": "9" * 40}),
        ("/dashboard/transactions", {"item": "9" * 40, "customer": "9" * 16}),
        ("/dashboard/transactions", {"until": "9999-12-31", "since": "0001-01-01"}),
        ("/dashboard/subscriptions", {"until": "9999-12-31", "country": "\x00\x00", "item": "9" * 16}),
        (f"/dashboard/customers/{vera.id}", {"told": "\x00"}),
    ):
        answer = await boss.get(path, **query)
        assert answer.status_code in (200, 422), (path, query, answer.status_code)
    form = f"/dashboard/transactions/{payment}/refund"
    for amount, reason in (("Infinity", ""), ("NaN", ""), ("1e400", ""), ("9" * 30, ""), ("1.00", "why\x00")):
        refused = await boss.post(form, {"amount": amount, "reason": reason}, form_on=form)
        assert refused.status_code == 422, (amount, reason, refused.status_code)
    page = f"/dashboard/customers/{vera.id}"
    for day in ("9999-12-31", "0001-01-01", "2031-02-30"):
        refused = await boss.post(f"{page}/access", {"item_id": str(cup), "expires_on": day}, form_on=page)
        assert refused.status_code == 422, (day, refused.status_code)
    erase = f"{page}/erase"
    assert (await boss.post(erase, {"confirmation": "\x00"}, form_on=erase)).status_code == 422
    assert (
        await boss.post(f"{page}/subscriptions/{'9' * 16}/switch", {"price_id": "1"}, form_on=page)
    ).status_code == 404
