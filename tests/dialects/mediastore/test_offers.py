"""Offers: the merchant's prices in MediaStore's v1 and v2 shapes with Cleeng-style ids, taxed by the rate the
merchant set for the customer's country, and what a customer holds — bought here or through the InPlayer API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import assert_error, make_merchant, sign_in
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.mediastore.conftest import PASSWORD, Customer, Publisher, call, data, refused, register

GERMANY = "85.214.132.117"


class Shop:
    def __init__(self, pass_fee: dict[str, Any], monthly_fee: dict[str, Any], item_id: int) -> None:
        self.pass_fee, self.monthly_fee, self.item_id = pass_fee, monthly_fee, item_id

    @property
    def pass_id(self) -> str:
        return f"P{self.pass_fee['id']:09d}_EU"

    @property
    def monthly_id(self) -> str:
        return f"S{self.monthly_fee['id']:09d}_EU"


@pytest.fixture
async def shop(server: Server, publisher: Publisher) -> Shop:
    merchant = publisher.merchant
    item = await add_item(server, merchant, title="Cup final")
    week = await add_fee(server, merchant, item["id"], access_type_id="3", amount="12.30", description="A week")
    season = await add_item(server, merchant, title="Season")
    monthly = await add_fee(server, merchant, season["id"], access_type_id="7", amount="9.99", description="Monthly")
    rate = await server.http.put("/v2/tax-rates/DE", headers=merchant.auth, data={"rate": "23"})
    assert rate.status_code == 200 and rate.json() == [{"country": "DE", "rate": 23.0}], rate.text
    return Shop(week, monthly, item["id"])


async def test_a_public_offer_shows_its_price_taxed_for_the_customers_country(
    server: Server, publisher: Publisher, shop: Shop
) -> None:
    offer = data(await call(server, "GET", f"/offers/{shop.pass_id}", params={"customerIP": GERMANY}))
    # 12.30 including 23 %: 2.30 of tax on 10.00.
    assert {k: offer[k] for k in ("offerId", "offerTitle", "offerDescription", "customerCountry")} == {
        "offerId": shop.pass_id,
        "offerTitle": "Cup final",
        "offerDescription": "A week",
        "customerCountry": "DE",
    }
    assert (offer["customerPriceInclTax"], offer["customerPriceExclTax"], offer["offerPrice"]) == (12.3, 10.0, 10.0)
    assert (offer["applicableTaxRate"], offer["offerCurrency"], offer["offerCurrencySymbol"]) == (0.23, "EUR", "€")
    untaxed = data(await call(server, "GET", f"/offers/{shop.pass_id.split('_')[0]}"))  # no country known
    assert (untaxed["customerPriceInclTax"], untaxed["customerPriceExclTax"], untaxed["applicableTaxRate"]) == (
        12.3,
        12.3,
        0,
    )
    assert (offer["period"], offer["expiresAt"]) == (None, 7)  # a pass's length in days, as the SDK shows it
    monthly = data(await call(server, "GET", f"/offers/{shop.monthly_id}"))
    assert monthly["period"] == "month" and monthly["offerId"] == shop.monthly_id
    assert monthly["expiresAt"] is None


async def test_v2_offers_for_a_signed_in_customer(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    listed = data(await call(server, "GET", "/offers", headers=customer.auth))
    assert [(o["id"], o["type"], o["price"]["amount"]) for o in listed] == [
        (shop.pass_id.split("_")[0], "pass", 12.3),
        (shop.monthly_id.split("_")[0], "subscription", 9.99),
    ]
    monthly = data(await call(server, "GET", f"/v2/offers/{shop.monthly_id.split('_')[0]}", headers=customer.auth))
    assert (monthly["longId"], monthly["billingCycle"], monthly["giftable"]) == (
        shop.monthly_id,
        {"periodUnit": "month", "amount": 1},
        False,
    )
    week = data(await call(server, "GET", f"/v2/offers/{shop.pass_id}", headers=customer.auth))
    assert week["entitlement"] == {
        "expirationPolicy": "period",
        "expiresAt": None,
        "duration": {"period": "day", "amount": 7},
    }
    assert week["giftable"] is True


async def test_unknown_mistyped_and_other_merchants_offers_are_refused(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    number = shop.pass_fee["id"]
    refused(await call(server, "GET", f"/offers/S{number:09d}_EU"), 404, text="does not exist")  # wrong letter
    refused(await call(server, "GET", "/offers/P999999999_EU"), 404, text="does not exist")
    refused(await call(server, "GET", "/offers/not-an-offer"), 422, text="Invalid param offerId")
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_fee(server, other, (await add_item(server, other))["id"], access_type_id="3", amount="1.00")
    refused(await call(server, "GET", f"/v2/offers/P{theirs['id']:09d}", headers=customer.auth), 404)
    refused(await call(server, "GET", f"/entitlements/P{theirs['id']:09d}", headers=customer.auth), 404)
    refused(
        await call(
            server,
            "GET",
            "/offers",
        ),
        401,
        "AUTH0001",
    )
    removed = await server.http.delete(
        f"/v2/items/{shop.item_id}/access-fees/{number}", headers=publisher.merchant.auth
    )
    assert removed.status_code in (200, 204), removed.text
    refused(await call(server, "GET", f"/offers/{shop.pass_id}"), 404)
    assert_error(
        await server.http.put("/v2/tax-rates/ZZ", headers=publisher.merchant.auth, data={"rate": "5"}), 422, "country"
    )
    assert_error(
        await server.http.put("/v2/tax-rates/PL", headers=publisher.merchant.auth, data={"rate": "NaN"}), 422, "rate"
    )
    assert_error(
        await server.http.put("/v2/tax-rates/PL", headers=publisher.merchant.auth, data={"rate": "120"}), 422, "rate"
    )


async def test_access_bought_through_inplayer_is_held_here_too(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    before = data(await call(server, "GET", f"/entitlements/{shop.pass_id}", headers=customer.auth))
    assert before == {"accessGranted": False, "expiresAt": None}
    details = data(
        await call(server, "GET", f"/offers/{shop.pass_id}/customers/{customer.email}", headers=customer.auth)
    )
    assert details["accessGranted"] is False and details["offerId"] == shop.pass_id
    # The same account signs in through the InPlayer API and buys the week there.
    token = (await sign_in(server, publisher.merchant, customer.email, PASSWORD)).json()["access_token"]
    bought = await server.http.post(
        "/payments", headers={"Authorization": f"Bearer {token}"}, data=card_form(shop.pass_fee["id"])
    )
    assert bought.status_code == 200, bought.text
    after = data(await call(server, "GET", f"/entitlements/{shop.pass_id}", headers=customer.auth))
    assert after["accessGranted"] is True and isinstance(after["expiresAt"], int)
    refused(
        await call(server, "GET", f"/offers/{shop.pass_id}/customers/{customer.email}", headers=customer.auth),
        422,
        text="Access already granted",
    )
    refused(
        await call(server, "GET", f"/offers/{shop.pass_id}/customers/other@example.com", headers=customer.auth), 403
    )
    held = data(await call(server, "GET", f"/customers/{customer.id}/offers", headers=customer.auth))["items"]
    assert [(i["offerId"], i["status"], i["offerType"], i["totalPrice"], i["offerTitle"]) for i in held] == [
        (shop.pass_id, "active", "P", 12.3, "Cup final")
    ]
    stranger = await register(server, publisher, "stranger@example.com")
    refused(await call(server, "GET", f"/customers/{customer.id}/offers", headers=stranger.auth), 403)
