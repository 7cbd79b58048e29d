"""Orders through API 3.1: the publisher places an order for one of its customers (priced with the tax of the
customer's country and a coupon, open for 15 minutes) and changes it; an order past its 15 minutes, bad input,
and another publisher's ids are refused, writing nothing."""

from __future__ import annotations

from typing import Any

from boxoffice.billing.models import Order
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, customer, shop
from tests.dialects.inplayer.conftest import count_rows, fetch_rows
from tests.dialects.inplayer.test_vouchers import add_voucher

__all__ = ["shop"]  # the offers' fixture, used here too


async def placed(api: Api31, customer_id: int, offer: str, **extra: Any) -> dict[str, Any]:
    body = {"customerId": customer_id, "offerId": offer, "currency": "EUR", "country": "DE"} | extra
    made: dict[str, Any] = ok(await api.post("/orders", body), 201)
    return made


async def test_an_order_placed_for_a_customer_is_priced_with_their_tax_and_a_coupon(
    server: Server, api: Api31, shop: Shop, frozen: clock.FrozenClock
) -> None:
    viewer = await customer(server, api)
    rate = await server.http.put("/v2/tax-rates/DE", headers=api.publisher.merchant.auth, data={"rate": "23"})
    assert rate.status_code == 200, rate.text
    made = await placed(api, viewer.id, shop.pass_id)
    assert (made["customerId"], made["offerId"], made["publisherId"]) == (viewer.id, shop.pass_id, api.publisher.id)
    assert made["customer"]["email"] == viewer.email
    assert (made["totalPrice"], made["currency"], made["country"], made["taxRate"]) == (12.3, "EUR", "DE", 0.23)
    assert made["priceBreakdown"]["discountAmount"] == 0 and made["discount"]["applied"] is False
    assert made["expirationDate"] == clock.unix(frozen.now()) + 15 * 60
    assert (made["buyAsAGift"], made["couponId"], made["requiredPaymentDetails"]) == (False, None, True)
    assert (await add_voucher(server, api.publisher.merchant, code="HALF", discount="50")).status_code == 201
    halved = ok(await api.patch(f"/orders/{made['id']}", {"couponCode": "HALF"}))
    # 6.15 off 12.30; 6.15 including 23 % of tax: 1.15.
    assert (halved["id"], halved["totalPrice"], halved["priceBreakdown"]["taxValue"]) == (made["id"], 6.15, 1.15)
    assert halved["discount"] == {"applied": True, "type": "coupon", "periods": 1} and halved["couponId"]
    # null is "not given": the coupon stays; "" removes it.
    assert ok(await api.patch(f"/orders/{made['id']}", {"couponCode": None, "buyAsAGift": None})) == halved
    whole = ok(await api.patch(f"/orders/{made['id']}", {"couponCode": ""}))
    assert (whole["totalPrice"], whole["couponId"], whole["discount"]["applied"]) == (12.3, None, False)
    [row] = await fetch_rows(server, Order, api.publisher.merchant.id)
    assert (row.id, row.customer_id, row.amount, row.discount, row.voucher_id) == (made["id"], viewer.id, 1230, 0, None)


