"""The catalog's items over HTTP: listed a page at a time with their prices, added, changed, taken off sale and put
back by a member whose role edits the catalog; read, never written, by the roles that only read it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_country_set, add_fee, add_item, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import Desk, invite, owner

NEW = "/dashboard/catalog/items/new"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def created(boss: Desk, **fields: str) -> int:
    form = {"title": "Cup final", "asset_type": "jw_asset", "access_control": "paid", "content": "<p>Live</p>"}
    answer = await boss.post("/dashboard/catalog/items", form | fields, form_on=NEW)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/dashboard/catalog/items/(\d+)\?told=created", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


async def test_an_item_is_added_changed_and_taken_off_sale(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    item_id = await created(
        boss,
        external_asset_id="jw-123",
        description="The whole match",
        playback_url_prefix="https://cdn.example.com/cup/",
        min_age="18",
        plan_switch_enabled="yes",
    )
    page = await boss.get(f"/dashboard/catalog/items/{item_id}")
    assert page.status_code == 200 and "The item is added." not in page.text  # told only after the redirect
    assert "<h1>Cup final</h1>" in page.text and "JW Player asset" in page.text and "No price yet" in page.text
    api = await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)
    assert api.json()["title"] == "Cup final" and api.json()["content"] == "<p>Live</p>"
    assert api.json()["external_asset_id"] == "jw-123" and api.json()["metahash"] == {"description": "The whole match"}
    assert "The whole match</textarea>" in page.text
    assert api.json()["age_restriction"] == {"min_age": 18} and api.json()["plan_switch_enabled"] is True
    assert api.json()["playback_url_prefix"] == "https://cdn.example.com/cup/"

    changed = await boss.post(
        f"/dashboard/catalog/items/{item_id}",
        {"title": "Cup final, replay", "asset_type": "jw_asset", "access_control": "auth", "content": "<p>Again</p>"},
        form_on=f"/dashboard/catalog/items/{item_id}",
    )
    assert changed.status_code == 303 and changed.headers["location"].endswith("?told=changed")
    api = await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)
    assert api.json()["title"] == "Cup final, replay" and api.json()["content"] == "<p>Again</p>"
    assert api.json()["external_asset_id"] is None and api.json()["metahash"] == {}  # sent empty, each is removed
    assert api.json()["age_restriction"] is None and api.json()["playback_url_prefix"] is None
    assert api.json()["plan_switch_enabled"] is False
    europe = await add_country_set(server, merchant)
    form = {"title": "Cup final, replay", "asset_type": "jw_asset", "access_control": "auth"}
    here = f"/dashboard/catalog/items/{item_id}"
    assert f'<option value="{europe["id"]}">Europe (whitelist)</option>' in (await boss.get(here)).text
    limited = await boss.post(here, form | {"country_set_id": str(europe["id"])}, form_on=here)
    assert limited.status_code == 303
    api = await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)
    assert api.json()["country_set_id"] == europe["id"]
    theirs = await add_country_set(server, await make_merchant(server, "other@publisher.example.com"))
    refused = await boss.post(here, form | {"country_set_id": str(theirs["id"])}, form_on=here)
    assert refused.status_code == 422 and "No country set of yours has this id" in refused.text

    off = await boss.post(f"/dashboard/catalog/items/{item_id}/active", {"active": "no"}, form_on=NEW)
    assert off.status_code == 303
    assert (await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)).json()["is_active"] is False
    assert (await server.http.get(f"/pages/{merchant.uuid}/offers/{item_id}")).status_code == 404
    listed = await boss.get("/dashboard/catalog", state="inactive")
    assert f'data-item="{item_id}"' in listed.text and "1 item." in listed.text
    assert f'data-item="{item_id}"' not in (await boss.get("/dashboard/catalog", state="active")).text
    back = await boss.post(f"/dashboard/catalog/items/{item_id}/active", {"active": "yes"}, form_on=NEW)
    assert back.status_code == 303
    assert (await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)).json()["is_active"] is True

    log = (await boss.get("/dashboard/audit", q="item")).text
    for action in ("Created an item", "Changed an item", "Deactivated an item", "Activated an item"):
        assert action in log, action
    assert f"item {item_id}: Cup final, replay" in log


async def test_a_refused_item_shows_its_problems_and_writes_nothing(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    before = await catalog_rows(server, merchant)
    blank = await boss.post(
        "/dashboard/catalog/items", {"title": "  ", "asset_type": "nonsense", "access_control": "paid"}, form_on=NEW
    )
    assert blank.status_code == 422
    assert "The title is required" in blank.text and "Unknown asset type" in blank.text
    assert 'aria-invalid="true" aria-describedby="problem-title"' in blank.text
    assert await catalog_rows(server, merchant) == before

    item_id = await created(boss, external_asset_id="jw-1")
    await created(boss, title="Semi final", external_asset_id="jw-2")
    taken = await boss.post(
        f"/dashboard/catalog/items/{item_id}",
        {"title": "Renamed", "asset_type": "jw_asset", "access_control": "paid", "external_asset_id": "jw-2"},
        form_on=NEW,
    )
    assert taken.status_code == 409 and "already has this external id" in taken.text
    package = await boss.post(
        f"/dashboard/catalog/items/{item_id}",
        {"title": "Renamed", "asset_type": "package", "access_control": "paid"},
        form_on=NEW,
    )
    assert package.status_code == 422 and "can&#39;t become a package" in package.text
    assert 'value="Renamed"' in package.text  # what was typed is kept on the form
    for fields, field, message in (
        ({"min_age": "150"}, "min_age", "The minimum age must be from 0 to 99"),
        ({"min_age": "adult"}, "min_age", "Give a whole number"),
        ({"playback_url_prefix": "ftp://cdn/x"}, "playback_url_prefix", "The playback URL prefix is an absolute"),
    ):
        form = {"title": "Renamed", "asset_type": "jw_asset", "access_control": "paid"} | fields
        refused = await boss.post(f"/dashboard/catalog/items/{item_id}", form, form_on=NEW)
        assert refused.status_code == 422 and message in refused.text, fields
        assert f'aria-describedby="problem-{field}"' in refused.text, fields
    assert (await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)).json()["title"] == "Cup final"

    forged = await boss.http.post("/dashboard/catalog/items", data={"title": "No token", "asset_type": "html_asset"})
    assert forged.status_code == 403
    assert (await boss.get("/dashboard/catalog/items/999999")).status_code == 404
    assert (await boss.get("/dashboard/catalog/items/nope")).status_code == 404
    assert (await boss.get("/dashboard/catalog", type="nonsense")).status_code == 422


async def test_the_catalog_pages_its_items_with_their_prices_and_shows_no_one_elses(
    server: Server, merchant: Merchant
) -> None:
    first = await add_item(server, merchant, title="Item 0")
    await add_fee(server, merchant, first["id"], amount="4.99", currency="EUR")
    for number in range(1, 23):
        await add_item(server, merchant, title=f"Item {number}")
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_item(server, other, title="Their secret item")

    boss = await owner(server, merchant)
    newest = await boss.get("/dashboard/catalog")
    assert "23 items." in newest.text and "Item 22" in newest.text and "Page 1 of 2" in newest.text
    assert "Item 0<" not in newest.text and "Their secret item" not in newest.text
    older = await boss.get("/dashboard/catalog", page="1")
    assert "Item 0<" in older.text and "€4.99 · 7 days of access" in older.text
    found = await boss.get("/dashboard/catalog", q="item 1")
    assert "11 items." in found.text  # Item 1 and Item 10 to 19
    assert (await boss.get(f"/dashboard/catalog/items/{theirs['id']}")).status_code == 404
    refused = await boss.post(
        f"/dashboard/catalog/items/{theirs['id']}/active", {"active": "no"}, form_on="/dashboard/catalog"
    )
    assert refused.status_code == 404
    assert (await server.http.get(f"/v2/items/{theirs['id']}", headers=other.auth)).json()["is_active"] is True


@pytest.mark.parametrize("role", ["analyst", "support"])
async def test_a_role_that_reads_the_catalog_may_not_change_it(
    server: Server, mailbox: Mailbox, merchant: Merchant, role: str
) -> None:
    boss = await owner(server, merchant)
    item_id = await created(boss)
    package_id = await created(boss, title="Season pass", asset_type="package")
    assert (await boss.post(f"/dashboard/catalog/items/{package_id}/members", {"add": str(item_id)})).status_code == 303
    reader = await invite(server, mailbox, boss, "reader@publisher.example.com", role)
    listed = await reader.get("/dashboard/catalog")
    assert listed.status_code == 200 and "Cup final" in listed.text and NEW not in listed.text
    page = await reader.get(f"/dashboard/catalog/items/{item_id}")
    assert page.status_code == 200 and "Change the item" not in page.text and "Add a price" not in page.text
    assert (await reader.get(NEW)).status_code == 403
    form_on = f"/dashboard/catalog/items/{item_id}"
    writes = {
        "/dashboard/catalog/items": {"title": "Mine", "asset_type": "html_asset", "access_control": "paid"},
        f"/dashboard/catalog/items/{item_id}": {"title": "Mine", "asset_type": "jw_asset", "access_control": "paid"},
        f"/dashboard/catalog/items/{item_id}/active": {"active": "no"},
        f"/dashboard/catalog/items/{package_id}/members": {"add": str(item_id)},
        f"/dashboard/catalog/items/{package_id}/members/{item_id}/remove": {},
    }
    for path, form in writes.items():
        assert (await reader.post(path, form, form_on=form_on)).status_code == 403, path
    api = await server.http.get(f"/v2/items/{item_id}", headers=merchant.auth)
    assert api.json()["title"] == "Cup final" and api.json()["is_active"] is True
    package = await reader.get(f"/dashboard/catalog/items/{package_id}")
    assert f'data-member="{item_id}"' in package.text and "Put them in" not in package.text


async def test_a_package_takes_in_assets_by_their_ids_and_lets_them_go(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    package_id = await created(boss, title="Season pass", asset_type="package")
    first, second = await created(boss, title="Round 1"), await created(boss, title="Round 2")
    other = await add_item(server, await make_merchant(server, "other@publisher.example.com"))
    here = f"/dashboard/catalog/items/{package_id}"
    assert "No items yet." in (await boss.get(here)).text

    added = await boss.post(f"{here}/members", {"add": f"{first}, {second}"}, form_on=here)
    assert added.status_code == 303 and added.headers["location"].endswith("?told=members-added")
    page = (await boss.get(here)).text
    assert f'data-member="{first}"' in page and f'data-member="{second}"' in page
    members = await server.http.get(f"/items/packages/{package_id}/items")
    assert sorted(item["id"] for item in members.json()["collection"]) == [first, second]

    for typed, problem in (
        ("twelve", "twelve is not an id"),
        (str(package_id), "a package can&#39;t hold another package"),
        (str(other["id"]), f"No asset of yours has the id {other['id']}"),
        ("", "Give the ids of the items to put in the package"),
    ):
        refused = await boss.post(f"{here}/members", {"add": typed}, form_on=here)
        assert refused.status_code == 422 and problem in refused.text, typed
        assert 'aria-describedby="problem-add"' in refused.text and "The item is not changed" not in refused.text

    removed = await boss.post(f"{here}/members/{first}/remove", form_on=here)
    assert removed.status_code == 303
    members = await server.http.get(f"/items/packages/{package_id}/items")
    assert [item["id"] for item in members.json()["collection"]] == [second]
    assert (
        await boss.post(f"/dashboard/catalog/items/{first}/members", {"add": str(second)}, form_on=here)
    ).status_code == 404
    assert "Put items in a package" in (await boss.get("/dashboard/audit", q="package")).text


async def test_an_admin_edits_the_catalog(server: Server, mailbox: Mailbox, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    admin = await invite(server, mailbox, boss, "ada@publisher.example.com", "admin")
    assert NEW in (await admin.get("/dashboard/catalog")).text
    item_id = await created(admin, title="Made by the admin")
    priced = await admin.post(
        f"/dashboard/catalog/items/{item_id}/prices",
        {"access_type_id": "3", "amount": "2", "currency": "EUR"},
        form_on=NEW,
    )
    assert priced.status_code == 303
    log = (await boss.get("/dashboard/audit", q="Made by the admin")).text
    assert "ada@publisher.example.com" in log and "Created an item" in log
