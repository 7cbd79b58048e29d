"""The merchant's items: the access-type menu, creating, listing, reading, changing and deactivating assets."""

from __future__ import annotations

from typing import Any

import pytest

from boxoffice.catalog.models import Product
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_country_set, add_fee, add_item, catalog_rows
from tests.dialects.inplayer.conftest import Merchant, assert_error, fetch_rows, make_merchant

ITEM_KEYS = {
    "id",
    "merchant_id",
    "merchant_uuid",
    "is_active",
    "active",
    "title",
    "access_control_type",
    "item_type",
    "age_restriction",
    "metadata",
    "metahash",
    "external_asset_id",
    "country_set_id",
    "template_id",
    "created_at",
    "updated_at",
    "plan_switch_enabled",
    "is_giftable",
    "gift_metadata",
}
# The item types of §5.2, and the hosting platforms the SDK looks assets up on.
ITEM_TYPES = [
    "html_asset",
    "jw_asset",
    "ooyala_asset",
    "brightcove_asset",
    "inplayer_asset",
    "package",
    "accedo_asset",
    "aws_asset",
    "cloudfront_asset",
    "dacast_asset",
    "kaltura_asset",
    "laola_asset",
    "livestream_asset",
    "panopto_asset",
    "piksel_asset",
    "qbrick_asset",
    "sportone_asset",
    "sportradar_asset",
    "streamamg_asset",
    "vidyard_asset",
    "wistia_asset",
    "wowza_asset",
]


async def test_the_access_type_menu(server: Server, merchant: Merchant) -> None:
    response = await server.http.get("/v2/access-types", headers=merchant.auth)
    assert response.status_code == 200, response.text
    menu = response.json()
    assert all(set(entry) == {"id", "name", "quantity", "period"} for entry in menu)
    terms = {(e["name"], e["quantity"], e["period"]) for e in menu}
    assert {("ppv", 24, "hour"), ("ppv", 48, "hour"), ("ppv", 7, "day")} <= terms
    assert {
        ("subscription", q, p) for q, p in [(1, "week"), (1, "month"), (3, "month"), (6, "month"), (1, "year")]
    } <= terms
    assert "ppv_custom" in {e["name"] for e in menu}
    assert len({e["id"] for e in menu}) == len(menu)


