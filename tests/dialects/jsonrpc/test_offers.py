"""Offers of each type over JSON-RPC: created, read, listed, changed and taken off sale as Cleeng's entities, each
the core's product and price, with the id MediaStore shows for it and sold by MediaStore and InPlayer alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item, in_days
from tests.dialects.inplayer.conftest import bearer, sign_in
from tests.dialects.jsonrpc.client import JsonRpc, RpcError
from tests.dialects.jsonrpc.conftest import Publisher
from tests.dialects.mediastore import conftest as mediastore
from tests.dialects.mediastore.conftest import call, data, register


@dataclass(frozen=True)
class Kind:
    name: str
    letter: str
    data: dict[str, Any]  # what this type's offerData needs besides title, price and currency
    changed: dict[str, Any]  # a change of its own terms
    deactivate: str


END = in_days(30)
FREE_OFFER = 9  # MediaStore's payment method for an order with nothing to pay
KINDS = [
    Kind("Subscription", "S", {"period": "month", "freeDays": 7}, {"period": "year", "freePeriods": 1}, "deactivate"),
    Kind("Pass", "P", {"period": "week"}, {"period": "month"}, "deactivate"),
    Kind("Event", "E", {"endTime": END, "timeZone": "Europe/Warsaw"}, {"endTime": END + 3600}, "cancel"),
    Kind("Rental", "R", {"period": 48}, {"period": 24}, "deactivate"),
    Kind("Vod", "R", {"period": 24, "videoId": "vid-1"}, {"period": "48"}, "deactivate"),
    Kind(
        "Single", "A", {"videoId": "film-1", "contentAgeRestriction": 16}, {"contentAgeRestriction": 18}, "deactivate"
    ),
]


def offer_data(kind: Kind, **extra: Any) -> dict[str, Any]:
    return (
        {"title": "Cup final", "description": "The whole match", "price": 9.99, "currency": "EUR"} | kind.data | extra
    )


async def create(rpc: JsonRpc, publisher: Publisher, kind: Kind, **extra: Any) -> dict[str, Any]:
    return await rpc.call(
        f"create{kind.name}Offer", publisherToken=publisher.token, offerData=offer_data(kind, **extra)
    )


async def get(rpc: JsonRpc, publisher: Publisher, kind: Kind, offer_id: str) -> dict[str, Any]:
    """The offer as anyone reads it, without the publisher's e-mail (its sign-in), but a VOD offer, which only
    its publisher reads; with the e-mail put back, to compare with what the publisher was answered."""
    if kind.name == "Vod":  # the one get that names its publisher
        return await rpc.call("getVodOffer", publisherToken=publisher.token, offerId=offer_id)
    read = await rpc.call(f"get{kind.name}Offer", offerId=offer_id)
    assert read["publisherEmail"] is None
    return read | {"publisherEmail": publisher.merchant.email}


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
async def test_an_offer_is_created_read_listed_changed_and_deactivated(
    server: Server, rpc: JsonRpc, publisher: Publisher, kind: Kind
) -> None:
    created = await create(rpc, publisher, kind)
    assert created["id"].startswith(kind.letter) and created["id"].endswith("_EU")
    assert (created["title"], created["description"], created["price"], created["currency"]) == (
        "Cup final",
        "The whole match",
        9.99,
        "EUR",
    )
    assert created["active"] is True and created["publisherEmail"] == publisher.merchant.email
    assert created["geoRestrictionEnabled"] is False and created["accessToTags"] == []
    assert await get(rpc, publisher, kind, created["id"]) == created
    assert await get(rpc, publisher, kind, created["id"].split("_")[0]) == created  # without the country suffix

    second = await create(rpc, publisher, kind, title="Semi final", price=5)
    token = {"publisherToken": publisher.token}
    items, total = await rpc.items(f"list{kind.name}Offers", **token, offset=0, limit=1)
    assert (total, [item["id"] for item in items]) == (2, [created["id"]])
    items, total = await rpc.items(f"list{kind.name}Offers", **token, offset=1, limit=1)
    assert (total, items) == (2, [second])

    changed = await rpc.call(
        f"update{kind.name}Offer",
        **token,
        offerId=created["id"],
        offerData={"title": "Cup final (replay)", "price": "4.50", "currency": "EUR"} | kind.changed,
    )
    assert changed["id"] == created["id"]
    assert (changed["title"], changed["price"], changed["description"]) == (
        "Cup final (replay)",
        4.5,
        "The whole match",
    )
    assert await get(rpc, publisher, kind, created["id"]) == changed

    gone = await rpc.call(f"{kind.deactivate}{kind.name}Offer", **token, offerId=created["id"])
    assert gone["id"] == created["id"] and gone["active"] is False
    on_sale, total = await rpc.items(f"list{kind.name}Offers", **token, criteria={"active": True})
    assert (total, [item["id"] for item in on_sale]) == (1, [second["id"]])
    off_sale, _ = await rpc.items(f"list{kind.name}Offers", **token, criteria={"active": False})
    assert [item["id"] for item in off_sale] == [created["id"]]


async def test_each_types_own_fields(rpc: JsonRpc, publisher: Publisher) -> None:
    by_name = {kind.name: kind for kind in KINDS}
    monthly = await create(rpc, publisher, by_name["Subscription"])
    assert (monthly["period"], monthly["freeDays"], monthly["freePeriods"]) == ("month", 7, 0)
    yearly = await create(rpc, publisher, by_name["Subscription"], period="year", freeDays=None, freePeriods=2)
    assert (yearly["period"], yearly["freeDays"], yearly["freePeriods"]) == ("year", 0, 2)
    week = await create(rpc, publisher, by_name["Pass"])
    assert (week["period"], week["expiresAt"]) == ("week", None)
    yesterday = in_days(-1)
    event = await create(rpc, publisher, by_name["Event"], startTime=yesterday)
    assert (event["startTime"], event["endTime"], event["timeZone"]) == (yesterday, END, "UTC")
    rental = await create(rpc, publisher, by_name["Rental"], videoId="clip-9")
    assert (rental["period"], rental["videoId"], rental["contentExternalId"]) == (48, "clip-9", "clip-9")
    single = await create(rpc, publisher, by_name["Single"], url="https://publisher.example.com/film")
    assert (single["videoId"], single["contentAgeRestriction"], single["url"]) == (
        "film-1",
        16,
        "https://publisher.example.com/film",
    )


async def test_an_offer_created_here_is_mediastores_and_inplayers_too(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    pass_kind = next(kind for kind in KINDS if kind.name == "Pass")
    created = await create(rpc, publisher, pass_kind)
    shown = data(await call(server, "GET", f"/offers/{created['id']}"))
    assert (shown["offerId"], shown["offerTitle"], shown["customerPriceInclTax"], shown["expiresAt"]) == (
        created["id"],
        "Cup final",
        9.99,
        7,
    )
    price_id = int(created["id"][1:].split("_")[0])
    items = await server.http.get("/v2/items", headers=publisher.merchant.auth)
    assert items.status_code == 200, items.text
    (item,) = [item for item in items.json()["collection"] if item["title"] == "Cup final"]
    fees = await server.http.get(f"/v2/items/{item['id']}/access-fees", headers=publisher.merchant.auth)
    assert fees.status_code == 200, fees.text
    assert [(fee["id"], fee["amount"], fee["access_type"]["period"]) for fee in fees.json()] == [
        (price_id, 9.99, "day")
    ]


async def test_an_access_fee_made_through_inplayer_reads_here_with_mediastores_id(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    item = await add_item(server, publisher.merchant, title="Derby", external_asset_id="derby-1")
    monthly = await add_fee(server, publisher.merchant, item["id"], access_type_id="7", amount="8.00")
    day = await add_fee(server, publisher.merchant, item["id"], access_type_id="1", amount="2.00")
    monthly_id, day_id = f"S{monthly['id']:09d}_EU", f"R{day['id']:09d}_EU"
    shown = data(await call(server, "GET", f"/offers/{monthly_id}"))
    assert shown["offerId"] == monthly_id
    read = await rpc.call("getSubscriptionOffer", offerId=monthly_id)
    assert (read["id"], read["title"], read["price"], read["period"]) == (monthly_id, "Derby", 8, "month")
    rental = await rpc.call("getRentalOffer", offerId=day_id)
    assert (rental["id"], rental["period"]) == (day_id, 24)
    found = await rpc.call("listOfferIdsByVideoId", publisherToken=publisher.token, videoId="derby-1")
    assert found == {"offerIds": [monthly_id, day_id]}


async def test_offers_for_one_video_share_its_product(rpc: JsonRpc, publisher: Publisher) -> None:
    by_name = {kind.name: kind for kind in KINDS}
    rental = await create(rpc, publisher, by_name["Rental"], videoId="match-7")
    single = await create(rpc, publisher, by_name["Single"], videoId="match-7", title="Another title")
    await create(rpc, publisher, by_name["Single"], videoId="match-8")
    assert single["title"] == "Cup final"  # the video's title, which its other offers show too
    found = await rpc.call("listOfferIdsByVideoId", publisherToken=publisher.token, videoId="match-7")
    assert found == {"offerIds": [rental["id"], single["id"]]}
    await rpc.call("deactivateRentalOffer", publisherToken=publisher.token, offerId=rental["id"])
    found = await rpc.call("listOfferIdsByVideoId", publisherToken=publisher.token, videoId="match-7")
    assert found == {"offerIds": [single["id"]]}
    assert await rpc.call("listOfferIdsByVideoId", publisherToken=publisher.token, videoId="none") == {"offerIds": []}
    vods, total = await rpc.items("listVodOffers", publisherToken=publisher.token, criteria={"videoId": "match-7"})
    assert (total, vods) == (1, [await rpc.call("getVodOffer", publisherToken=publisher.token, offerId=rental["id"])])


async def test_where_an_offer_is_sold(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    pass_kind = next(kind for kind in KINDS if kind.name == "Pass")
    token = {"publisherToken": publisher.token}
    geo = {"geoRestrictionEnabled": True, "geoRestrictionType": "blacklist", "geoRestrictionCountries": "pl,DE"}
    created = await create(rpc, publisher, pass_kind, **geo)
    assert (created["geoRestrictionEnabled"], created["geoRestrictionType"], created["geoRestrictionCountries"]) == (
        True,
        "blacklist",
        ["DE", "PL"],
    )
    shown = data(await call(server, "GET", f"/offers/{created['id']}"))
    assert (shown["geoRestrictionType"], shown["geoRestrictionCountries"]) == ("blacklist", ["DE", "PL"])
    only = {"geoRestrictionEnabled": True, "geoRestrictionCountries": ["FR"]}
    changed = await rpc.call("updatePassOffer", **token, offerId=created["id"], offerData=only)
    assert (changed["geoRestrictionType"], changed["geoRestrictionCountries"]) == ("whitelist", ["FR"])
    lifted = await rpc.call(
        "updatePassOffer", **token, offerId=created["id"], offerData={"geoRestrictionEnabled": False}
    )
    assert (lifted["geoRestrictionEnabled"], lifted["geoRestrictionType"], lifted["geoRestrictionCountries"]) == (
        False,
        None,
        [],
    )


async def test_an_offer_is_not_moved_to_another_videos_product(rpc: JsonRpc, publisher: Publisher) -> None:
    rental = next(kind for kind in KINDS if kind.name == "Rental")
    first = await create(rpc, publisher, rental, videoId="one")
    await create(rpc, publisher, rental, videoId="two")
    token = {"publisherToken": publisher.token, "offerId": first["id"]}
    message = await rpc.refused(11, "updateRentalOffer", **token, offerData={"videoId": "two"})
    assert "id" in message
    moved = await rpc.call("updateRentalOffer", **token, offerData={"videoId": "three"})
    assert moved["videoId"] == "three"


async def test_an_offer_created_here_is_bought_through_mediastore_and_opens_the_item_in_inplayer(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    free = await rpc.call(
        "createPassOffer",
        publisherToken=publisher.token,
        offerData={"title": "Trailer night", "price": 0, "currency": "EUR", "period": "week"},
    )
    customer = await register(server, mediastore.Publisher(publisher.merchant, publisher.id))
    body = {"offerId": free["id"], "customerId": customer.id, "paymentMethodId": 0, "buyAsAGift": False}
    made = data(await call(server, "POST", "/orders", body, headers=customer.auth))["order"]
    data(await call(server, "PATCH", f"/orders/{made['id']}", {"paymentMethodId": FREE_OFFER}, headers=customer.auth))
    paid = data(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth))
    assert paid["status"] == "captured"
    held = data(await call(server, "GET", f"/entitlements/{free['id']}", headers=customer.auth))
    assert held["accessGranted"] is True
    signed_in = await sign_in(server, publisher.merchant, customer.email, mediastore.PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    items = await server.http.get("/v2/items", headers=publisher.merchant.auth)
    (item,) = [item for item in items.json()["collection"] if item["title"] == "Trailer night"]
    access = await server.http.get(f"/items/{item['id']}/access", headers=bearer(signed_in.json()["access_token"]))
    assert access.status_code == 200, access.text


async def test_the_php_sdks_batch_with_its_empty_arrays(rpc: JsonRpc, publisher: Publisher) -> None:
    """The PHP SDK encodes an empty `criteria` or `offerData` as `[]`, and batches its calls."""
    token = {"publisherToken": publisher.token}
    monthly = {"title": "Monthly", "price": 9.99, "currency": "EUR", "period": "month"}
    created, listed, missing = await rpc.batch(
        ("createSubscriptionOffer", token | {"offerData": monthly}),
        ("listSubscriptionOffers", token | {"criteria": [], "offset": 0, "limit": 20}),
        ("getSubscriptionOffer", {"offerId": "S999999999_EU"}),
    )
    assert isinstance(created, dict) and isinstance(listed, dict)
    assert listed == {"items": [created], "totalItemCount": 1}
    assert isinstance(missing, RpcError) and missing.code == 4
    same = await rpc.call("updateSubscriptionOffer", **token, offerId=created["id"], offerData=[])
    assert same | {"updatedAt": created["updatedAt"]} == created  # nothing changed but the time it was saved
