"""Cleeng's `accessToTags`: an offer grants access to tags, kept on the core's price, shown by JSON-RPC's offers and
MediaStore's alike, and `getAccessibleTags` answers the tags of every offer a customer has access through now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.catalog.models import Price
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, customer_token, publisher_of
from tests.dialects.mediastore import conftest as mediastore
from tests.dialects.mediastore.conftest import call, data, register

PASS = {"title": "Sports week", "price": 5, "currency": "EUR", "period": "week"}


async def tagged_pass(rpc: JsonRpc, publisher: Publisher, tags: Any, **extra: Any) -> dict[str, Any]:
    offer_data = PASS | {"accessToTags": tags} | extra
    return await rpc.call("createPassOffer", publisherToken=publisher.token, offerData=offer_data)


async def grant(rpc: JsonRpc, publisher: Publisher, email: str, offer_id: str, days: int) -> None:
    until = clock.unix(clock.now() + timedelta(days=days))
    params = {"publisherToken": publisher.token, "customerEmail": email, "offerId": offer_id, "expirationDate": until}
    assert await rpc.call("registerSubscription", **params) == {"success": True}


async def test_an_offer_keeps_its_tags_as_a_list_or_a_comma_separated_text(rpc: JsonRpc, publisher: Publisher) -> None:
    token = {"publisherToken": publisher.token}
    listed = await tagged_pass(rpc, publisher, ["sports", " live ", "sports"])
    assert listed["accessToTags"] == ["sports", "live"]
    texted = await tagged_pass(rpc, publisher, "news, weather")
    assert texted["accessToTags"] == ["news", "weather"]
    assert (await rpc.call("getPassOffer", offerId=texted["id"]))["accessToTags"] == ["news", "weather"]
    untagged = await rpc.call("createPassOffer", **token, offerData=PASS)
    assert untagged["accessToTags"] == []

    # A change without tags keeps them; tags given replace them; none clear them.
    kept = await rpc.call("updatePassOffer", **token, offerId=listed["id"], offerData={"title": "Sports month"})
    assert kept["accessToTags"] == ["sports", "live"]
    changed = await rpc.call("updatePassOffer", **token, offerId=listed["id"], offerData={"accessToTags": "golf"})
    assert changed["accessToTags"] == ["golf"]
    cleared = await rpc.call("updatePassOffer", **token, offerId=listed["id"], offerData={"accessToTags": []})
    assert cleared["accessToTags"] == []
    items, _ = await rpc.items("listPassOffers", **token)
    assert {item["id"]: item["accessToTags"] for item in items} == {
        listed["id"]: [],
        texted["id"]: ["news", "weather"],
        untagged["id"]: [],
    }


async def test_every_price_of_a_multi_currency_offer_has_its_tags(rpc: JsonRpc, publisher: Publisher) -> None:
    token = {"publisherToken": publisher.token}
    offer_data = {"title": "Sports", "period": "month", "accessToTags": ["sports"]}
    localized = [{"currency": "EUR", "price": 9.99}, {"currency": "USD", "price": 10.99}]
    made = await rpc.call(
        "createMultiCurrencySubscriptionOffer", **token, offerData=offer_data, localizedData=localized
    )
    assert [offer["accessToTags"] for offer in made["offers"]] == [["sports"], ["sports"]]
    changed = await rpc.call(
        "updateMultiCurrencySubscriptionOffer",
        **token,
        multiCurrencyOfferId=made["multiCurrencyOfferId"],
        offerData={"accessToTags": "sports,tennis"},
    )
    assert [offer["accessToTags"] for offer in changed["offers"]] == [["sports", "tennis"]] * 2


async def test_mediastore_shows_the_same_tags(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    offer = await tagged_pass(rpc, publisher, ["sports", "live"])
    assert data(await call(server, "GET", f"/offers/{offer['id']}"))["accessToTags"] == ["sports", "live"]
    customer = await register(server, mediastore.Publisher(publisher.merchant, publisher.id))
    v2 = data(await call(server, "GET", f"/v2/offers/{offer['id']}", headers=customer.auth))
    assert v2["tags"] == ["sports", "live"]


async def test_too_many_too_long_or_mistyped_tags_are_refused_and_nothing_written(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    offer = await tagged_pass(rpc, publisher, ["sports"])
    before = await count_rows(server, Price, publisher.merchant.id)
    token = {"publisherToken": publisher.token}
    for bad in ([f"tag{n}" for n in range(21)], ["t" * 101], "x" * 300, {"a": "b"}, 12, [None]):
        await rpc.refused(11, "createPassOffer", **token, offerData=PASS | {"accessToTags": bad})
        await rpc.refused(11, "updatePassOffer", **token, offerId=offer["id"], offerData={"accessToTags": bad})
    assert await count_rows(server, Price, publisher.merchant.id) == before
    assert (await rpc.call("getPassOffer", offerId=offer["id"]))["accessToTags"] == ["sports"]
    # Twenty tags of a hundred characters each are within bounds.
    most = [f"{n:02d}" + "t" * 98 for n in range(20)]
    assert (await tagged_pass(rpc, publisher, most))["accessToTags"] == most


async def test_accessible_tags_are_those_of_the_offers_in_force_now(
    server: Server, rpc: JsonRpc, publisher: Publisher, frozen: clock.FrozenClock
) -> None:
    sports = await tagged_pass(rpc, publisher, ["sports", "live"])
    news = await tagged_pass(rpc, publisher, "news,live")
    untagged = await rpc.call("createPassOffer", publisherToken=publisher.token, offerData=PASS)
    await tagged_pass(rpc, publisher, ["never-bought"])
    customer = await register(server, mediastore.Publisher(publisher.merchant, publisher.id))
    token = await customer_token(rpc, publisher, customer.email)
    ask = {"publisherToken": publisher.token, "customerToken": token}
    assert await rpc.call("getAccessibleTags", **ask) == {"tags": []}

    await grant(rpc, publisher, customer.email, sports["id"], days=3)
    await grant(rpc, publisher, customer.email, news["id"], days=10)
    await grant(rpc, publisher, customer.email, untagged["id"], days=10)
    assert await rpc.call("getAccessibleTags", **ask) == {"tags": ["live", "news", "sports"]}
    # Tags changed on an offer reach those with access through it.
    token_only = {"publisherToken": publisher.token}
    await rpc.call("updatePassOffer", **token_only, offerId=news["id"], offerData={"accessToTags": "news,radio"})
    assert await rpc.call("getAccessibleTags", **ask) == {"tags": ["live", "news", "radio", "sports"]}

    frozen.advance(days=4)  # the sports pass has ended
    assert await rpc.call("getAccessibleTags", **ask) == {"tags": ["news", "radio"]}
    frozen.advance(days=7)
    assert await rpc.call("getAccessibleTags", **ask) == {"tags": []}


async def test_another_publishers_tags_are_never_answered(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    other = await publisher_of(server, await make_merchant(server, "other@example.com"))
    theirs = await tagged_pass(rpc, other, ["theirs"])
    customer = await register(server, mediastore.Publisher(other.merchant, other.id))
    await grant(rpc, other, customer.email, theirs["id"], days=3)
    their_token = await customer_token(rpc, other, customer.email)
    assert await rpc.call("getAccessibleTags", publisherToken=other.token, customerToken=their_token) == {
        "tags": ["theirs"]
    }
    await rpc.refused(1, "getAccessibleTags", publisherToken=publisher.token, customerToken=their_token)
    mine = await register(server, mediastore.Publisher(publisher.merchant, publisher.id), customer.email)
    my_token = await customer_token(rpc, publisher, mine.email)
    assert await rpc.call("getAccessibleTags", publisherToken=publisher.token, customerToken=my_token) == {"tags": []}
