"""Packages: the merchant fills them with its own assets; viewers' apps read them and their members."""

from __future__ import annotations

import pytest

from boxoffice.catalog.models import PackageMember
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item, add_package, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, assert_error, fetch_rows, make_merchant


async def test_merchant_adds_and_removes_assets(server: Server, merchant: Merchant) -> None:
    first = await add_item(server, merchant, title="Round 1")
    second = await add_item(server, merchant, title="Round 2", item_type="jw_asset")
    third = await add_item(server, merchant, title="Round 3")
    package = await add_package(server, merchant)
    url = f"/v2/items/packages/{package['id']}/bulk"

    response = await server.http.patch(
        url, headers=merchant.auth, data={"add_asset_ids[0]": str(first["id"]), "add_asset_ids[1]": str(second["id"])}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == package["id"] and body["item_type"]["name"] == "package"
    assert [i["id"] for i in body["items"]] == [first["id"], second["id"]]
    assert body["items"][0]["content"] == first["content"]

    # Adding a member again changes nothing; removing a non-member neither; both at once in one call.
    response = await server.http.patch(
        url,
        headers=merchant.auth,
        data={
            "add_asset_ids[0]": str(first["id"]),
            "add_asset_ids[1]": str(third["id"]),
            "remove_asset_ids[0]": str(second["id"]),
        },
    )
    assert response.status_code == 200, response.text
    assert [i["id"] for i in response.json()["items"]] == [first["id"], third["id"]]
    rows = await fetch_rows(server, PackageMember, merchant.id)
    assert sorted(r.product_id for r in rows) == [first["id"], third["id"]]
    assert {r.package_id for r in rows} == {package["id"]}

    json_body = await server.http.patch(
        url, headers=merchant.auth, json={"remove_asset_ids": [first["id"], third["id"]]}
    )
    assert json_body.status_code == 200, json_body.text
    assert json_body.json()["items"] == []
    assert await fetch_rows(server, PackageMember, merchant.id) == []


async def test_an_asset_may_sit_in_several_packages(server: Server, merchant: Merchant) -> None:
    asset = await add_item(server, merchant)
    one = await add_package(server, merchant, asset)
    two = await add_package(server, merchant, asset)
    for package in (one, two):
        listed = (await server.http.get(f"/items/packages/{package['id']}/items")).json()
        assert [i["id"] for i in listed["collection"]] == [asset["id"]]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"add_asset_ids[0]": "PACKAGE"}, "add_asset_ids"),
        ({"add_asset_ids[0]": "SELF"}, "add_asset_ids"),
        ({"add_asset_ids[0]": "THEIRS"}, "add_asset_ids"),
        ({"add_asset_ids[0]": "424242"}, "add_asset_ids"),
        ({"add_asset_ids[0]": "abc"}, "add_asset_ids"),
        ({"add_asset_ids[0]": "-3"}, "add_asset_ids"),
        ({"add_asset_ids[0]": "ASSET", "add_asset_ids[1]": "424242"}, "add_asset_ids"),
        ({"remove_asset_ids[0]": "THEIRS"}, "remove_asset_ids"),
        ({"remove_asset_ids[0]": "x"}, "remove_asset_ids"),
        ({"add_asset_ids[0]": "ASSET", "remove_asset_ids[0]": "ASSET"}, "add_asset_ids"),
        ({"add_asset_ids": {"a": "1"}}, "add_asset_ids"),
    ],
)
async def test_bad_membership_changes_are_422_and_write_nothing(
    server: Server, merchant: Merchant, form: dict[str, object], field: str
) -> None:
    member = await add_item(server, merchant, title="Member")
    asset = await add_item(server, merchant, title="Asset")
    package = await add_package(server, merchant, member)
    inner = await add_package(server, merchant)
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_item(server, other)
    names = {"PACKAGE": inner["id"], "SELF": package["id"], "THEIRS": theirs["id"], "ASSET": asset["id"]}
    sent: dict[str, object] = {}
    for key, value in form.items():
        sent[key] = str(names[value]) if isinstance(value, str) and value in names else value
    before = await catalog_rows(server, merchant)
    url = f"/v2/items/packages/{package['id']}/bulk"
    response = await (
        server.http.patch(url, headers=merchant.auth, json=sent)
        if any(isinstance(v, dict) for v in sent.values())
        else server.http.patch(url, headers=merchant.auth, data=sent)
    )
    assert_error(response, 422, field)
    assert await catalog_rows(server, merchant) == before
    listed = (await server.http.get(f"/items/packages/{package['id']}/items")).json()
    assert [i["id"] for i in listed["collection"]] == [member["id"]]


