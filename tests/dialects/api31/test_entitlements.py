"""Entitlements through API 3.1: what a customer holds or held through the publisher's offers, found by id or by
e-mail, filtered by status and type letters and paged; bad filters are refused and another publisher's customers
are 404."""

from __future__ import annotations

from boxoffice.access.models import Entitlement
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, buy, customer, shop, subscribe
from tests.dialects.inplayer.conftest import count_rows

__all__ = ["shop"]  # the fixture, used here


async def test_a_customers_entitlements_are_listed_by_type_and_status(server: Server, api: Api31, shop: Shop) -> None:
    viewer = await customer(server, api)
    await buy(server, viewer, shop.pass_fee)
    await subscribe(server, viewer, shop.monthly_fee)
    await buy(server, viewer, shop.rental_fee)
    listed = ok(await api.get(f"/entitlements?customerId={viewer.id}"))
    assert listed["totalCount"] == 3
    by_offer = {i["offerId"]: i for i in listed["items"]}
    assert set(by_offer) == {shop.pass_id, shop.monthly_id, shop.rental_id}
    held = by_offer[shop.monthly_id]
    assert (held["offerType"], held["status"], held["totalPrice"], held["offerTitle"], held["period"]) == (
        "S",
        "active",
        9.99,
        "Season",
        "month",
    )
    assert held["expiresAt"] > held["startedAt"] and held["subscriptionId"] > 0
    assert by_offer[shop.pass_id]["offerType"] == "P" and "subscriptionId" not in by_offer[shop.pass_id]
    subscriptions_and_passes = ok(await api.get(f"/entitlements?customerEmail={viewer.email}&type=SP"))
    assert {i["offerId"] for i in subscriptions_and_passes["items"]} == {shop.pass_id, shop.monthly_id}
    rentals = ok(await api.get(f"/entitlements?customerId={viewer.id}&type=R&status=active"))
    assert [i["offerId"] for i in rentals["items"]] == [shop.rental_id]
    assert ok(await api.get(f"/entitlements?customerId={viewer.id}&status=expired")) == {"items": [], "totalCount": 0}
    page = ok(await api.get(f"/entitlements?customerId={viewer.id}&type=SPAR&offset=1&limit=1"))
    assert (len(page["items"]), page["totalCount"]) == (1, 3)
    assert page["items"][0] == listed["items"][1]


async def test_a_customer_without_entitlements_has_an_empty_list(server: Server, api: Api31) -> None:
    viewer = await customer(server, api)
    assert ok(await api.get(f"/entitlements?customerId={viewer.id}")) == {"items": [], "totalCount": 0}


async def test_bad_filters_and_other_publishers_customers_are_refused(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    await buy(server, viewer, shop.pass_fee)
    before = await count_rows(server, Entitlement, api.publisher.merchant.id)
    refused(await api.get("/entitlements"), 422)
    refused(await api.get(f"/entitlements?customerId={viewer.id}&type=X"), 422)
    refused(await api.get(f"/entitlements?customerId={viewer.id}&type=E"), 422)
    refused(await api.get(f"/entitlements?customerId={viewer.id}&status=paused"), 422)
    refused(await api.get("/entitlements?customerId=abc"), 400)
    refused(await api.get("/entitlements?customerId=0"), 400)
    refused(await api.get(f"/entitlements?customerId={viewer.id}&limit=0"), 400)
    refused(await api.get(f"/entitlements?customerId={viewer.id}&limit=101"), 400)
    refused(await api.get(f"/entitlements?customerId={viewer.id}&offset=-1"), 400)
    assert refused(await api.get("/entitlements?customerId=999999"), 404) == "Customer not found"
    refused(await api.get("/entitlements?customerEmail=ghost@example.com"), 404)
    refused(await other.get(f"/entitlements?customerId={viewer.id}"), 404)
    refused(await other.get(f"/entitlements?customerEmail={viewer.email}"), 404)
    refused(await api.http.get(f"/3.1/entitlements?customerId={viewer.id}"), 401)
    assert await count_rows(server, Entitlement, api.publisher.merchant.id) == before
