"""Passes through API 3.1: a week's pass granted to a customer, read, listed, its end moved, transferred to another
customer and terminated; access follows. Bad input writes nothing; another publisher's passes, offers and customers
are 404."""

from __future__ import annotations

from datetime import timedelta

from boxoffice.access.models import Entitlement
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, buy, customer, shop, subscribe
from tests.dialects.inplayer.conftest import count_rows, fetch_rows

__all__ = ["shop"]  # the fixture, used here


async def test_a_pass_is_granted_moved_transferred_and_terminated(server: Server, api: Api31, shop: Shop) -> None:
    vera = await customer(server, api)
    otto = await customer(server, api, "otto@example.com")
    made = ok(await api.post("/passes", {"customerId": vera.id, "offerId": shop.pass_id}), 201)
    assert (made["customerId"], made["offerId"], made["offerType"], made["status"]) == (
        vera.id,
        shop.pass_id,
        "P",
        "active",
    )
    assert made["expiresAt"] - made["startedAt"] == 7 * 86400
    assert ok(await api.get(f"/passes/{made['id']}")) == made
    later = clock.unix(clock.now() + timedelta(days=30))
    moved = ok(await api.patch(f"/passes/{made['id']}", {"expiresAt": later}))
    assert moved["expiresAt"] == later
    given = ok(await api.post(f"/passes/{made['id']}/transfer", {"customerId": otto.id}))
    assert (given["customerId"], given["expiresAt"], given["status"]) == (otto.id, later, "active")
    assert ok(await api.get(f"/passes/{made['id']}"))["status"] == "terminated"
    listed = ok(await api.get("/passes"))
    assert (listed["totalCount"], [p["id"] for p in listed["items"]]) == (2, [given["id"], made["id"]])
    assert [p["id"] for p in ok(await api.get(f"/passes?customerId={otto.id}"))["items"]] == [given["id"]]
    ended = ok(await api.post(f"/passes/{given['id']}/terminate"))
    assert ended["status"] == "terminated" and ended["terminatedAt"] is not None
    refused(await api.post(f"/passes/{given['id']}/terminate"), 409)
    refused(await api.patch(f"/passes/{given['id']}", {"expiresAt": later}), 409)
    rental = ok(await api.post("/passes", {"customerId": vera.id, "offerId": shop.rental_id, "expiresAt": later}), 201)
    assert (rental["offerType"], rental["expiresAt"]) == ("R", later)


async def test_bought_access_is_a_pass_but_a_subscription_is_not(server: Server, api: Api31, shop: Shop) -> None:
    vera = await customer(server, api)
    await buy(server, vera, shop.pass_fee)
    await subscribe(server, vera, shop.monthly_fee)
    [bought] = ok(await api.get(f"/passes?customerId={vera.id}"))["items"]
    assert (bought["offerId"], bought["status"]) == (shop.pass_id, "active")


async def test_bad_passes_write_nothing_and_other_publishers_see_none(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    vera = await customer(server, api)
    merchant_id = api.publisher.merchant.id
    body = {"customerId": vera.id, "offerId": shop.pass_id}
    refused(await api.post("/passes", body | {"customerId": "vera"}), 400)
    refused(await api.post("/passes", body | {"expiresAt": "soon"}), 400)
    refused(await api.post("/passes", body | {"offerId": 5}), 400)
    refused(await api.post("/passes", {"offerId": shop.pass_id}), 422)
    refused(await api.post("/passes", body | {"offerId": shop.monthly_id}), 422)
    refused(await api.post("/passes", body | {"offerId": "nonsense"}), 422)
    refused(await api.post("/passes", body | {"expiresAt": clock.unix(clock.now()) - 60}), 422)
    refused(await api.post("/passes", body | {"expiresAt": 10**15}), 422)
    refused(await api.post("/passes", body | {"offerId": "R" + shop.pass_id[1:]}), 404)
    refused(await api.post("/passes", body | {"offerId": "P999999999_EU"}), 404)
    refused(await api.post("/passes", body | {"customerId": 999_999}), 404)
    refused(await other.post("/passes", body), 404)
    refused(await api.http.post("/3.1/passes", json=body), 401)
    assert await count_rows(server, Entitlement, merchant_id) == 0
    made = ok(await api.post("/passes", body), 201)
    path = f"/passes/{made['id']}"
    refused(await api.patch(path, {}), 422)
    refused(await api.patch(path, {"expiresAt": made["startedAt"]}), 422)
    refused(await api.patch(path, {"expiresAt": "later"}), 400)
    refused(await api.post(f"{path}/transfer", {}), 422)
    refused(await api.post(f"{path}/transfer", {"customerId": vera.id}), 422)
    refused(await api.post(f"{path}/transfer", {"customerId": 999_999}), 404)
    refused(await other.get(path), 404)
    refused(await other.patch(path, {"expiresAt": made["expiresAt"] + 60}), 404)
    refused(await other.post(f"{path}/terminate"), 404)
    refused(await other.post(f"{path}/transfer", {"customerId": vera.id}), 404)
    refused(await other.get(f"/passes?customerId={vera.id}"), 404)
    assert ok(await other.get("/passes")) == {"items": [], "totalCount": 0}
    refused(await api.get("/passes/0"), 400)
    refused(await api.get("/passes/999999"), 404)
    [row] = await fetch_rows(server, Entitlement, merchant_id)
    assert (row.customer_id, clock.unix(row.expires_at), row.revoked_at) == (vera.id, made["expiresAt"], None)
