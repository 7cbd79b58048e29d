"""Offers through API 3.1: made, read with an ETag (of the offer with its localizations), changed (conditionally with
`If-Match`), taken off sale and put back, as Cleeng's offer object; a seasonal subscription billed by a season group's
seasons, bought during a season until its end. Bad input is a 400 or 422 `{message}` that writes nothing; ids of
another type, of another publisher or of no offer (or season group) are 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from boxoffice.catalog.models import Price, Product
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import customer, subscribe
from tests.dialects.api31.test_season_groups import make_group
from tests.dialects.inplayer.conftest import count_rows, fetch_rows
from tests.dialects.inplayer.test_subscriptions import access_expiry
from tests.dialects.mediastore import conftest as mediastore

MONTHLY = {
    "type": "subscription",
    "title": "Season ticket",
    "description": "Every match",
    "price": 9.99,
    "currency": "EUR",
    "period": "month",
    "freeDays": 7,
    "accessToTags": ["football"],
}


async def made(api: Api31, body: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = ok(await api.post("/offers", body), 201)
    return created


async def test_a_subscription_offer_is_made_read_and_changed(server: Server, api: Api31) -> None:
    offer = await made(api, MONTHLY)
    assert offer["longId"].startswith("S") and offer["longId"].endswith("_EU")
    assert (offer["title"], offer["description"], offer["type"], offer["active"]) == (
        "Season ticket",
        "Every match",
        "subscription",
        True,
    )
    assert offer["price"] == {"amount": 9.99, "currency": "EUR", "taxIncluded": True, "rules": []}
    assert (offer["billingCycle"], offer["freeTrial"], offer["tags"]) == (
        {"periodUnit": "month", "amount": 1},
        {"type": "day", "duration": 7},
        ["football"],
    )
    path = f"/offers/{offer['longId']}"
    read = await api.get(path)
    assert ok(read) == offer
    assert ok(await api.get(f"/offers/{offer['id']}")) == offer  # the id without its country suffix
    etag = read.headers["ETag"]
    assert (await api.get(path, If_None_Match=etag)).status_code == 304
    changed = await api.patch(path, {"title": "Season pass", "price": 12.5, "currency": "EUR"}, If_Match=etag)
    assert (ok(changed)["title"], ok(changed)["price"]["amount"]) == ("Season pass", 12.5)
    assert changed.headers["ETag"] != etag
    assert "changed" in refused(await api.patch(path, {"title": "Stale"}, If_Match=etag), 412)
    ok(await api.patch(path, {"freeDays": 0, "period": "year"}, If_Match=changed.headers["ETag"]))
    now = ok(await api.get(path))
    assert (now["title"], now["freeTrial"], now["billingCycle"]) == (
        "Season pass",
        None,
        {"periodUnit": "year", "amount": 1},
    )
    [price] = await fetch_rows(server, Price, api.publisher.merchant.id)
    assert (price.amount, price.currency, price.access_type_id) == (1250, "EUR", 10)


async def test_an_offer_is_taken_off_sale_and_put_back(api: Api31) -> None:
    offer = await made(api, MONTHLY)
    path = f"/offers/{offer['longId']}"
    assert ok(await api.post(f"{path}/deactivate"))["active"] is False
    assert ok(await api.get(path))["active"] is False
    assert ok(await api.post(f"{path}/activate"))["active"] is True
    assert ok(await api.get(path))["active"] is True


async def test_each_type_of_offer_is_made_with_its_letter(api: Api31) -> None:
    week = await made(api, {"type": "pass", "title": "A week", "price": 5, "currency": "USD", "period": "week"})
    assert (week["longId"][0], week["type"], week["entitlement"]["duration"]) == (
        "P",
        "pass",
        {"period": "day", "amount": 7},
    )
    rental = await made(api, {"type": "rental", "title": "Film", "price": 3.5, "currency": "EUR", "period": "48"})
    assert (rental["longId"][0], rental["entitlement"]["duration"]) == ("R", {"period": "hour", "amount": 48})
    single = await made(api, {"type": "single", "title": "For good", "price": 20, "currency": "GBP"})
    assert (single["longId"][0], single["longId"][-3:]) == ("A", "_GB")
    final = {"type": "event", "title": "Final", "price": 15, "currency": "EUR", "endTime": 4_102_444_800}
    event = await made(api, final | {"startTime": 4_102_430_400})
    assert (event["longId"][0], event["type"], event["entitlement"]["expiresAt"]) == ("E", "live", 4_102_444_800)
    geo = await made(
        api,
        {"type": "single", "title": "Local", "price": 2, "currency": "EUR"}
        | {"geoRestrictionEnabled": True, "geoRestrictionType": "blacklist", "geoRestrictionCountries": ["US"]},
    )
    assert geo["geoRestriction"] == ["US"]


async def test_bad_offers_are_refused_and_write_nothing(server: Server, api: Api31) -> None:
    merchant_id = api.publisher.merchant.id
    refused(await api.post("/offers", MONTHLY | {"price": "9.99"}), 400)
    refused(await api.post("/offers", MONTHLY | {"title": 7}), 400)
    refused(await api.post("/offers", MONTHLY | {"accessToTags": "football"}), 400)
    refused(await api.post("/offers", MONTHLY | {"freeDays": "many"}), 400)
    refused(await api.post("/offers", MONTHLY | {"active": "yes"}), 400)
    refused(await api.post("/offers", [MONTHLY]), 400)
    refused(await api.post("/offers", MONTHLY | {"type": "movie"}), 422)
    refused(await api.post("/offers", {k: v for k, v in MONTHLY.items() if k != "type"}), 422)
    refused(await api.post("/offers", MONTHLY | {"title": ""}), 422)
    refused(await api.post("/offers", MONTHLY | {"period": "fortnight"}), 422)
    refused(await api.post("/offers", MONTHLY | {"price": None}), 422)
    refused(await api.post("/offers", MONTHLY | {"currency": None}), 422)
    refused(await api.post("/offers", MONTHLY | {"currency": "XXQ"}), 422)
    refused(await api.post("/offers", MONTHLY | {"price": 9.999}), 422)
    refused(await api.post("/offers", MONTHLY | {"price": 1e300}), 422)
    refused(await api.post("/offers", MONTHLY | {"freeDays": 3, "freePeriods": 1}), 422)
    refused(await api.post("/offers", MONTHLY | {"geoRestrictionEnabled": True}), 422)
    refused(await api.post("/offers", MONTHLY | {"geoRestrictionCountries": ["US"]}), 422)
    refused(await api.post("/offers", MONTHLY | {"accessToTags": [f"t{n}" for n in range(30)]}), 422)
    refused(await api.post("/offers", {"type": "event", "title": "Final", "price": 15, "currency": "EUR"}), 422)
    refused(await api.post("/offers", MONTHLY | {"type": "pass", "period": "week", "freeDays": 3}), 422)
    refused(await api.post("/offers", MONTHLY | {"type": "single", "endTime": 4_102_444_800}), 422)
    refused(await api.http.post("/3.1/offers", json=MONTHLY), 401)
    assert await count_rows(server, Price, merchant_id) == 0
    assert await count_rows(server, Product, merchant_id) == 0


async def test_other_publishers_and_unknown_offers_are_not_found(server: Server, api: Api31, other: Api31) -> None:
    offer = await made(api, MONTHLY)
    path = f"/offers/{offer['longId']}"
    as_pass = "P" + offer["longId"][1:]
    for unknown in ("/offers/S999999999_EU", "/offers/bogus", f"/offers/{as_pass}", "/offers/E000000001"):
        assert refused(await api.get(unknown), 404) == "Offer not found"
    refused(await api.patch(f"/offers/{as_pass}", {"title": "Moved"}), 404)
    refused(await api.post(f"/offers/{as_pass}/deactivate"), 404)
    refused(await other.get(path), 404)
    refused(await other.patch(path, {"title": "Mallory"}), 404)
    refused(await other.post(f"{path}/deactivate"), 404)
    refused(await other.post(f"{path}/activate"), 404)
    refused(await api.patch(path, {"title": 5}), 400)
    refused(await api.patch(path, {"price": 4}), 422)  # a price without its currency
    refused(await api.http.get(f"/3.1{path}"), 401)
    [price] = await fetch_rows(server, Price, api.publisher.merchant.id)
    [product] = await fetch_rows(server, Product, api.publisher.merchant.id)
    assert (price.amount, price.active, product.title) == (999, True, "Season ticket")


BRITISH = {"title": "Season ticket", "countryCode": "GB", "price": {"amount": 7.99, "currency": "GBP"}}


async def test_an_offer_is_read_with_its_localizations_under_one_etag(api: Api31) -> None:
    offer = await made(api, MONTHLY)
    assert (offer["localizations"], offer["period"], offer["seasonGroupId"]) == ([], "month", None)
    path = f"/offers/{offer['longId']}"
    before = (await api.get(path)).headers["ETag"]
    localized = await api.post(f"{path}/localizations", BRITISH)
    read = await api.get(path)
    assert ok(read) == ok(localized)
    assert [(shown["id"], shown["countryCode"]) for shown in ok(read)["localizations"]] == [(f"{offer['id']}_GB", "GB")]
    assert read.headers["ETag"] == localized.headers["ETag"] != before
    assert "changed" in refused(await api.patch(path, {"title": "Stale"}, If_Match=before), 412)
    changed = await api.patch(path, {"title": "Season pass"}, If_Match=read.headers["ETag"])
    assert ok(changed)["localizations"] == ok(read)["localizations"]
    assert changed.headers["ETag"] == (await api.get(path)).headers["ETag"]
    renamed = await api.patch(f"{path}/localizations/GB", {"title": "Pass"}, If_Match=changed.headers["ETag"])
    assert ok(renamed)["localizations"][0]["title"] == "Pass"
    assert "changed" in refused(await api.patch(path, {"title": "Stale"}, If_Match=changed.headers["ETag"]), 412)
    assert ok(await api.post(f"{path}/deactivate"))["localizations"] == ok(renamed)["localizations"]


DAY = timedelta(days=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the season these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


async def season_group(api: Api31, *spans: tuple[float, float]) -> int:
    group = await make_group(api, "League", *spans)
    return int(group["id"])


async def test_a_seasonal_offer_is_made_read_and_bought_for_the_rest_of_the_season(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    group_id = await season_group(api, (-10, 20), (40, 70))
    offer = await made(api, MONTHLY | {"period": "season", "seasonGroupId": group_id, "freeDays": None})
    assert (offer["period"], offer["seasonGroupId"], offer["billingCycle"], offer["freeTrial"]) == (
        "season",
        group_id,
        {"periodUnit": "season", "amount": 1},
        None,
    )
    assert ok(await api.get(f"/offers/{offer['longId']}")) == offer
    [price] = await fetch_rows(server, Price, api.publisher.merchant.id)
    assert price.season_group_id == group_id
    viewer = await customer(server, api)
    await subscribe(server, viewer, {"id": price.id})
    season_ends = clock.now().replace(microsecond=0) + 20 * DAY
    assert await access_expiry(server, viewer, price.product_id) == clock.unix(season_ends)
    frozen._now = season_ends - DAY
    assert await access_expiry(server, viewer, price.product_id) == clock.unix(season_ends)
    frozen._now = season_ends + DAY
    assert await access_expiry(server, viewer, price.product_id) is None


async def test_a_seasonal_offers_localizations_bill_by_its_seasons(server: Server, api: Api31) -> None:
    group_id = await season_group(api, (-10, 20), (40, 70))
    monthly = await made(api, MONTHLY | {"freeDays": None})
    british = {"title": "Season ticket", "countryCode": "GB", "price": {"amount": 7.99, "currency": "GBP"}}
    ok(await api.post(f"/offers/{monthly['longId']}/localizations", british))
    ok(await api.patch(f"/offers/{monthly['longId']}", {"period": "season", "seasonGroupId": group_id}))
    seasonal = await made(api, MONTHLY | {"period": "season", "seasonGroupId": group_id, "freeDays": None})
    ok(await api.post(f"/offers/{seasonal['longId']}/localizations", british))
    prices = await fetch_rows(server, Price, api.publisher.merchant.id)
    assert [price.season_group_id for price in prices] == [group_id] * 4
    # MediaStore names the period as API 3.1 does.
    for offer in (monthly, seasonal):
        shown = mediastore.data(await mediastore.call(server, "GET", f"/offers/{offer['longId']}"))
        assert shown["period"] == "season", shown
    ok(await api.patch(f"/offers/{monthly['longId']}", {"period": "month"}))
    prices = await fetch_rows(server, Price, api.publisher.merchant.id)
    assert [price.season_group_id for price in prices] == [None, None, group_id, group_id]


async def test_an_offers_period_changes_between_seasons_and_its_own(server: Server, api: Api31) -> None:
    group_id = await season_group(api, (-10, 20))
    offer = await made(api, MONTHLY)
    path = f"/offers/{offer['longId']}"
    seasonal = ok(await api.patch(path, {"period": "season", "seasonGroupId": str(group_id)}))
    assert (seasonal["period"], seasonal["seasonGroupId"]) == ("season", group_id)
    assert ok(await api.patch(path, {"title": "Kept"}))["seasonGroupId"] == group_id
    yearly = ok(await api.patch(path, {"period": "year"}))
    assert (yearly["period"], yearly["seasonGroupId"], yearly["billingCycle"]) == (
        "year",
        None,
        {"periodUnit": "year", "amount": 1},
    )
    [price] = await fetch_rows(server, Price, api.publisher.merchant.id)
    assert (price.season_group_id, price.access_type_id) == (None, 10)


async def test_bad_seasonal_offers_are_refused_and_write_nothing(server: Server, api: Api31, other: Api31) -> None:
    ours, theirs = await season_group(api, (-10, 20)), await season_group(other, (-10, 20))
    seasonal = MONTHLY | {"period": "season", "seasonGroupId": ours}
    assert refused(await api.post("/offers", seasonal | {"seasonGroupId": theirs}), 404) == "Season group not found"
    refused(await api.post("/offers", seasonal | {"seasonGroupId": 999_999_999}), 404)
    refused(await api.post("/offers", seasonal | {"seasonGroupId": "League"}), 400)
    refused(await api.post("/offers", seasonal | {"seasonGroupId": None}), 422)
    refused(await api.post("/offers", MONTHLY | {"seasonGroupId": ours}), 422)
    refused(await api.post("/offers", seasonal | {"freeDays": None, "freePeriods": 1}), 422)
    refused(await api.post("/offers", seasonal | {"type": "pass"}), 422)
    refused(
        await api.post(
            "/offers",
            {"type": "single", "title": "T", "price": 2, "currency": "EUR"}
            | {"period": "season", "seasonGroupId": ours},
        ),
        422,
    )
    assert await count_rows(server, Price, api.publisher.merchant.id) == 0
    assert await count_rows(server, Product, api.publisher.merchant.id) == 0
    offer = await made(api, MONTHLY)
    path = f"/offers/{offer['longId']}"
    refused(await api.patch(path, {"period": "season", "seasonGroupId": theirs, "title": "Moved"}), 404)
    refused(await api.patch(path, {"period": "season", "title": "Moved"}), 422)
    refused(await api.patch(path, {"seasonGroupId": ours}), 422)
    refused(await other.patch(path, {"period": "season", "seasonGroupId": theirs}), 404)
    week = await made(api, {"type": "pass", "title": "A week", "price": 5, "currency": "USD", "period": "week"})
    refused(await api.patch(f"/offers/{week['longId']}", {"period": "season", "seasonGroupId": ours}), 422)
    rows = await fetch_rows(server, Price, api.publisher.merchant.id)
    assert [(price.season_group_id, price.access_type_id) for price in rows] == [(None, 7), (None, 3)]
    [product, _] = await fetch_rows(server, Product, api.publisher.merchant.id)
    assert product.title == "Season ticket"