async def test_a_created_item_has_the_inplayer_shape_and_its_content(server: Server, merchant: Merchant) -> None:
    country_set = await add_country_set(server, merchant)
    response = await server.http.post(
        "/v2/items",
        headers=merchant.auth,
        data={
            "item_type": "jw_asset",
            "title": "  Cup final  ",
            "access_control_type_id": "3",
            "content": "<video src=x>",
            "external_asset_id": "Xy12Ab",
            "metadata[preview_image]": "https://cdn.example.com/p.jpg",
            "metadata[league]": "Premier",
            "age_restriction": "16",
            "country_set_id": str(country_set["id"]),
        },
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert set(item) == ITEM_KEYS | {"content", "access_fees", "playback_url_prefix"}
    assert isinstance(item["id"], int)
    assert item["merchant_id"] == merchant.id and item["merchant_uuid"] == merchant.uuid
    assert item["is_active"] is True and item["active"] is True
    assert item["title"] == "Cup final"
    assert item["content"] == "<video src=x>"
    assert item["access_control_type"] == {"id": 3, "name": "Auth", "auth": True}
    assert item["item_type"] == {
        "id": 6,
        "name": "jw_asset",
        "content_type": "ovp",
        "host": "inplayer",
        "description": "JW Player asset",
    }
    assert item["age_restriction"] == {"min_age": 16}
    assert item["metahash"] == {"preview_image": "https://cdn.example.com/p.jpg", "league": "Premier"}
    assert sorted((m["name"], m["value"]) for m in item["metadata"]) == [
        ("league", "Premier"),
        ("preview_image", "https://cdn.example.com/p.jpg"),
    ]
    assert all(isinstance(m["id"], int) for m in item["metadata"])
    assert item["external_asset_id"] == "Xy12Ab"
    assert item["country_set_id"] == country_set["id"]
    assert item["template_id"] is None and item["gift_metadata"] is None
    assert item["is_giftable"] is True and item["plan_switch_enabled"] is False
    assert isinstance(item["created_at"], int) and item["updated_at"] >= item["created_at"]
    assert item["access_fees"] == []

    [row] = await fetch_rows(server, Product, merchant.id)
    assert (row.kind, row.asset_type, row.access_control, row.min_age) == ("asset", "jw_asset", "auth", 16)
    assert row.attributes == {"preview_image": "https://cdn.example.com/p.jpg", "league": "Premier"}


async def test_every_item_type_and_access_control_type(server: Server, merchant: Merchant) -> None:
    for item_type in ITEM_TYPES:
        item = await add_item(server, merchant, item_type=item_type, title=item_type)
        assert item["item_type"]["name"] == item_type
        assert item["item_type"]["content_type"] == {"html_asset": "html", "package": "package"}.get(item_type, "ovp")
    ids = {
        t["item_type"]["id"]
        for t in (await server.http.get("/v2/items?limit=100", headers=merchant.auth)).json()["collection"]
    }
    assert len(ids) == len(ITEM_TYPES)
    expected = {1: ("Paid", True), 2: ("Code", False), 3: ("Auth", True), 4: ("Data capture", False)}
    for type_id, (name, auth) in expected.items():
        item = await add_item(server, merchant, access_control_type_id=str(type_id))
        assert item["access_control_type"] == {"id": type_id, "name": name, "auth": auth}
    rows = await fetch_rows(server, Product, merchant.id)
    assert {r.access_control for r in rows} == {"paid", "code", "auth", "data_capture"}
    assert {r.kind for r in rows if r.asset_type == "package"} == {"package"}


async def test_an_item_may_be_created_from_json_with_defaults(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/v2/items", headers=merchant.auth, json={"title": "Article", "metadata": {"n": 3, "flag": True}}
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["item_type"]["name"] == "html_asset"
    assert item["access_control_type"]["id"] == 1
    assert item["content"] == "" and item["age_restriction"] is None and item["external_asset_id"] is None
    assert item["metahash"] == {"n": "3", "flag": "true"}
    # The nested shape the item is rendered in is accepted back.
    nested = await add_item(server, merchant, **{"age_restriction[min_age]": "12"})
    assert nested["age_restriction"] == {"min_age": 12}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"item_type": "mp4_asset"}, "item_type"),
        ({"access_control_type_id": "5"}, "access_control_type_id"),
        ({"access_control_type_id": "0"}, "access_control_type_id"),
        ({"access_control_type_id": "paid"}, "access_control_type_id"),
        ({"age_restriction": "100"}, "age_restriction"),
        ({"age_restriction": "-1"}, "age_restriction"),
        ({"age_restriction": "adult"}, "age_restriction"),
        ({"metadata": "flat"}, "metadata"),
        ({"external_asset_id": "e" * 201}, "external_asset_id"),
        ({"country_set_id": "999999"}, "country_set_id"),
        ({"country_set_id": "one"}, "country_set_id"),
        ({"content": "c" * 200_001}, "content"),
    ],
)
async def test_bad_items_are_422_and_write_nothing(
    server: Server, merchant: Merchant, form: dict[str, str], field: str
) -> None:
    base = {"item_type": "html_asset", "title": "Cup final", "access_control_type_id": "1"}
    before = await catalog_rows(server, merchant)
    response = await server.http.post("/v2/items", headers=merchant.auth, data=base | form)
    assert_error(response, 422, field)
    assert await catalog_rows(server, merchant) == before


