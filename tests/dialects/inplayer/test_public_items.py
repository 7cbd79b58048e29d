"""What a viewer's app reads of the catalog without signing in: items, their fees and metadata, never content."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item, add_package, in_days
from tests.dialects.inplayer.conftest import Merchant, assert_error, make_merchant, sign_up
from tests.dialects.inplayer.test_items import ITEM_KEYS


def holds_content(value: Any) -> bool:
    if isinstance(value, dict):
        return "content" in value or any(holds_content(v) for v in value.values())
    if isinstance(value, list):
        return any(holds_content(v) for v in value)
    return False


async def test_an_item_by_id_and_by_merchant_with_its_fees_and_metahash(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant, content="the secret stream", **{"metadata[poster]": "p.jpg"})
    fee = await add_fee(server, merchant, item["id"])
    later = await add_fee(server, merchant, item["id"], amount="1.00", starts_at=str(in_days(3)))
    assert later["id"] != fee["id"]
    for path in (f"/items/{item['id']}", f"/items/{merchant.uuid}/{item['id']}"):
        response = await server.http.get(path)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == ITEM_KEYS | {"access_fees"}
        assert not holds_content(body)
        assert body["metahash"] == {"poster": "p.jpg"}
        assert body["metadata"] == [{"id": 1, "name": "poster", "value": "p.jpg"}]
        assert [f["id"] for f in body["access_fees"]] == [fee["id"]]
        assert {k: v for k, v in body.items() if k != "access_fees"} == {
            k: v for k, v in item.items() if k not in ("content", "access_fees", "playback_url_prefix")
        }
    # A viewer's token changes nothing: the item is public, its content is not.
    viewer = await sign_up(server, merchant)
    with_token = await server.http.get(f"/items/{item['id']}", headers=viewer.auth)
    assert with_token.status_code == 200 and not holds_content(with_token.json())


async def test_an_item_is_found_under_its_own_merchant_only(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_item(server, other)
    assert_error(await server.http.get(f"/items/{other.uuid}/{item['id']}"), 404)
    assert_error(await server.http.get(f"/items/{merchant.uuid}/{theirs['id']}"), 404)
    assert_error(await server.http.get(f"/items/00000000-0000-4000-8000-000000000000/{item['id']}"), 404)
    assert (await server.http.get(f"/items/{other.uuid}/{theirs['id']}")).json()["id"] == theirs["id"]


async def test_unknown_malformed_and_inactive_items_are_not_public(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    await server.http.delete(f"/v2/items/{item['id']}", headers=merchant.auth)
    for path in (
        f"/items/{item['id']}",
        f"/items/{merchant.uuid}/{item['id']}",
        "/items/424242",
        "/items/abc",
        f"/items/{merchant.uuid}/abc",
        "/items/-1",
    ):
        assert_error(await server.http.get(path), 404)
    for path in ("/items/0", f"/items/{2**63}"):
        assert_error(await server.http.get(path), 422, "item_id")


async def test_an_asset_by_its_hosting_platforms_id(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant, item_type="jw_asset", external_asset_id="Xy12Ab", content="secret")
    fee = await add_fee(server, merchant, item["id"])
    for query in ({}, {"merchant_uuid": merchant.uuid}):
        response = await server.http.get("/items/assets/external/jw/Xy12Ab", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == item["id"] and not holds_content(body)
        assert [f["id"] for f in body["access_fees"]] == [fee["id"]]
    for path, query in [
        ("/items/assets/external/ooyala/Xy12Ab", {}),
        ("/items/assets/external/jw/nope", {}),
        ("/items/assets/external/mp4/Xy12Ab", {}),
        ("/items/assets/external/package/Xy12Ab", {}),
        ("/items/assets/external/jw/Xy12Ab", {"merchant_uuid": "00000000-0000-4000-8000-000000000000"}),
        ("/items/assets/external/jw/Xy12Ab", {"merchant_uuid": "not-a-uuid"}),
    ]:
        assert_error(await server.http.get(path, params=query), 404)


async def test_an_external_id_two_merchants_share_needs_the_merchant(server: Server, merchant: Merchant) -> None:
    mine = await add_item(server, merchant, item_type="brightcove_asset", external_asset_id="shared")
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_item(server, other, item_type="brightcove_asset", external_asset_id="shared")
    assert_error(await server.http.get("/items/assets/external/brightcove/shared"), 422, "merchant_uuid")
    for owner, item in ((merchant, mine), (other, theirs)):
        response = await server.http.get(
            "/items/assets/external/brightcove/shared", params={"merchant_uuid": owner.uuid}
        )
        assert response.json()["id"] == item["id"]
    # A withdrawn asset no longer competes for the id.
    await server.http.delete(f"/v2/items/{theirs['id']}", headers=other.auth)
    assert (await server.http.get("/items/assets/external/brightcove/shared")).json()["id"] == mine["id"]
    assert_error(
        await server.http.get("/items/assets/external/brightcove/shared", params={"merchant_uuid": other.uuid}), 404
    )


async def test_no_public_route_ever_shows_content(server: Server, merchant: Merchant) -> None:
    asset = await add_item(server, merchant, item_type="jw_asset", external_asset_id="e1", content="secret")
    package = await add_package(server, merchant, asset, content="package secret")
    await add_fee(server, merchant, asset["id"])
    await add_fee(server, merchant, package["id"], access_type_id="7")
    paths = [
        f"/items/{asset['id']}",
        f"/items/{merchant.uuid}/{asset['id']}",
        f"/items/{package['id']}",
        "/items/assets/external/jw/e1",
        f"/items/packages/{package['id']}",
        f"/items/packages/{package['id']}/items",
        f"/v2/items/{asset['id']}/access-fees",
        f"/items/{asset['id']}/access-fees",
        f"/v2/items/{package['id']}/access-fees",
    ]
    for path in paths:
        response = await server.http.get(path)
        assert response.status_code == 200, (path, response.text)
        assert not holds_content(response.json()), path
        assert "secret" not in response.text, path
