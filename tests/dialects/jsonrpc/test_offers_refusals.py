"""What the offer methods refuse: no publisher (code 3); an id of no offer, of another type or of another publisher
(code 4, and nothing of theirs shown or changed); bad `offerData` and bad params (code 11, nothing written)."""

from __future__ import annotations

from typing import Any

from boxoffice.catalog.models import Price, Product
from tests.conftest import Server
from tests.dialects.inplayer.catalog import in_days
from tests.dialects.inplayer.conftest import count_rows, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of

MONTHLY = {"title": "Monthly", "price": 9.99, "currency": "EUR", "period": "month"}


async def monthly(rpc: JsonRpc, publisher: Publisher) -> dict[str, Any]:
    return await rpc.call("createSubscriptionOffer", publisherToken=publisher.token, offerData=MONTHLY)


async def rows(server: Server, publisher: Publisher) -> tuple[int, int]:
    merchant_id = publisher.merchant.id
    return await count_rows(server, Product, merchant_id), await count_rows(server, Price, merchant_id)


NEEDING_A_PUBLISHER: list[tuple[str, dict[str, Any]]] = [
    ("listSubscriptionOffers", {}),
    ("createSubscriptionOffer", {"offerData": MONTHLY}),
    ("updateSubscriptionOffer", {"offerId": "S000000001_EU", "offerData": {}}),
    ("deactivateSubscriptionOffer", {"offerId": "S000000001_EU"}),
    ("cancelEventOffer", {"offerId": "E000000001_EU"}),
    ("getVodOffer", {"offerId": "R000000001_EU"}),
    ("listOfferIdsByVideoId", {"videoId": "v"}),
    ("createMultiCurrencyPassOffer", {"offerData": {}, "localizedData": []}),
    ("updateMultiCurrencyPassOffer", {"multiCurrencyOfferId": "P000000001", "offerData": {}}),
]


async def test_a_publisher_token_is_needed(rpc: JsonRpc) -> None:
    for method, params in NEEDING_A_PUBLISHER:
        await rpc.refused(3, method, **params)
        await rpc.refused(3, method, publisherToken="not-a-token", **params)
        await rpc.refused(3, method, publisherToken=12, **params)


async def test_unknown_ill_formed_and_mistyped_ids_are_not_found(rpc: JsonRpc, publisher: Publisher) -> None:
    offer = await monthly(rpc, publisher)
    number = offer["id"][1:].split("_")[0]
    token = {"publisherToken": publisher.token}
    for given in ("S999999999_EU", "nope", "S12_EURO", "", "P" + number, "A" + number, "E" + number):
        expected = 11 if given == "" else 4
        await rpc.refused(expected, "getSubscriptionOffer", offerId=given)
    for method in ("getSingleOffer", "getPassOffer", "getEventOffer", "getRentalOffer"):
        await rpc.refused(4, method, offerId=offer["id"])
    await rpc.refused(4, "getVodOffer", **token, offerId=offer["id"])
    await rpc.refused(4, "getVodOffer", **token, offerId="R" + number)  # a forged letter names no rental
    await rpc.refused(4, "updatePassOffer", **token, offerId="P" + number, offerData={"title": "Pass?"})
    await rpc.refused(4, "deactivateRentalOffer", **token, offerId="R" + number)
    await rpc.refused(4, "cancelEventOffer", **token, offerId="E" + number)
    await rpc.refused(4, "updateMultiCurrencyPassOffer", **token, multiCurrencyOfferId="P" + number, offerData={})
    await rpc.refused(11, "getSubscriptionOffer", offerId={"id": 1})
    await rpc.refused(11, "getSubscriptionOffer")
    assert await rpc.call("getSubscriptionOffer", offerId=offer["id"]) == offer | {"publisherEmail": None}  # as it was


