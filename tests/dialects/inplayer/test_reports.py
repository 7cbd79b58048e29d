"""Report files over HTTP: the analytics' content-request files and the merchant contract's exports, built by
the worker, listed, and downloaded through their signed links, on the scenario of test_analytics."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from boxoffice.kit import clock, jobs
from boxoffice.reporting import service
from boxoffice.reporting.models import ReportFile
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import Merchant, assert_error, count_rows, make_merchant
from tests.dialects.inplayer.test_analytics import EXAMPLES, Scenario, assert_shaped_like, scenario, settings

__all__ = ["scenario", "settings"]  # the scenario's fixtures, used here too


async def download(server: Server, url: str) -> list[dict[str, str]]:
    """The CSV behind a report link, fetched without any token: the link is the credential."""
    assert url.startswith("http://testserver/"), url
    response = await server.http.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def link(server: Server, merchant: Merchant, path: str) -> str:
    response = await server.http.get(path, headers=merchant.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["redirect_url"])


async def export(server: Server, merchant: Merchant, name: str) -> list[dict[str, str]]:
    return await download(server, await link(server, merchant, f"/v2/reporting/reports/{name}"))


async def test_a_content_request_file_is_built_listed_and_downloaded(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    form = {"item_id": str(scenario.item_a), "start_date": scenario.day(0), "end_date": scenario.day(4)}
    asked = await server.http.post("/v2/analytics/content-requests/generate", headers=merchant.auth, data=form)
    assert asked.status_code == 202, asked.text
    assert_shaped_like(asked.json(), EXAMPLES["content_requests_generate"])
    assert (await server.http.get("/v2/analytics/content-requests", headers=merchant.auth)).json() == []
    assert await server.run_jobs() >= 1
    listed = (await server.http.get("/v2/analytics/content-requests", headers=merchant.auth)).json()
    name = f"content_requests_{merchant.id}_{clock.now():%Y-%m-%d}.csv"  # named by the day it was made
    assert [f["name"] for f in listed] == [name]
    assert_shaped_like(listed[0], EXAMPLES["content_request_files"])
    url = await link(server, merchant, f"/v2/analytics/content-requests/{name}")
    assert_shaped_like({"redirect_url": url}, EXAMPLES["content_request_file"])
    rows = await download(server, url)
    assert sorted((r["customer_email"], r["country"], r["outcome"]) for r in rows) == [
        ("alice@example.com", "GB", "granted"),
        ("bob@example.com", "US", "granted"),
    ]
    assert {r["item_title"] for r in rows} == {"Cup final"}
    # A window that ends before anyone opened the item holds no rows.
    early = {"item_id": str(scenario.item_a), "start_date": scenario.day(0), "end_date": scenario.day(1)}
    assert (
        await server.http.post("/v2/analytics/content-requests/generate", headers=merchant.auth, data=early)
    ).status_code == 202
    await server.run_jobs()
    assert await download(server, await link(server, merchant, f"/v2/analytics/content-requests/{name}")) == []


async def test_exports_hold_every_transaction_subscription_and_customer(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    for kind in ("transactions", "subscriptions", "customers"):
        asked = await server.http.post(f"/v2/reporting/{kind}", headers=merchant.auth, data={})
        assert asked.status_code == 202, asked.text
        scenario.frozen.advance(seconds=1)  # each export is named by the second it was asked for
    pending = (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json()
    assert sorted(f["status"] for f in pending) == ["pending"] * 3
    assert_error(await server.http.get(f"/v2/reporting/reports/{pending[0]['name']}", headers=merchant.auth), 409)
    await server.run_jobs()
    files = {
        f["name"].split("_")[0]: f
        for f in (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json()
    }
    assert {kind: f["status"] for kind, f in files.items()} == dict.fromkeys(
        ("transactions", "subscriptions", "customers"), "ready"
    )

    transactions = await download(
        server, await link(server, merchant, f"/v2/reporting/reports/{files['transactions']['name']}")
    )
    # Five payments, bob's declined one, and the refund.
    assert sorted((r["type"], r["status"], r["amount"], r["currency"], r["method"]) for r in transactions) == [
        ("payment", "declined", "5.00", "USD", "card"),
        ("payment", "succeeded", "10.00", "EUR", "card"),
        ("payment", "succeeded", "4.99", "EUR", "card"),
        ("payment", "succeeded", "4.99", "EUR", "google_pay"),
        ("payment", "succeeded", "5.00", "USD", "card"),
        ("payment", "succeeded", "7.50", "EUR", "card"),
        ("refund", "succeeded", "2.00", "USD", "card"),
    ]
    assert [r["created_at"] for r in transactions] == sorted(r["created_at"] for r in transactions)
    subscriptions = await download(
        server, await link(server, merchant, f"/v2/reporting/reports/{files['subscriptions']['name']}")
    )
    assert sorted((r["customer_email"], r["status"], r["amount"], r["country"]) for r in subscriptions) == [
        ("alice@example.com", "active", "10.00", "GB"),
        ("bob@example.com", "canceled", "10.00", "US"),
    ]
    customers = await download(
        server, await link(server, merchant, f"/v2/reporting/reports/{files['customers']['name']}")
    )
    assert sorted((r["email"], r["country"], r["device"]) for r in customers) == [
        ("alice@example.com", "GB", "mobile"),
        ("bob@example.com", "US", "desktop"),
    ]


async def test_an_export_covers_only_its_period(server: Server, merchant: Merchant, scenario: Scenario) -> None:
    form = {"start_date": scenario.day(0), "end_date": scenario.day(1)}
    assert (await server.http.post("/v2/reporting/transactions", headers=merchant.auth, data=form)).status_code == 202
    await server.run_jobs()
    [listed] = (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json()
    rows = await download(server, await link(server, merchant, f"/v2/reporting/reports/{listed['name']}"))
    assert sorted((r["amount"], r["currency"]) for r in rows) == [("4.99", "EUR"), ("5.00", "USD")]


async def test_bad_report_requests_are_refused_and_write_nothing(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = (await add_item(server, other))["id"]
    generate = "/v2/analytics/content-requests/generate"
    window = {"start_date": scenario.day(0), "end_date": scenario.day(4)}
    item = {"item_id": str(scenario.item_a)}
    for form, status, fields in (
        (window, 422, ("item_id",)),
        ({"item_id": "abc"} | window, 422, ("item_id",)),
        (item, 422, ("start_date", "end_date")),
        (item | {"start_date": "soon", "end_date": scenario.day(4)}, 422, ("start_date",)),
        (item | {"start_date": scenario.day(4), "end_date": scenario.day(0)}, 422, ("end_date",)),
        ({"item_id": "999999"} | window, 404, ()),
        ({"item_id": str(theirs)} | window, 404, ()),
    ):
        assert_error(await server.http.post(generate, headers=merchant.auth, data=form), status, *fields)
    assert_error(await server.http.post("/v2/reporting/ledgers", headers=merchant.auth), 422)
    assert_error(
        await server.http.post("/v2/reporting/transactions", headers=merchant.auth, data={"end_date": "never"}),
        422,
        "end_date",
    )
    assert_error(await server.http.post("/v2/reporting/customers", headers=scenario.alice.auth), 403)
    assert await count_rows(server, ReportFile, merchant.id) == 0
    async with server.app.state.sessions() as session:
        assert not (await session.scalars(select(jobs.Job).where(jobs.Job.kind == "reports.build"))).all()
    assert_error(await server.http.get("/v2/reporting/reports/nothing.csv", headers=merchant.auth), 404)


async def test_another_merchant_can_neither_list_nor_link_a_report(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    assert (await server.http.post("/v2/reporting/customers", headers=merchant.auth)).status_code == 202
    await server.run_jobs()
    [mine] = (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json()
    other = await make_merchant(server, "other@publisher.example.com")
    assert (await server.http.get("/v2/reporting/reports", headers=other.auth)).json() == []
    assert_error(await server.http.get(f"/v2/reporting/reports/{mine['name']}", headers=other.auth), 404)
    url = await link(server, merchant, f"/v2/reporting/reports/{mine['name']}")
    forged = url.replace(merchant.uuid, other.uuid)
    response = await server.http.get(forged.removeprefix("http://testserver"))
    assert response.status_code in (403, 404) and "alice" not in response.text
    tampered = httpx.URL(url).copy_set_param("expires", str(int(httpx.URL(url).params["expires"]) + 3600))
    assert (await server.http.get(str(tampered).removeprefix("http://testserver"))).status_code == 403


async def test_files_older_than_the_kept_days_are_deleted_from_storage_and_list(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    assert (await server.http.post("/v2/reporting/customers", headers=merchant.auth)).status_code == 202
    await server.run_jobs()
    [made] = (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json()
    on_disk = server.settings.reports_dir / str(merchant.id) / made["name"]
    assert on_disk.is_file()
    scenario.frozen.advance(days=server.settings.reports_keep_days - 1)
    await service.purge_old_reports(server.app.state.sessions, server.settings)
    assert on_disk.is_file()  # not old enough yet
    scenario.frozen.advance(days=1, seconds=1)
    await service.purge_old_reports(server.app.state.sessions, server.settings)
    assert not on_disk.exists()
    assert (await server.http.get("/v2/reporting/reports", headers=merchant.auth)).json() == []
