"""Offers' localizations through API 3.1: an offer's price for buyers in one country, made, changed, taken off sale
and put back, each answer the offer with its `localizations`; what MediaStore shows and sells a customer in that
country. Bad input is a 400 or 422 `{message}` that writes nothing; a second localization for a country is 409;
ids of another type, of another publisher or of no offer (or no localization) are 404."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest

from boxoffice.catalog.models import OfferLocalization, Price
from boxoffice.kit.settings import Settings
from boxoffice.restrictions.models import CountrySet
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, offer_id, shop
from tests.dialects.inplayer.conftest import count_rows, fetch_rows
from tests.dialects.mediastore import conftest as mediastore

__all__ = ["shop"]  # the offers' fixture, used here
BRITAIN = "81.2.69.142"  # an address the offline address database places in GB
GERMANY = "85.214.132.117"
BRITISH = {
    "title": "Season ticket",
    "description": "Every match",
    "countryCode": "GB",
    "price": {"amount": 7.99, "currency": "GBP"},
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test client's address is a proxy's: a customer's is the one it forwards (`X-Forwarded-For`)."""
    return settings.model_copy(update={"trusted_proxies": [ip_network("203.0.113.7/32")]})


def short(full: str) -> str:
    return full.split("_")[0]


async def localized(api: Api31, shop: Shop, body: dict[str, Any] | None = None) -> dict[str, Any]:
    made: dict[str, Any] = ok(await api.post(f"/offers/{shop.monthly_id}/localizations", body or BRITISH))
    return made


async def written(server: Server, api: Api31) -> tuple[int, int, int]:
    """How many localizations, prices and country sets the publisher has."""
    merchant_id = api.publisher.merchant.id
    return (
        await count_rows(server, OfferLocalization, merchant_id),
        await count_rows(server, Price, merchant_id),
        await count_rows(server, CountrySet, merchant_id),
    )


async def test_a_localization_is_made_changed_taken_off_sale_and_put_back(api: Api31, shop: Shop) -> None:
    offer = await localized(api, shop)
    main = short(shop.monthly_id)
    assert (offer["id"], offer["price"]["amount"], offer["price"]["currency"]) == (main, 9.99, "EUR")
    assert offer["localizations"] == [
        {
            "id": f"{main}_GB",
            "title": "Season ticket",
            "description": "Every match",
            "price": {"amount": 7.99, "currency": "GBP", "taxIncluded": True, "rules": []},
            "active": True,
            "countryCode": "GB",
            "geoRestriction": None,
            "freeTrial": None,
        }
    ]
    path = f"/offers/{main}/localizations/gb"
    change = {
        "title": "Season pass",
        "description": None,
        "price": {"amount": 6.5},
        "freeTrial": {"type": "day", "duration": 14},
    }
    [changed] = ok(await api.patch(path, change))["localizations"]
    assert (changed["title"], changed["description"], changed["price"]["amount"], changed["price"]["currency"]) == (
        "Season pass",
        "Every match",
        6.5,
        "GBP",
    )
    assert changed["freeTrial"] == {"type": "day", "duration": 14}
    assert ok(await api.post(f"{path}/deactivate"))["localizations"][0]["active"] is False
    assert ok(await api.post(f"{path}/activate"))["localizations"][0]["active"] is True