async def test_another_publishers_offers_are_not_theirs(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    offer = await monthly(rpc, publisher)
    await rpc.call(
        "createRentalOffer", publisherToken=publisher.token, offerData=MONTHLY | {"period": 24, "videoId": "v"}
    )
    other = await publisher_of(server, await make_merchant(server, "other@publisher.example.com"))
    theirs = {"publisherToken": other.token}
    await rpc.refused(4, "getSubscriptionOffer", **theirs, offerId=offer["id"])
    await rpc.refused(4, "updateSubscriptionOffer", **theirs, offerId=offer["id"], offerData={"title": "Mine"})
    await rpc.refused(4, "deactivateSubscriptionOffer", **theirs, offerId=offer["id"])
    await rpc.refused(4, "updateMultiCurrencySubscriptionOffer", **theirs, multiCurrencyOfferId=offer["id"])
    assert await rpc.items("listSubscriptionOffers", **theirs) == ([], 0)
    assert await rpc.items("listVodOffers", **theirs) == ([], 0)
    assert await rpc.call("listOfferIdsByVideoId", **theirs, videoId="v") == {"offerIds": []}
    assert await rpc.call("getSubscriptionOffer", offerId=offer["id"]) == offer | {"publisherEmail": None}  # untouched
    assert await rpc.call("getSubscriptionOffer", publisherToken=publisher.token, offerId=offer["id"]) == offer


async def test_a_deactivated_offer_is_no_longer_public(rpc: JsonRpc, publisher: Publisher) -> None:
    offer = await monthly(rpc, publisher)
    await rpc.call("deactivateSubscriptionOffer", publisherToken=publisher.token, offerId=offer["id"])
    await rpc.refused(4, "getSubscriptionOffer", offerId=offer["id"])
    own = await rpc.call("getSubscriptionOffer", publisherToken=publisher.token, offerId=offer["id"])
    assert own["id"] == offer["id"] and own["active"] is False  # its publisher still reads it
    again = await rpc.call(
        "updateSubscriptionOffer", publisherToken=publisher.token, offerId=offer["id"], offerData={"active": True}
    )
    assert again["active"] is True
    assert (await rpc.call("getSubscriptionOffer", offerId=offer["id"]))["active"] is True


BAD_OFFER_DATA: list[tuple[str, dict[str, Any], str]] = [
    ("Subscription", {"title": "x" * 71}, "title"),
    ("Subscription", {"title": None}, "title"),
    ("Subscription", {"title": True}, "title"),
    ("Subscription", {"title": ["a"]}, "title"),
    ("Subscription", {"description": "x" * 111}, "description"),
    ("Subscription", {"period": "fortnight"}, "period"),
    ("Subscription", {"period": None}, "period"),
    ("Subscription", {"price": -1}, "price"),
    ("Subscription", {"price": "ten"}, "price"),
    ("Subscription", {"price": 9.999}, "price"),
    ("Subscription", {"price": 0}, "amount"),
    ("Subscription", {"price": None}, "price"),
    ("Subscription", {"currency": "XYZ"}, "currency"),
    ("Subscription", {"currency": "EURO"}, "currency"),
    ("Subscription", {"currency": None}, "currency"),
    ("Subscription", {"freeDays": 400}, "freeDays"),
    ("Subscription", {"freeDays": 3, "freePeriods": 1}, "freePeriods"),
    ("Subscription", {"accessToTags": ["t" * 101]}, "tag"),
    ("Subscription", {"geoRestrictionEnabled": True, "geoRestrictionCountries": ["XX"]}, "country code"),
    ("Subscription", {"geoRestrictionEnabled": True}, "geoRestrictionCountries"),
    ("Subscription", {"geoRestrictionEnabled": True, "geoRestrictionCountries": "PLN"}, "geoRestrictionCountries"),
    ("Subscription", {"geoRestrictionEnabled": "yes"}, "geoRestrictionEnabled"),
    ("Subscription", {"geoRestrictionEnabled": True, "geoRestrictionType": "greylist"}, "geoRestrictionType"),
    ("Subscription", {"active": "maybe"}, "active"),
    ("Rental", {"period": 12}, "period"),
    ("Rental", {"period": None}, "period"),
    ("Vod", {"videoId": None}, "videoId"),
    ("Vod", {"videoId": "v" * 201}, "videoId"),
    ("Pass", {"period": "day"}, "period"),
    ("Pass", {"expiresAt": in_days(3)}, "expiresAt"),
    ("Event", {"endTime": None}, "endTime"),
    ("Event", {"endTime": in_days(-1)}, "end of sale"),
    ("Event", {"endTime": "soon"}, "endTime"),
    ("Event", {"startTime": in_days(40)}, "begin before"),
    ("Single", {"contentAgeRestriction": 120}, "contentAgeRestriction"),
    ("Single", {"url": "u" * 3000}, "url"),
]
VALID: dict[str, dict[str, Any]] = {
    "Subscription": {"period": "month"},
    "Rental": {"period": 24},
    "Vod": {"period": 24, "videoId": "v"},
    "Pass": {"period": "week"},
    "Event": {"endTime": in_days(30)},
    "Single": {},
}


async def test_bad_offer_data_is_refused_and_writes_nothing(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    before = await rows(server, publisher)
    for kind, bad, named in BAD_OFFER_DATA:
        good: dict[str, Any] = {"title": "Offer", "price": 5, "currency": "EUR"} | VALID[kind]
        message = await rpc.refused(11, f"create{kind}Offer", publisherToken=publisher.token, offerData=good | bad)
        assert named.lower() in message.lower(), (kind, bad, message)
    for kind in VALID:
        await rpc.refused(11, f"create{kind}Offer", publisherToken=publisher.token, offerData=["title"])
        await rpc.refused(11, f"create{kind}Offer", publisherToken=publisher.token)
    assert await rows(server, publisher) == before


async def test_a_bad_change_changes_nothing(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    offer = await monthly(rpc, publisher)
    token = {"publisherToken": publisher.token, "offerId": offer["id"]}
    for bad in (
        {"title": "x" * 71},
        {"price": 5},  # an amount without its currency
        {"currency": "USD"},  # a currency without its amount
        {"price": 5, "currency": "EUR", "period": "daily"},
        {"title": "Renamed", "freePeriods": 2},  # free periods without the period they are counted in
        {"title": "Renamed", "price": 0, "currency": "EUR"},  # refused by the catalog after the product changed
    ):
        await rpc.refused(11, "updateSubscriptionOffer", **token, offerData=bad)
    await rpc.refused(11, "updateSubscriptionOffer", **token, offerData="title=x")
    await rpc.refused(11, "updateSubscriptionOffer", **token)
    assert await rpc.call("getSubscriptionOffer", offerId=offer["id"]) == offer | {"publisherEmail": None}


async def test_bad_list_params_and_video_ids(rpc: JsonRpc, publisher: Publisher) -> None:
    for bad in (
        {"offset": -1},
        {"offset": "first"},
        {"limit": 0},
        {"limit": 101},
        {"criteria": "active"},
        {"criteria": {"active": "sometimes"}},
        {"criteria": {"videoId": ["v"]}},
    ):
        await rpc.refused(11, "listPassOffers", publisherToken=publisher.token, **bad)
    for params in ({}, {"videoId": ""}, {"videoId": {"id": 1}}, {"videoId": "v" * 201}):
        await rpc.refused(11, "listOfferIdsByVideoId", publisherToken=publisher.token, **params)
