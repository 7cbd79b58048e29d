"""Every catalog route that names a row by id, tried with another merchant's ids: always 404, nothing changed.

The table of such routes lives in test_merchant_tenancy.py (ROUTES_WITH_IDS); this file walks the catalog's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_country_set, add_fee, add_item, add_package, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, assert_error, make_merchant
from tests.dialects.inplayer.test_merchant_tenancy import ROUTES_WITH_IDS, merchant_endpoints

CATALOG_MODULES = ("boxoffice.dialects.inplayer.items", "boxoffice.dialects.inplayer.country_sets")


@dataclass
class Catalog:
    merchant: Merchant
    asset: dict[str, Any]
    package: dict[str, Any]
    fee: dict[str, Any]
    country_set: dict[str, Any]


async def catalog(server: Server, name: str) -> Catalog:
    merchant = await make_merchant(server, f"owner@{name}.example.com")
    country_set = await add_country_set(server, merchant, name=f"{name} set")
    asset = await add_item(server, merchant, title=f"{name} asset", content=f"{name} secret")
    package = await add_package(server, merchant, asset, title=f"{name} package")
    fee = await add_fee(server, merchant, asset["id"], country_set_id=str(country_set["id"]))
    return Catalog(merchant, asset, package, fee, country_set)


async def snapshot(server: Server, owner: Catalog) -> dict[str, Any]:
    auth = owner.merchant.auth
    return {
        "asset": (await server.http.get(f"/v2/items/{owner.asset['id']}", headers=auth)).json(),
        "package": (await server.http.get(f"/v2/items/{owner.package['id']}", headers=auth)).json(),
        "members": (await server.http.get(f"/items/packages/{owner.package['id']}/items")).json(),
        "country_set": (
            await server.http.get(f"/restrictions/country-sets/{owner.country_set['id']}", headers=auth)
        ).json(),
        "rows": await catalog_rows(server, owner.merchant),
    }


async def test_a_merchant_token_reaches_no_other_merchants_catalog(server: Server) -> None:
    a, b = await catalog(server, "alpha"), await catalog(server, "bravo")
    before = await snapshot(server, b)
    own_before = await snapshot(server, a)
    assert before["asset"]["content"] == "bravo secret"
    item, package, fee, country_set = b.asset["id"], b.package["id"], b.fee["id"], b.country_set["id"]
    mine = a.asset["id"]
    fee_form = {"access_type_id": "3", "amount": "1.00", "currency": "EUR"}
    attempts: dict[tuple[str, str], list[tuple[str, dict[str, Any] | None]]] = {
        ("GET", "/v2/items/{item_id}"): [(f"/v2/items/{item}", None), (f"/v2/items/{package}", None)],
        ("PUT", "/v2/items/{item_id}"): [(f"/v2/items/{item}", {"title": "hijacked", "active": "false"})],
        ("DELETE", "/v2/items/{item_id}"): [(f"/v2/items/{item}", None), (f"/v2/items/{package}", None)],
        ("PATCH", "/v2/items/packages/{package_id}/bulk"): [
            (f"/v2/items/packages/{package}/bulk", {"remove_asset_ids[0]": str(item)}),
            (f"/v2/items/packages/{package}/bulk", {"add_asset_ids[0]": str(mine)}),
        ],
        ("POST", "/v2/items/{item_id}/access-fees"): [(f"/v2/items/{item}/access-fees", fee_form)],
        ("PUT", "/v2/items/{item_id}/access-fees/{fee_id}"): [
            (f"/v2/items/{item}/access-fees/{fee}", {"amount": "0.01"}),
            (f"/v2/items/{mine}/access-fees/{fee}", {"amount": "0.01"}),
        ],
        ("DELETE", "/v2/items/{item_id}/access-fees/{fee_id}"): [
            (f"/v2/items/{item}/access-fees/{fee}", None),
            (f"/v2/items/{mine}/access-fees/{fee}", None),
        ],
        ("GET", "/restrictions/country-sets/{set_id}"): [(f"/restrictions/country-sets/{country_set}", None)],
        ("PUT", "/restrictions/country-sets/{set_id}"): [
            (f"/restrictions/country-sets/{country_set}", {"name": "hijacked", "countries[0]": "US"})
        ],
        ("DELETE", "/restrictions/country-sets/{set_id}"): [(f"/restrictions/country-sets/{country_set}", None)],
    }
    catalog_routes = {
        (e.method, e.template)
        for e in merchant_endpoints(server)
        if e.route.endpoint.__module__ in CATALOG_MODULES and re.search(r"\{\w*id\}", e.template)
    }
    assert set(attempts) == catalog_routes, "a catalog route with an id is not tried across tenants"
    assert catalog_routes <= ROUTES_WITH_IDS
    for (method, _template), tries in attempts.items():
        for path, form in tries:
            response = await server.http.request(method, path, headers=a.merchant.auth, data=form)
            assert_error(response, 404)
    # References to another merchant's rows in a body are refused the same way, and nothing lands anywhere.
    borrowing = [
        await server.http.post(
            "/v2/items", headers=a.merchant.auth, data={"title": "x", "country_set_id": str(country_set)}
        ),
        await server.http.put(f"/v2/items/{mine}", headers=a.merchant.auth, data={"country_set_id": str(country_set)}),
        await server.http.post(
            f"/v2/items/{mine}/access-fees",
            headers=a.merchant.auth,
            data=fee_form | {"country_set_id": str(country_set)},
        ),
        await server.http.patch(
            f"/v2/items/packages/{a.package['id']}/bulk", headers=a.merchant.auth, data={"add_asset_ids[0]": str(item)}
        ),
    ]
    for response in borrowing:
        assert_error(response, 422)
    assert await snapshot(server, b) == before
    assert await snapshot(server, a) == own_before


async def test_a_merchants_catalog_lists_hold_only_its_own_rows(server: Server) -> None:
    a, b = await catalog(server, "alpha"), await catalog(server, "bravo")
    items = (await server.http.get("/v2/items", headers=a.merchant.auth)).json()
    assert sorted(i["id"] for i in items["collection"]) == sorted([a.asset["id"], a.package["id"]])
    assert (await server.http.get("/v2/items", headers=a.merchant.auth, params={"search": "bravo"})).json()[
        "total"
    ] == 0
    sets = (await server.http.get("/restrictions/country-sets", headers=a.merchant.auth)).json()
    assert [s["id"] for s in sets["collection"]] == [a.country_set["id"]]
    assert b.asset["id"] not in {i["id"] for i in items["collection"]}
