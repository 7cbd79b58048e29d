"""Multi-currency offers: one product at a price per currency, named by the first price's id without its suffix;
changed together, a new currency getting a price of its own; each price an offer MediaStore shows."""

from __future__ import annotations

from typing import Any

from boxoffice.catalog.models import Price, Product
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher
from tests.dialects.mediastore.conftest import call, data

LOCALIZED = [{"currency": "EUR", "price": 9.99, "country": "DE"}, {"currency": "USD", "price": 10.99, "country": "US"}]


async def create(rpc: JsonRpc, publisher: Publisher, kind: str, offer: dict[str, Any]) -> dict[str, Any]:
    return await rpc.call(
        f"createMultiCurrency{kind}Offer", publisherToken=publisher.token, offerData=offer, localizedData=LOCALIZED
    )


async def test_one_product_at_a_price_per_currency(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    made = await create(rpc, publisher, "Subscription", {"title": "Season", "period": "month", "freeDays": 7})
    eur, usd = made["offers"]
    number = made["multiCurrencyOfferId"]
    assert eur["id"] == f"{number}_EU" and usd["id"].startswith("S") and usd["id"].endswith("_US")
    assert [(o["price"], o["currency"], o["title"], o["freeDays"]) for o in made["offers"]] == [
        (9.99, "EUR", "Season", 7),
        (10.99, "USD", "Season", 7),
    ]
    assert await rpc.call("getSubscriptionOffer", offerId=usd["id"]) == usd | {"publisherEmail": None}
    assert data(await call(server, "GET", f"/offers/{usd['id']}"))["customerPriceInclTax"] == 10.99
    assert await count_rows(server, Product, publisher.merchant.id) == 1

    changed = await rpc.call(
        "updateMultiCurrencySubscriptionOffer",
        publisherToken=publisher.token,
        multiCurrencyOfferId=number,
        offerData={"title": "Season 2", "description": "All of it"},
        localizedData=[{"currency": "EUR", "price": 8}, {"currency": "GBP", "price": "7.50"}],
    )
    assert changed["multiCurrencyOfferId"] == number
    assert [(o["id"][-3:], o["price"], o["title"], o["description"]) for o in changed["offers"]] == [
        ("_EU", 8, "Season 2", "All of it"),
        ("_US", 10.99, "Season 2", "All of it"),
        ("_GB", 7.5, "Season 2", "All of it"),
    ]
    again = await rpc.call(
        "updateMultiCurrencySubscriptionOffer", publisherToken=publisher.token, multiCurrencyOfferId=usd["id"]
    )
    assert again["multiCurrencyOfferId"] == number
    unsaved = [offer | {"updatedAt": 0} for offer in changed["offers"]]
    assert [offer | {"updatedAt": 0} for offer in again["offers"]] == unsaved  # by any of its ids; nothing changed


async def test_each_type_that_has_them(rpc: JsonRpc, publisher: Publisher) -> None:
    for kind, offer, letter in (
        ("Single", {"title": "Film", "videoId": "film-1"}, "A"),
        ("Rental", {"title": "Film", "period": 24}, "R"),
        ("Pass", {"title": "Week", "period": "week"}, "P"),
    ):
        made = await create(rpc, publisher, kind, offer)
        assert made["multiCurrencyOfferId"].startswith(letter) and len(made["offers"]) == 2
        changed = await rpc.call(
            f"updateMultiCurrency{kind}Offer",
            publisherToken=publisher.token,
            multiCurrencyOfferId=made["multiCurrencyOfferId"],
            offerData={"title": "Renamed"},
            localizedData=[{"currency": "USD", "price": 3}],
        )
        assert [(o["id"], o["title"], o["price"]) for o in changed["offers"]] == [
            (made["offers"][0]["id"], "Renamed", 9.99),
            (made["offers"][1]["id"], "Renamed", 3),
        ]
    for kind in ("Event", "Vod"):
        await rpc.refused(-32601, f"createMultiCurrency{kind}Offer", publisherToken=publisher.token)


async def test_bad_localized_data_writes_nothing(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    offer = {"title": "Season", "period": "month"}
    token = {"publisherToken": publisher.token}
    for localized in (
        None,
        [],
        "EUR:9.99",
        [{"currency": "EUR", "price": 1}, {"currency": "EUR", "price": 2}],
        [{"currency": "EUR"}],
        [{"price": 1}],
        [{"currency": "XYZ", "price": 1}],
        [{"currency": "EUR", "price": -1}],
        [{"currency": "EUR", "price": 1, "country": "Germany"}],
        ["EUR"],
        [{"currency": "EUR", "price": 1}] * 51,
    ):
        await rpc.refused(11, "createMultiCurrencySubscriptionOffer", **token, offerData=offer, localizedData=localized)
    await rpc.refused(
        11, "createMultiCurrencySubscriptionOffer", **token, offerData={"title": "x"}, localizedData=LOCALIZED
    )
    assert await count_rows(server, Price, publisher.merchant.id) == 0
    made = await create(rpc, publisher, "Subscription", offer)
    number = made["multiCurrencyOfferId"]
    await rpc.refused(4, "updateMultiCurrencySubscriptionOffer", **token, multiCurrencyOfferId="S999999999")
    await rpc.refused(4, "updateMultiCurrencyPassOffer", **token, multiCurrencyOfferId="P" + number[1:])
    await rpc.refused(
        11,
        "updateMultiCurrencySubscriptionOffer",
        **token,
        multiCurrencyOfferId=number,
        offerData={"title": "Changed"},
        localizedData=[{"currency": "EUR", "price": 0}],
    )
    assert await rpc.call("getSubscriptionOffer", offerId=made["offers"][0]["id"]) == made["offers"][0] | {
        "publisherEmail": None
    }
