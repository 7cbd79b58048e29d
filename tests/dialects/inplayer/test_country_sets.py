"""Country sets: lists of countries an item or fee may (whitelist) or may not (blacklist) be sold in."""

from __future__ import annotations

import pytest

from boxoffice.catalog.models import Price
from boxoffice.restrictions.models import CountrySet
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_country_set, add_fee, add_item, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, assert_error, fetch_rows, make_merchant, sign_up


async def test_merchant_creates_reads_lists_updates_and_deletes_a_set(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/restrictions/country-sets",
        headers=merchant.auth,
        data={
            "name": " Europe ",
            "type": "whitelist",
            "countries[0]": "de",
            "countries[1]": "FR",
            "countries[2]": "DE",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {
        "id",
        "merchant_id",
        "merchant_uuid",
        "name",
        "type",
        "countries",
        "created_at",
        "updated_at",
    }
    assert (created["name"], created["type"], created["countries"]) == ("Europe", "whitelist", ["DE", "FR"])
    assert created["merchant_id"] == merchant.id and created["merchant_uuid"] == merchant.uuid
    url = f"/restrictions/country-sets/{created['id']}"
    assert (await server.http.get(url, headers=merchant.auth)).json() == created

    response = await server.http.post(
        "/restrictions/country-sets",
        headers=merchant.auth,
        data={"name": "Not here", "type": "blacklist", "countries": "US,ca"},
    )
    second = response.json()
    assert second["countries"] == ["US", "CA"]
    listed = (await server.http.get("/restrictions/country-sets", headers=merchant.auth)).json()
    assert (listed["total"], listed["page"], listed["offset"], listed["limit"]) == (2, 0, 0, 15)
    assert [s["id"] for s in listed["collection"]] == [created["id"], second["id"]]
    paged = (
        await server.http.get("/restrictions/country-sets", headers=merchant.auth, params={"page": 1, "limit": 1})
    ).json()
    assert [s["id"] for s in paged["collection"]] == [second["id"]]

    updated = await server.http.put(url, headers=merchant.auth, data={"type": "blacklist", "countries[0]": "gb"})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["name"], updated.json()["type"], updated.json()["countries"]) == (
        "Europe",
        "blacklist",
        ["GB"],
    )
    renamed = await server.http.put(url, headers=merchant.auth, data={"name": "UK"})
    assert renamed.json()["countries"] == ["GB"] and renamed.json()["name"] == "UK"

    deleted = await server.http.delete(url, headers=merchant.auth)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"code": 200, "message": "Country set deleted"}
    assert_error(await server.http.get(url, headers=merchant.auth), 404)
    assert [row.id for row in await fetch_rows(server, CountrySet, merchant.id)] == [second["id"]]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"type": "greylist"}, "type"),
        ({"type": ""}, "type"),
        ({"countries[0]": "XX"}, "countries"),
        ({"countries[0]": "USA"}, "countries"),
        ({"countries[0]": "DE", "countries[1]": "12"}, "countries"),
        ({"countries": ""}, "countries"),
    ],
)
async def test_bad_sets_are_422_and_write_nothing(
    server: Server, merchant: Merchant, form: dict[str, str], field: str
) -> None:
    base = {"name": "Europe", "type": "whitelist", "countries[0]": "DE"}
    response = await server.http.post("/restrictions/country-sets", headers=merchant.auth, data=base | form)
    assert_error(response, 422, field)
    assert (await catalog_rows(server, merchant))["country_sets"] == 0


async def test_a_set_with_no_countries_or_name_or_type_is_refused_naming_each(
    server: Server, merchant: Merchant
) -> None:
    response = await server.http.post("/restrictions/country-sets", headers=merchant.auth, data={})
    assert_error(response, 422, "name", "type", "countries")


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": " "}, "name"),
        ({"type": "all"}, "type"),
        ({"countries[0]": "ZZ"}, "countries"),
        ({"countries": ""}, "countries"),
    ],
)
async def test_bad_set_changes_are_422_and_change_nothing(
    server: Server, merchant: Merchant, form: dict[str, str], field: str
) -> None:
    created = await add_country_set(server, merchant)
    url = f"/restrictions/country-sets/{created['id']}"
    assert_error(await server.http.put(url, headers=merchant.auth, data=form), 422, field)
    assert (await server.http.get(url, headers=merchant.auth)).json() == created


async def test_a_set_in_use_may_not_be_deleted(server: Server, merchant: Merchant) -> None:
    for_fee = await add_country_set(server, merchant, name="For a fee")
    for_item = await add_country_set(server, merchant, name="For an item")
    item = await add_item(server, merchant, country_set_id=str(for_item["id"]))
    fee = await add_fee(server, merchant, item["id"], country_set_id=str(for_fee["id"]))
    for used in (for_fee, for_item):
        assert_error(await server.http.delete(f"/restrictions/country-sets/{used['id']}", headers=merchant.auth), 409)
    assert (await catalog_rows(server, merchant))["country_sets"] == 2
    # Once nothing on sale uses them, they may go; a withdrawn fee keeps no dangling reference.
    await server.http.delete(f"/v2/items/{item['id']}/access-fees/{fee['id']}", headers=merchant.auth)
    await server.http.delete(f"/v2/items/{item['id']}", headers=merchant.auth)
    for used in (for_fee, for_item):
        response = await server.http.delete(f"/restrictions/country-sets/{used['id']}", headers=merchant.auth)
        assert response.status_code == 200, response.text
    [row] = await fetch_rows(server, Price, merchant.id)
    assert row.country_set_id is None
    assert (await server.http.get(f"/v2/items/{item['id']}", headers=merchant.auth)).json()["country_set_id"] is None


async def test_another_merchants_set_is_404_and_untouched(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_country_set(server, other)
    url = f"/restrictions/country-sets/{theirs['id']}"
    assert_error(await server.http.get(url, headers=merchant.auth), 404)
    assert_error(await server.http.put(url, headers=merchant.auth, data={"name": "Mine now"}), 404)
    assert_error(await server.http.delete(url, headers=merchant.auth), 404)
    assert (await server.http.get(url, headers=other.auth)).json() == theirs
    assert (await server.http.get("/restrictions/country-sets", headers=merchant.auth)).json()["total"] == 0


async def test_unknown_malformed_and_unauthorised_set_requests(server: Server, merchant: Merchant) -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert_error(await server.http.request(method, "/restrictions/country-sets/424242", headers=merchant.auth), 404)
        assert_error(
            await server.http.request(method, "/restrictions/country-sets/eu", headers=merchant.auth), 422, "set_id"
        )
    viewer = await sign_up(server, merchant)
    assert_error(await server.http.get("/restrictions/country-sets", headers=viewer.auth), 403)
    assert_error(await server.http.post("/restrictions/country-sets", data={"name": "x"}), 401)
    for query in ({"limit": 0}, {"page": -1}, {"size": 500}):
        assert_error(await server.http.get("/restrictions/country-sets", headers=merchant.auth, params=query), 422)
