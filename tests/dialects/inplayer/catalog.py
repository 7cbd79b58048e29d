"""Helpers for setting up a merchant's catalog over HTTP: items, packages, access fees, country sets."""

from __future__ import annotations

from typing import Any

from boxoffice.catalog.models import PackageMember, Price, Product
from boxoffice.kit import clock
from boxoffice.restrictions.models import CountrySet
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, count_rows


async def add_item(server: Server, merchant: Merchant, **fields: Any) -> dict[str, Any]:
    form = {"item_type": "html_asset", "title": "Cup final", "access_control_type_id": "1", "content": "<p>x</p>"}
    response = await server.http.post("/v2/items", headers=merchant.auth, data=form | fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_package(server: Server, merchant: Merchant, *assets: dict[str, Any], **fields: Any) -> dict[str, Any]:
    package = await add_item(server, merchant, **({"item_type": "package", "title": "Season pass"} | fields))
    if assets:
        form = {f"add_asset_ids[{n}]": str(asset["id"]) for n, asset in enumerate(assets)}
        response = await server.http.patch(f"/v2/items/packages/{package['id']}/bulk", headers=merchant.auth, data=form)
        assert response.status_code == 200, response.text
    return package


async def add_fee(server: Server, merchant: Merchant, item_id: int, **fields: Any) -> dict[str, Any]:
    form = {"access_type_id": "3", "amount": "4.99", "currency": "EUR", "description": "Seven days"}
    response = await server.http.post(f"/v2/items/{item_id}/access-fees", headers=merchant.auth, data=form | fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def add_country_set(server: Server, merchant: Merchant, **fields: Any) -> dict[str, Any]:
    form = {"name": "Europe", "type": "whitelist", "countries[0]": "DE", "countries[1]": "FR"}
    response = await server.http.post("/restrictions/country-sets", headers=merchant.auth, data=form | fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def catalog_rows(server: Server, merchant: Merchant) -> dict[str, int]:
    """How many catalog rows of each kind the merchant has: a refused request changes none of them."""
    return {
        "products": await count_rows(server, Product, merchant.id),
        "prices": await count_rows(server, Price, merchant.id),
        "members": await count_rows(server, PackageMember, merchant.id),
        "country_sets": await count_rows(server, CountrySet, merchant.id),
    }


def in_days(days: float) -> int:
    return clock.unix(clock.now()) + int(days * 86400)