async def test_an_item_may_not_use_another_merchants_country_set(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_country_set(server, other)
    response = await server.http.post(
        "/v2/items", headers=merchant.auth, data={"title": "Cup final", "country_set_id": str(theirs["id"])}
    )
    assert_error(response, 422, "country_set_id")
    assert await catalog_rows(server, merchant) == {"products": 0, "prices": 0, "members": 0, "country_sets": 0}


async def test_an_external_id_names_one_asset_of_its_type(server: Server, merchant: Merchant) -> None:
    await add_item(server, merchant, item_type="jw_asset", external_asset_id="abc")
    again = await server.http.post(
        "/v2/items", headers=merchant.auth, data={"title": "Copy", "item_type": "jw_asset", "external_asset_id": "abc"}
    )
    assert_error(again, 409)
    assert (await catalog_rows(server, merchant))["products"] == 1
    # Another platform's id space is its own; so is another merchant's.
    await add_item(server, merchant, item_type="ooyala_asset", external_asset_id="abc")
    other = await make_merchant(server, "other@publisher.example.com")
    await add_item(server, other, item_type="jw_asset", external_asset_id="abc")


async def test_merchant_reads_an_item_with_content_and_active_fees(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant, content="secret")
    fee = await add_fee(server, merchant, item["id"])
    gone = await add_fee(server, merchant, item["id"], amount="9.99")
    await server.http.delete(f"/v2/items/{item['id']}/access-fees/{gone['id']}", headers=merchant.auth)
    response = await server.http.get(f"/v2/items/{item['id']}", headers=merchant.auth)
    assert response.status_code == 200, response.text
    read = response.json()
    assert read["content"] == "secret"
    assert [f["id"] for f in read["access_fees"]] == [fee["id"]]
    assert {k: v for k, v in read.items() if k != "access_fees"} == {
        k: v for k, v in item.items() if k != "access_fees"
    }


async def test_merchant_updates_an_item(server: Server, merchant: Merchant) -> None:
    country_set = await add_country_set(server, merchant)
    item = await add_item(server, merchant, **{"metadata[a]": "1", "age_restriction": "18"})
    response = await server.http.put(
        f"/v2/items/{item['id']}",
        headers=merchant.auth,
        data={
            "title": "Renamed",
            "item_type": "brightcove_asset",
            "access_control_type_id": "2",
            "content": "new",
            "metadata[b]": "2",
            "age_restriction": "",
            "country_set_id": str(country_set["id"]),
            "external_asset_id": "bc-1",
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["title"] == "Renamed" and updated["content"] == "new"
    assert updated["item_type"]["name"] == "brightcove_asset"
    assert updated["access_control_type"]["name"] == "Code"
    assert updated["metahash"] == {"b": "2"}
    assert updated["age_restriction"] is None
    assert updated["country_set_id"] == country_set["id"]
    assert updated["external_asset_id"] == "bc-1"
    # Fields not sent stay as they were; empty values clear the optional ones.
    again = await server.http.put(
        f"/v2/items/{item['id']}", headers=merchant.auth, data={"country_set_id": "", "external_asset_id": ""}
    )
    assert again.status_code == 200, again.text
    assert again.json()["title"] == "Renamed" and again.json()["metahash"] == {"b": "2"}
    assert again.json()["country_set_id"] is None and again.json()["external_asset_id"] is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"title": ""}, "title"),
        ({"item_type": "package"}, "item_type"),
        ({"item_type": "nope"}, "item_type"),
        ({"access_control_type_id": "7"}, "access_control_type_id"),
        ({"age_restriction": "120"}, "age_restriction"),
        ({"country_set_id": "424242"}, "country_set_id"),
        ({"active": "perhaps"}, "active"),
        ({"metadata[k]": "v" * 4001}, "metadata.k"),
    ],
)
async def test_bad_updates_are_422_and_change_nothing(
    server: Server, merchant: Merchant, form: dict[str, str], field: str
) -> None:
    item = await add_item(server, merchant)
    response = await server.http.put(f"/v2/items/{item['id']}", headers=merchant.auth, data=form)
    assert_error(response, 422, field)
    after = (await server.http.get(f"/v2/items/{item['id']}", headers=merchant.auth)).json()
    assert after == item


async def test_a_package_stays_a_package(server: Server, merchant: Merchant) -> None:
    package = await add_item(server, merchant, item_type="package")
    response = await server.http.put(
        f"/v2/items/{package['id']}", headers=merchant.auth, data={"item_type": "jw_asset"}
    )
    assert_error(response, 422, "item_type")