async def test_a_customer_in_the_country_is_shown_and_sold_the_localized_price(
    server: Server, api: Api31, shop: Shop
) -> None:
    await localized(api, shop)
    offer = f"/offers/{shop.monthly_id}"
    british = mediastore.data(await mediastore.call(server, "GET", offer, params={"customerIP": BRITAIN}))
    assert (british["customerPriceInclTax"], british["customerCurrency"], british["customerCountry"]) == (
        7.99,
        "GBP",
        "GB",
    )
    german = mediastore.data(await mediastore.call(server, "GET", offer, params={"customerIP": GERMANY}))
    assert (german["customerPriceInclTax"], german["customerCurrency"]) == (9.99, "EUR")
    publisher = mediastore.Publisher(api.publisher.merchant, api.publisher.id)
    customer = await mediastore.register(server, publisher)
    body = {"offerId": shop.monthly_id, "customerId": customer.id, "paymentMethodId": 0, "buyAsAGift": False}
    in_britain = customer.auth | {"X-Forwarded-For": BRITAIN}
    for_customer = f"{offer}/customers/{customer.email}"
    shown = mediastore.data(await mediastore.call(server, "GET", for_customer, headers=in_britain))
    assert (shown["customerPriceInclTax"], shown["customerCurrency"], shown["accessGranted"]) == (7.99, "GBP", False)
    order = mediastore.data(await mediastore.call(server, "POST", "/orders", body, headers=in_britain))["order"]
    assert (order["totalPrice"], order["currency"]) == (7.99, "GBP")
    # Off sale, the localization leaves customers in Britain the offer's own price.
    ok(await api.post(f"/offers/{shop.monthly_id}/localizations/GB/deactivate"))
    again = mediastore.data(await mediastore.call(server, "GET", offer, params={"customerIP": BRITAIN}))
    assert (again["customerPriceInclTax"], again["customerCurrency"]) == (9.99, "EUR")


async def test_a_second_localization_for_a_country_is_refused(server: Server, api: Api31, shop: Shop) -> None:
    await localized(api, shop)
    before = await written(server, api)
    assert "GB" in refused(await api.post(f"/offers/{shop.monthly_id}/localizations", BRITISH), 409)
    assert await written(server, api) == before


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"title": 5}, 400),
        ({"price": "7.99"}, 400),
        ({"price": {"amount": "7.99", "currency": "GBP"}}, 400),
        ({"price": {"amount": 7.99, "currency": "GBP", "tax": 1}}, 400),
        ({"freeTrial": "week"}, 400),
        ({"freeTrial": {"type": "day", "duration": "7"}}, 400),
        ({"countryCode": "ZZ"}, 422),
        ({"countryCode": "GBR"}, 422),
        ({"countryCode": None}, 422),
        ({"title": ""}, 422),
        ({"price": None}, 422),
        ({"price": {"amount": 7.99}}, 422),
        ({"price": {"amount": 7.99, "currency": "XYZ"}}, 422),
        ({"price": {"amount": 7.999, "currency": "GBP"}}, 422),
        ({"price": {"amount": 0, "currency": "GBP"}}, 422),
        ({"price": {"amount": 7.99, "currency": "GBP", "rules": [{"name": "Early", "amount": 5}]}}, 422),
        ({"geoRestriction": {"type": "whitelist", "countries": ["GB"]}}, 422),
        ({"freeTrial": {"type": "year", "duration": 1}}, 422),
        ({"freeTrial": {"type": "day", "duration": 9999}}, 422),
    ],
)
async def test_bad_input_is_refused_and_writes_nothing(
    server: Server, api: Api31, shop: Shop, change: dict[str, Any], status: int
) -> None:
    before = await written(server, api)
    refused(await api.post(f"/offers/{shop.monthly_id}/localizations", BRITISH | change), status)
    assert await written(server, api) == before


async def test_a_pass_has_no_free_trial_and_a_body_must_be_an_object(server: Server, api: Api31, shop: Shop) -> None:
    before = await written(server, api)
    trial = BRITISH | {"freeTrial": {"type": "day", "duration": 7}}
    assert "trial" in refused(await api.post(f"/offers/{shop.pass_id}/localizations", trial), 422)
    response = await api.http.post(f"/3.1/offers/{shop.pass_id}/localizations", content=b"[1]", headers=api.headers)
    refused(response, 400)
    assert await written(server, api) == before