async def test_only_the_merchants_own_packages_take_members(server: Server, merchant: Merchant) -> None:
    asset = await add_item(server, merchant)
    other = await make_merchant(server, "other@publisher.example.com")
    their_package = await add_package(server, other)
    form = {"add_asset_ids[0]": str(asset["id"])}
    for package_id in (their_package["id"], asset["id"], 424242):
        response = await server.http.patch(f"/v2/items/packages/{package_id}/bulk", headers=merchant.auth, data=form)
        assert_error(response, 404)
    assert_error(
        await server.http.patch("/v2/items/packages/p/bulk", headers=merchant.auth, data=form), 422, "package_id"
    )
    assert (await catalog_rows(server, merchant))["members"] == 0
    assert (await catalog_rows(server, other))["members"] == 0


async def test_viewers_read_a_package_and_its_active_members(server: Server, merchant: Merchant) -> None:
    first = await add_item(server, merchant, title="Round 1", content="secret 1")
    second = await add_item(server, merchant, title="Round 2", content="secret 2")
    hidden = await add_item(server, merchant, title="Withdrawn")
    package = await add_package(server, merchant, first, second, hidden, content="package secret")
    fee = await add_fee(server, merchant, package["id"], access_type_id="10", amount="99")
    await server.http.delete(f"/v2/items/{hidden['id']}", headers=merchant.auth)

    response = await server.http.get(f"/items/packages/{package['id']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("total", "page", "offset", "limit")} == {
        "total": 1,
        "page": 0,
        "offset": 0,
        "limit": 1,
    }
    [read] = body["collection"]
    assert read["id"] == package["id"] and read["item_type"]["name"] == "package"
    assert "content" not in read
    assert [f["id"] for f in read["access_fees"]] == [fee["id"]]

    members = await server.http.get(f"/items/packages/{package['id']}/items")
    assert members.status_code == 200, members.text
    page = members.json()
    assert (page["total"], page["page"], page["offset"]) == (2, 0, 0)
    assert [i["id"] for i in page["collection"]] == [first["id"], second["id"]]
    assert all("content" not in i for i in page["collection"])
    second_page = (
        await server.http.get(f"/items/packages/{package['id']}/items", params={"page": 1, "limit": 1})
    ).json()
    assert (second_page["total"], second_page["offset"], second_page["limit"]) == (2, 1, 1)
    assert [i["id"] for i in second_page["collection"]] == [second["id"]]
    by_size = (await server.http.get(f"/items/packages/{package['id']}/items", params={"size": 1})).json()
    assert [i["id"] for i in by_size["collection"]] == [first["id"]]


async def test_public_package_reads_refuse_what_is_not_an_active_package(server: Server, merchant: Merchant) -> None:
    asset = await add_item(server, merchant)
    package = await add_package(server, merchant, asset)
    for path in (f"/items/packages/{asset['id']}", f"/items/packages/{asset['id']}/items", "/items/packages/424242"):
        assert_error(await server.http.get(path), 404)
    for query in ({"limit": 0}, {"limit": 101}, {"page": -1}):
        assert_error(await server.http.get(f"/items/packages/{package['id']}/items", params=query), 422)
    await server.http.delete(f"/v2/items/{package['id']}", headers=merchant.auth)
    for path in (f"/items/packages/{package['id']}", f"/items/packages/{package['id']}/items"):
        assert_error(await server.http.get(path), 404)