async def test_an_order_placed_with_a_coupon_is_discounted_and_a_gift_is_of_a_one_time_offer(
    server: Server, api: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    assert (await add_voucher(server, api.publisher.merchant, code="HALF", discount="50")).status_code == 201
    made = await placed(api, viewer.id, shop.pass_id, couponCode="HALF", buyAsAGift=True)
    assert (made["totalPrice"], made["buyAsAGift"], made["discount"]["type"]) == (6.15, True, "coupon")
    mine = ok(await api.patch(f"/orders/{made['id']}", {"buyAsAGift": False}))
    assert (mine["buyAsAGift"], mine["totalPrice"]) == (False, 6.15)
    refused(await api.post("/orders", {"customerId": viewer.id, "offerId": shop.monthly_id, "buyAsAGift": True}), 422)
    message = refused(
        await api.post("/orders", {"customerId": viewer.id, "offerId": shop.pass_id, "couponCode": "NOPE"}), 422
    )
    assert message == "Coupon not found"
    assert await count_rows(server, Order, api.publisher.merchant.id) == 1


async def test_an_order_past_its_fifteen_minutes_is_refused(
    server: Server, api: Api31, shop: Shop, frozen: clock.FrozenClock
) -> None:
    viewer = await customer(server, api)
    made = await placed(api, viewer.id, shop.pass_id)
    frozen.advance(minutes=14, seconds=59)
    ok(await api.patch(f"/orders/{made['id']}", {"buyAsAGift": False}))
    frozen.advance(seconds=1)
    assert await add_voucher(server, api.publisher.merchant, code="HALF", discount="50")
    assert "expired" in refused(await api.patch(f"/orders/{made['id']}", {"couponCode": "HALF"}), 422)
    [row] = await fetch_rows(server, Order, api.publisher.merchant.id)
    assert (row.discount, row.voucher_id) == (0, None)


async def test_bad_input_is_refused_and_writes_nothing(server: Server, api: Api31, shop: Shop) -> None:
    viewer = await customer(server, api)
    good = {"customerId": viewer.id, "offerId": shop.pass_id, "currency": "EUR", "country": "DE"}
    for wrong in (
        {"customerId": "seven"},
        {"customerId": True},
        {"offerId": 12},
        {"couponCode": ["HALF"]},
        {"buyAsAGift": "yes"},
        {"country": 49},
    ):
        refused(await api.post("/orders", good | wrong), 400)
    refused(await api.post("/orders", [good]), 400)
    refused(await api.post("/orders", {"offerId": shop.pass_id}), 422)
    for value in (
        {"offerId": "nonsense"},
        {"currency": "XYZ"},
        {"currency": "USD"},  # sold in EUR there
        {"country": "D1"},
        {"totalPrice": 5, "methodFee": 0},
        {"totalPrice": "5.00"},
        {"offerId": shop.monthly_id, "buyAsAGift": True},
    ):
        refused(await api.post("/orders", good | value), 422)
    made = await placed(api, viewer.id, shop.pass_id)
    for wrong in ({"couponCode": 5}, {"buyAsAGift": 1}):
        refused(await api.patch(f"/orders/{made['id']}", wrong), 400)
    refused(await api.patch(f"/orders/{made['id']}", {"couponCode": "NOPE"}), 422)
    for path in ("/orders/abc", "/orders/0", "/orders/-1"):
        refused(await api.patch(path, {}), 400)
    [row] = await fetch_rows(server, Order, api.publisher.merchant.id)
    assert (row.id, row.voucher_id, row.buy_as_gift) == (made["id"], None, False)


async def test_unknown_and_other_publishers_ids_are_not_found(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    theirs = await customer(server, other, "theirs@example.com")
    made = await placed(api, viewer.id, shop.pass_id)
    assert refused(await api.post("/orders", {"customerId": theirs.id, "offerId": shop.pass_id}), 404) == (
        "Customer not found"
    )
    assert refused(await api.post("/orders", {"customerId": 999999, "offerId": shop.pass_id}), 404)
    # Another publisher's customer cannot buy this one's offer, nor its own through it.
    assert refused(await other.post("/orders", {"customerId": theirs.id, "offerId": shop.pass_id}), 404) == (
        "Offer not found"
    )
    assert refused(await api.post("/orders", {"customerId": viewer.id, "offerId": "P999999999_EU"}), 404)
    assert refused(await other.patch(f"/orders/{made['id']}", {"couponCode": ""}), 404) == "Order not found"
    refused(await api.patch(f"/orders/{made['id'] + 1000}", {}), 404)
    assert await count_rows(server, Order, other.publisher.merchant.id) == 0
    assert await count_rows(server, Order, api.publisher.merchant.id) == 1


async def test_without_the_publisher_token_nothing_is_ordered(server: Server, api: Api31, shop: Shop) -> None:
    viewer = await customer(server, api)
    body = {"customerId": viewer.id, "offerId": shop.pass_id}
    made = await placed(api, viewer.id, shop.pass_id)
    for headers in ({}, {"X-Publisher-Token": "not-a-token"}):
        refused(await server.http.post("/3.1/orders", json=body, headers=headers), 401)
        refused(await server.http.patch(f"/3.1/orders/{made['id']}", json={"couponCode": ""}, headers=headers), 401)
    assert await count_rows(server, Order, api.publisher.merchant.id) == 1