async def test_delete_deactivates_and_keeps_the_item(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    fee = await add_fee(server, merchant, item["id"])
    response = await server.http.delete(f"/v2/items/{item['id']}", headers=merchant.auth)
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False and response.json()["is_active"] is False
    # Still the merchant's to read, with its fee; gone from the public catalog; nothing destroyed.
    read = (await server.http.get(f"/v2/items/{item['id']}", headers=merchant.auth)).json()
    assert read["active"] is False and [f["id"] for f in read["access_fees"]] == [fee["id"]]
    assert_error(await server.http.get(f"/items/{item['id']}"), 404)
    assert await catalog_rows(server, merchant) == {"products": 1, "prices": 1, "members": 0, "country_sets": 0}
    # Deleting again is harmless; PUT active=true brings it back.
    assert (await server.http.delete(f"/v2/items/{item['id']}", headers=merchant.auth)).status_code == 200
    back = await server.http.put(f"/v2/items/{item['id']}", headers=merchant.auth, data={"active": "true"})
    assert back.json()["active"] is True
    assert (await server.http.get(f"/items/{item['id']}")).status_code == 200


async def test_merchant_lists_items_by_page_search_type_and_state(server: Server, merchant: Merchant) -> None:
    first = await add_item(server, merchant, title="Cup final 100% live")
    second = await add_item(server, merchant, title="Cup semi", item_type="jw_asset", external_asset_id="semi-jw")
    third = await add_item(server, merchant, title="Derby")
    await server.http.delete(f"/v2/items/{third['id']}", headers=merchant.auth)
    other = await make_merchant(server, "other@publisher.example.com")
    await add_item(server, other, title="Cup of theirs")

    async def ids(**query: Any) -> list[int]:
        response = await server.http.get("/v2/items", headers=merchant.auth, params=query)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["collection"]]

    everything = (await server.http.get("/v2/items", headers=merchant.auth)).json()
    assert {k: everything[k] for k in ("total", "page", "offset", "limit")} == {
        "total": 3,
        "page": 0,
        "offset": 0,
        "limit": 15,
    }
    assert all("content" in i for i in everything["collection"])
    assert await ids() == [third["id"], second["id"], first["id"]]
    assert await ids(search="cup") == [second["id"], first["id"]]
    assert await ids(search="100%") == [first["id"]]
    assert await ids(search="%") == [first["id"]]
    assert await ids(search="SEMI-JW") == [second["id"]]
    assert await ids(item_type="jw_asset") == [second["id"]]
    assert await ids(active="false") == [third["id"]]
    assert await ids(active="true", search="cup") == [second["id"], first["id"]]
    assert await ids(limit=2, page=1) == [first["id"]]
    assert await ids(size=1) == [third["id"]]
    paged = (await server.http.get("/v2/items", headers=merchant.auth, params={"limit": 2, "page": 1})).json()
    assert (paged["total"], paged["page"], paged["offset"], paged["limit"]) == (3, 1, 2, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"item_type": "nope"}, "item_type"),
        ({"active": "perhaps"}, "active"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"page": "-1"}, "page"),
        ({"page": "x"}, "page"),
    ],
)
async def test_bad_list_queries_are_422(server: Server, merchant: Merchant, query: dict[str, str], field: str) -> None:
    assert_error(await server.http.get("/v2/items", headers=merchant.auth, params=query), 422, field)


async def test_unknown_and_malformed_item_ids(server: Server, merchant: Merchant) -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert_error(await server.http.request(method, "/v2/items/424242", headers=merchant.auth), 404)
        assert_error(await server.http.request(method, "/v2/items/abc", headers=merchant.auth), 422, "item_id")
        assert_error(await server.http.request(method, "/v2/items/0", headers=merchant.auth), 422, "item_id")
        assert_error(await server.http.request(method, f"/v2/items/{2**63}", headers=merchant.auth), 422, "item_id")


async def test_another_merchants_item_is_404_and_untouched(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_item(server, other, content="their secret")
    for method in ("GET", "PUT", "DELETE"):
        response = await server.http.request(
            method, f"/v2/items/{theirs['id']}", headers=merchant.auth, data=None if method == "GET" else {"title": "x"}
        )
        assert_error(response, 404)
    assert (await server.http.get(f"/v2/items/{theirs['id']}", headers=other.auth)).json() == theirs
    listed = (await server.http.get("/v2/items", headers=merchant.auth)).json()
    assert listed["total"] == 0


async def test_viewers_and_strangers_may_not_manage_items(server: Server, merchant: Merchant) -> None:
    from tests.dialects.inplayer.conftest import sign_up

    viewer = await sign_up(server, merchant)
    assert_error(await server.http.post("/v2/items", headers=viewer.auth, data={"title": "x"}), 403)
    assert_error(await server.http.post("/v2/items", data={"title": "x"}), 401)
    assert_error(await server.http.get("/v2/access-types"), 401)
    assert (await catalog_rows(server, merchant))["products"] == 0
