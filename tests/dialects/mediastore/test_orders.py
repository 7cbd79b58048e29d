"""Checkout through MediaStore: an order priced with the customer's tax and a coupon, the free path the SDK takes
when nothing is left to pay (the free-offer method, then `POST /payments`), and every refusal in between."""

from __future__ import annotations

from typing import Any

from boxoffice.billing.models import Order, Payment
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import count_rows
from tests.dialects.inplayer.test_vouchers import add_voucher
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, refused, register
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop"]  # the offers' fixture, used here too
FREE_OFFER = 9


async def order(server: Server, customer: Customer, offer: str, **extra: Any) -> dict[str, Any]:
    body = {"offerId": offer, "customerId": customer.id, "paymentMethodId": 0, "buyAsAGift": False} | extra
    made = data(await call(server, "POST", "/orders", body, headers=customer.auth))
    assert made["success"] is True
    return dict(made["order"])


async def test_an_order_is_priced_with_the_customers_tax_and_a_coupon(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    made = await order(server, customer, shop.pass_id, country="DE")
    assert (made["customerId"], made["offerId"], made["publisherId"]) == (customer.id, shop.pass_id, publisher.id)
    assert made["totalPrice"] == 12.3 and made["taxRate"] == 0.23 and made["country"] == "DE"
    assert made["priceBreakdown"] == {
        "offerPrice": 10.0,
        "discountAmount": 0,
        "discountedPrice": 10.0,
        "taxValue": 2.3,
        "customerServiceFee": 0,
        "paymentMethodFee": 0,
    }
    assert made["requiredPaymentDetails"] is True and made["discount"]["applied"] is False
    assert made["expirationDate"] == clock.unix(frozen.now()) + 24 * 3600
    assert (await add_voucher(server, publisher.merchant, code="HALF", discount="50")).status_code == 201
    patched = data(await call(server, "PATCH", f"/orders/{made['id']}", {"couponCode": "HALF"}, headers=customer.auth))
    halved = patched["order"]
    # 6.15 off 12.30; 6.15 including 23 %: 1.15 of tax.
    assert (halved["totalPrice"], halved["priceBreakdown"]["discountAmount"], halved["priceBreakdown"]["taxValue"]) == (
        6.15,
        6.15,
        1.15,
    )
    assert halved["discount"] == {"applied": True, "type": "coupon", "periods": 1}
    again = data(await call(server, "GET", f"/orders/{made['id']}", headers=customer.auth))["order"]
    assert again["totalPrice"] == 6.15


async def test_an_order_answers_the_payment_method_it_was_created_with(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    made = await order(server, customer, shop.pass_id, paymentMethodId=1)
    assert made["paymentMethodId"] == 1
    again = data(await call(server, "GET", f"/orders/{made['id']}", headers=customer.auth))["order"]
    assert again["paymentMethodId"] == 1
    unknown = {"offerId": shop.pass_id, "paymentMethodId": 77}
    refused(await call(server, "POST", "/orders", unknown, headers=customer.auth), 422, text="No payment method")
    free = {"offerId": shop.pass_id, "paymentMethodId": FREE_OFFER}  # 12.30 to pay
    refused(await call(server, "POST", "/orders", free, headers=customer.auth), 422)
    assert await count_rows(server, Order, publisher.merchant.id) == 1


async def test_a_full_coupon_takes_the_free_path_to_access(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer
) -> None:
    assert (await add_voucher(server, publisher.merchant, code="GIFT", discount="100")).status_code == 201
    made = await order(server, customer, shop.pass_id, couponCode="GIFT")
    assert (made["totalPrice"], made["requiredPaymentDetails"]) == (0, False)
    listed = data(await call(server, "GET", "/payment-methods", headers=customer.auth))["paymentMethods"]
    # The SDK picks the method whose gateway is `coupon` for an order a coupon left at nothing.
    [coupon] = [m for m in listed if m["paymentGateway"] == "coupon"]
    chosen = {"paymentMethodId": coupon["id"]}
    patched = data(await call(server, "PATCH", f"/orders/{made['id']}", chosen, headers=customer.auth))
    assert patched["order"]["paymentMethodId"] == coupon["id"]
    paid = data(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth))
    assert (paid["orderId"], paid["status"], paid["totalAmount"], paid["paymentGateway"]) == (
        made["id"],
        "captured",
        0,
        "coupon",
    )
    held = data(await call(server, "GET", f"/entitlements/{shop.pass_id}", headers=customer.auth))
    assert held["accessGranted"] is True
    twice = data(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth))
    assert twice["id"] == paid["id"]  # paid once
    path = f"/customers/{customer.id}/transactions"
    [listed] = data(await call(server, "GET", path, headers=customer.auth))["items"]
    assert (listed["paymentMethod"], listed["transactionPriceInclTax"]) == ("coupon", "0.0000")
    assert await count_rows(server, Payment, publisher.merchant.id) == 1
    refused(
        await call(server, "POST", "/orders", {"offerId": shop.pass_id}, headers=customer.auth),
        409,
        text="Access already granted",
    )