async def test_unknown_and_other_publishers_offers_are_not_found(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    await localized(api, shop)
    before = await written(server, api)
    main = short(shop.monthly_id)
    creating = "/offers/{}/localizations"
    for offer in ("S999999999_EU", offer_id("P", shop.monthly_fee), "nothing", main):
        caller = other if offer == main else api
        refused(await caller.post(creating.format(offer), BRITISH | {"countryCode": "FR"}), 404)
    for caller, offer, country in (
        (other, main, "GB"),
        (api, main, "FR"),
        (api, "S999999999", "GB"),
        (api, main, "ZZZ"),
    ):
        path = f"/offers/{offer}/localizations/{country}"
        refused(await caller.patch(path, {"title": "Stolen"}), 404)
        refused(await caller.post(f"{path}/activate"), 404)
        refused(await caller.post(f"{path}/deactivate"), 404)
    assert await written(server, api) == before


async def test_a_localizations_currency_never_changes(server: Server, api: Api31, shop: Shop) -> None:
    await localized(api, shop)
    path = f"/offers/{shop.monthly_id}/localizations/GB"
    assert "currency" in refused(await api.patch(path, {"price": {"amount": 5, "currency": "EUR"}}), 422)
    assert "rules" in refused(await api.patch(path, {"price": {"rules": [{"name": "x"}]}}), 422)
    refused(await api.patch(path, {"price": {"amount": True}}), 400)
    refused(await api.patch(path, {"title": ["x"]}), 400)
    [kept] = ok(await api.patch(path, {}))["localizations"]
    assert (kept["title"], kept["price"]) == (
        "Season ticket",
        {"amount": 7.99, "currency": "GBP", "taxIncluded": True, "rules": []},
    )


def fee_path(shop: Shop) -> str:
    return f"/v2/items/{shop.monthly_fee['item_id']}/access-fees/{shop.monthly_fee['id']}"


async def test_a_localization_of_an_offer_off_sale_stays_off_sale(server: Server, api: Api31, shop: Shop) -> None:
    await localized(api, shop)
    path = f"/offers/{shop.monthly_id}/localizations/GB"
    ok(await api.post(f"{path}/deactivate"))
    off_sale = await server.http.delete(fee_path(shop), headers=api.publisher.merchant.auth)
    assert off_sale.status_code == 200, off_sale.text
    before = await written(server, api)
    assert "off sale" in refused(await api.post(f"{path}/activate"), 422)
    assert await written(server, api) == before
    [price] = await fetch_rows(server, Price, api.publisher.merchant.id, Price.currency == "GBP")
    assert price.active is False


async def test_a_change_with_a_stale_if_match_is_refused(server: Server, api: Api31, shop: Shop) -> None:
    made = await api.post(f"/offers/{shop.monthly_id}/localizations", BRITISH)
    ok(made)
    path = f"/offers/{shop.monthly_id}/localizations/GB"
    changed = await api.patch(path, {"title": "Season pass"}, If_Match=made.headers["ETag"])
    assert ok(changed)["localizations"][0]["title"] == "Season pass"
    assert changed.headers["ETag"] != made.headers["ETag"]  # its localizations are part of the offer
    repriced = await server.http.put(fee_path(shop), headers=api.publisher.merchant.auth, data={"amount": "11.00"})
    assert repriced.status_code == 200, repriced.text
    before = await written(server, api)
    assert "changed" in refused(await api.patch(path, {"title": "Stale"}, If_Match=made.headers["ETag"]), 412)
    refused(await api.post(f"{path}/deactivate", If_Match=made.headers["ETag"]), 412)
    stale = BRITISH | {"countryCode": "FR"}
    refused(await api.post(f"/offers/{shop.monthly_id}/localizations", stale, If_Match=made.headers["ETag"]), 412)
    assert await written(server, api) == before
    [kept] = await fetch_rows(server, OfferLocalization, api.publisher.merchant.id)
    assert kept.title == "Season pass"


async def test_a_publisher_token_is_required(server: Server, api: Api31, shop: Shop) -> None:
    before = await written(server, api)
    path = f"/3.1/offers/{shop.monthly_id}/localizations"
    for headers in ({}, {"X-Publisher-Token": "not-a-token"}):
        refused(await server.http.post(path, json=BRITISH, headers=headers), 401)
        refused(await server.http.patch(f"{path}/GB", json={"title": "x"}, headers=headers), 401)
        refused(await server.http.post(f"{path}/GB/activate", headers=headers), 401)
        refused(await server.http.post(f"{path}/GB/deactivate", headers=headers), 401)
    assert await written(server, api) == before
