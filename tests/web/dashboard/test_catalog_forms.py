"""Every form of the catalog, posted empty or with a NUL character in its fields (which PostgreSQL can't store), is
answered with a page below 500: an empty one as the use case judges it, one with a NUL refused whole, writing
nothing."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item, add_package, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import Desk, owner

FIELDS = [
    "title",
    "asset_type",
    "access_control",
    "description",
    "content",
    "external_asset_id",
    "access_type_id",
    "amount",
    "currency",
    "trial_quantity",
    "trial_unit",
    "setup_fee_amount",
    "starts_at",
    "expires_at",
    "country_set_id",
    "add",
    "name",
    "code",
    "discount",
    "amount_off",
    "end_date",
    "usage_limit",
    "item_ids",
    "codes",
    "quantity",
    "max_sessions",
    "label",
    "type",
    "options",
    "position",
    "active",
    "enabled",
]


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def paths(server: Server, merchant: Merchant, boss: Desk) -> list[str]:
    """A form of each kind the catalog takes, on things of the merchant's."""
    item = await add_item(server, merchant, access_control_type_id="2")  # opened by codes
    fee = await add_fee(server, merchant, item["id"])
    package = await add_package(server, merchant, item)
    items = f"/dashboard/catalog/items/{item['id']}"
    made = [
        await boss.post("/dashboard/catalog/vouchers", {"name": "V", "code": "vvv", "discount": "5"}, form_on=items),
        await boss.post(f"{items}/codes", {"codes": "GOLD"}, form_on=items),
        await boss.post(f"{items}/donations", {"amount": "5", "currency": "EUR"}, form_on=items),
        await boss.post(
            "/dashboard/catalog/sign-up/fields", {"name": "club", "label": "Club", "type": "input"}, form_on=items
        ),
        await boss.post("/dashboard/catalog/sign-up/terms", {"name": "terms", "label": "I agree"}, form_on=items),
    ]
    assert [answer.status_code for answer in made] == [303] * 5, [answer.text for answer in made]
    voucher = re.search(r"/vouchers/(\d+)/deactivate", (await boss.get("/dashboard/catalog/vouchers")).text)
    code = re.search(r"/codes/(\d+)/revoke", (await boss.get(f"{items}/codes")).text)
    donation = re.search(r'data-donation="(\d+)"', (await boss.get(f"{items}/donations")).text)
    field = re.search(r"/sign-up/fields/(\d+)/remove", (await boss.get("/dashboard/catalog/sign-up")).text)
    assert voucher and code and donation and field
    return [
        "/dashboard/catalog/items",
        items,
        f"{items}/active",
        f"{items}/prices",
        f"{items}/prices/{fee['id']}",
        f"/dashboard/catalog/items/{package['id']}/members",
        "/dashboard/catalog/vouchers",
        f"{items}/codes",
        f"{items}/donations",
        f"{items}/donations/custom",
        "/dashboard/catalog/sign-up/fields",
        f"/dashboard/catalog/sign-up/fields/{field.group(1)}",
        "/dashboard/catalog/sign-up/terms",
        "/dashboard/catalog/sign-up/terms/terms",
        "/dashboard/catalog/sign-up/terms/terms/active",
        f"{items}/prices/{fee['id']}/active",
        f"/dashboard/catalog/vouchers/{voucher.group(1)}/deactivate",
        f"{items}/codes/{code.group(1)}/revoke",
        f"{items}/donations/{donation.group(1)}/remove",
        f"/dashboard/catalog/items/{package['id']}/members/{item['id']}/remove",
        f"/dashboard/catalog/sign-up/fields/{field.group(1)}/remove",
    ]


async def test_no_form_of_the_catalog_fails_whatever_it_is_sent(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    forms = await paths(server, merchant, boss)
    before = await catalog_rows(server, merchant)
    for path in forms:
        nul = await boss.post(path, {name: "x\x00y" for name in FIELDS}, form_on="/dashboard/catalog")
        assert nul.status_code == 422, (path, nul.status_code)
    assert await catalog_rows(server, merchant) == before
    for path in forms:
        empty = await boss.post(path, form_on="/dashboard/catalog")
        assert empty.status_code in (303, 404, 409, 422), (path, empty.status_code, empty.text)
    searched = await boss.get("/dashboard/catalog", q="cup\x00")
    assert searched.status_code == 422 and "The search holds a NUL character" in searched.text