async def test_a_free_offer_is_bought_without_payment_details(
    server: Server, publisher: Publisher, customer: Customer
) -> None:
    item = await add_item(server, publisher.merchant, title="Trailer night")
    fee = await add_fee(server, publisher.merchant, item["id"], access_type_id="3", amount="0", description="Free")
    offer_id = f"P{fee['id']:09d}_EU"
    offer = data(await call(server, "GET", f"/offers/{offer_id}"))
    assert (offer["offerPrice"], offer["customerPriceInclTax"]) == (0, 0)
    made = await order(server, customer, offer_id)
    assert (made["totalPrice"], made["requiredPaymentDetails"], made["discount"]["applied"]) == (0, False, False)
    data(await call(server, "PATCH", f"/orders/{made['id']}", {"paymentMethodId": FREE_OFFER}, headers=customer.auth))
    paid = data(await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth))
    assert (paid["status"], paid["totalAmount"], paid["paymentGateway"]) == ("captured", 0, "free-offer")
    held = data(await call(server, "GET", f"/entitlements/{offer_id}", headers=customer.auth))
    assert held["accessGranted"] is True


async def test_a_subscription_is_never_free(server: Server, publisher: Publisher) -> None:
    item = await add_item(server, publisher.merchant, title="Season")
    response = await server.http.post(
        f"/v2/items/{item['id']}/access-fees",
        headers=publisher.merchant.auth,
        data={"access_type_id": "7", "amount": "0", "currency": "EUR"},
    )
    assert response.status_code == 422 and "amount" in response.text
    week = await add_fee(server, publisher.merchant, item["id"], access_type_id="3", amount="0")
    url = f"/v2/items/{item['id']}/access-fees/{week['id']}"
    became = await server.http.put(url, headers=publisher.merchant.auth, data={"access_type_id": "7"})
    assert became.status_code == 422 and "amount" in became.text


async def test_bad_orders_are_refused_and_write_nothing(
    server: Server, publisher: Publisher, shop: Shop, customer: Customer, frozen: clock.FrozenClock
) -> None:
    refused(
        await call(server, "POST", "/orders", {"offerId": "nonsense"}, headers=customer.auth),
        422,
        text="Invalid param offerId",
    )
    refused(
        await call(server, "POST", "/orders", {"offerId": "P999999999_EU"}, headers=customer.auth),
        404,
        text="does not exist",
    )
    refused(
        await call(
            server, "POST", "/orders", {"offerId": shop.pass_id, "customerId": customer.id + 1}, headers=customer.auth
        ),
        403,
    )
    refused(
        await call(server, "POST", "/orders", {"offerId": shop.pass_id, "couponCode": "NOPE"}, headers=customer.auth),
        422,
        text="Coupon NOPE not found",
    )
    assert await count_rows(server, Order, publisher.merchant.id) == 0
    made = await order(server, customer, shop.pass_id)
    refused(
        await call(server, "PATCH", f"/orders/{made['id']}", {"couponCode": "NOPE"}, headers=customer.auth),
        422,
        text="Coupon NOPE not found",
    )
    refused(
        await call(server, "PATCH", f"/orders/{made['id']}", {"paymentMethodId": 77}, headers=customer.auth),
        422,
        text="No payment method found",
    )
    refused(
        await call(server, "POST", "/payments", {"orderId": made["id"]}, headers=customer.auth), 422
    )  # 12.30 to pay
    refused(await call(server, "POST", "/payments", {"orderId": "abc"}, headers=customer.auth), 400)
    other = await register(server, publisher, "other@example.com")
    refused(
        await call(server, "GET", f"/orders/{made['id']}", headers=other.auth),
        404,
        text=f"Order with {made['id']} not found",
    )
    # A coupon used up by someone else is refused when it is applied.
    assert (
        await add_voucher(server, publisher.merchant, code="ONCE", discount="100", usage_limit="1")
    ).status_code == 201
    theirs = await order(server, other, shop.pass_id, couponCode="ONCE")
    data(await call(server, "POST", "/payments", {"orderId": theirs["id"]}, headers=other.auth))
    used = await call(server, "PATCH", f"/orders/{made['id']}", {"couponCode": "ONCE"}, headers=customer.auth)
    refused(used, 422, text="already used")
    # An order lives a day.
    frozen.advance(hours=24, seconds=1)
    renewed = data(await call(server, "POST", "/auths/refresh_token", {"refreshToken": customer.refresh_token}))
    headers = {"Authorization": f"Bearer {renewed['jwt']}"}
    refused(
        await call(server, "PATCH", f"/orders/{made['id']}", {"couponCode": ""}, headers=headers),
        422,
        text="expired",
    )
    assert await count_rows(server, Payment, publisher.merchant.id) == 1  # the other customer's only
