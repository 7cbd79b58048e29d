"""Cleeng's Order object, which MediaStore's checkout and API 3.1's orders both answer with, and the ids of the
ways an order is paid (`paymentMethodId`, as MediaStore's `GET /payment-methods` lists them)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from boxoffice.billing import orders
from boxoffice.billing.models import Order
from boxoffice.billing.payment_methods import FREE
from boxoffice.catalog import taxes
from boxoffice.dialects.cleeng.gifts import DeliveryDetails, delivery_details
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.gateways import methods
from boxoffice.identity.merchants import public_number
from boxoffice.identity.models import Customer
from boxoffice.kit import clock

# What a response's TypedDict is checked with in the document: no field it does not name.
CLOSED = ConfigDict(extra="forbid")
COUPON_METHOD = 10
# (id, methodName, paymentGateway, the core's method): the ids `PATCH /orders` and the payment calls name.
PAYMENT_METHODS = [
    (1, "card", "adyen", methods.CARD),
    (2, "paypal", "paypal", methods.PAYPAL),
    (3, "googlepay", "adyen", methods.GOOGLE_PAY),
    (4, "applepay", "adyen", methods.APPLE_PAY),
    (5, "ideal", "adyen", methods.IDEAL),
    (9, "free-offer", "free-offer", FREE),
    # The SDK pays an order a coupon left at nothing with the method whose gateway is `coupon`, and an offer that
    # costs nothing with `free-offer`: both are the core's purchase without payment details.
    (10, "coupon", "coupon", FREE),
]
METHOD_BY_ID = {id_: core for id_, _, _, core in PAYMENT_METHODS}
ID_BY_METHOD = {core: id_ for id_, _, _, core in PAYMENT_METHODS if id_ != COUPON_METHOD}


@with_config(CLOSED)
class OrderCustomer(TypedDict):
    locale: str
    email: str


@with_config(CLOSED)
class OrderOffer(TypedDict):
    title: str
    description: str | None
    price: float
    currency: str


@with_config(CLOSED)
class PriceBreakdown(TypedDict):
    offerPrice: float
    discountAmount: float
    discountedPrice: float
    taxValue: float
    customerServiceFee: int
    paymentMethodFee: int


@with_config(CLOSED)
class Discount(TypedDict):
    applied: bool
    type: Literal["coupon", "trial", ""]
    periods: int


@with_config(CLOSED)
class OrderBody(TypedDict):
    id: int
    customerId: int
    customer: OrderCustomer
    publisherId: int
    offerId: str
    offer: OrderOffer
    totalPrice: float
    priceBreakdown: PriceBreakdown
    taxRate: float
    taxBreakdown: None
    currency: str
    country: str
    paymentMethodId: int
    expirationDate: int
    billingAddress: None
    couponId: int | None
    discount: Discount
    requiredPaymentDetails: bool
    buyAsAGift: bool
    deliveryDetails: DeliveryDetails | None


def method_id(order: Order) -> int:
    """The id of the way an order is to be paid (0: not chosen yet)."""
    if order.payment_method == FREE and order.voucher_id is not None:
        return COUPON_METHOD
    return ID_BY_METHOD.get(order.payment_method or "", 0)


def render_order(customer: Customer, view: orders.OrderView) -> OrderBody:
    """An order as Cleeng's Order object has it, for `customer`, whose it is."""
    order, price, product, trial = view.order, view.price, view.product, view.trial
    list_net, _ = taxes.split(order.amount, order.tax_rate)
    net, tax = taxes.split(order.total, order.tax_rate)
    return {
        "id": order.id,
        "customerId": order.customer_id,
        "customer": {"locale": customer.locale or "en_US", "email": customer.email},
        "publisherId": public_number(view.merchant),
        "offerId": offer_id(price) if price else "",
        "offer": {
            "title": product.title if product else "",
            "description": price.description if price else "",
            "price": decimal(order.amount, order.currency),
            "currency": order.currency,
        },
        "totalPrice": decimal(order.total, order.currency),
        "priceBreakdown": {
            "offerPrice": decimal(list_net, order.currency),
            "discountAmount": decimal(order.discount, order.currency),
            "discountedPrice": decimal(net, order.currency),
            "taxValue": decimal(tax, order.currency),
            "customerServiceFee": 0,
            "paymentMethodFee": 0,
        },
        "taxRate": order.tax_rate / taxes.BASIS,
        "taxBreakdown": None,
        "currency": order.currency,
        "country": order.country_code or "",
        "paymentMethodId": method_id(order),
        "expirationDate": clock.unix(order.expires_at),
        "billingAddress": None,
        "couponId": order.voucher_id,
        "discount": {
            "applied": bool(order.voucher_id) or trial,
            "type": "coupon" if order.voucher_id else "trial" if trial else "",
            "periods": 1 if order.voucher_id or trial else 0,
        },
        "requiredPaymentDetails": view.needs_payment_details,
        "buyAsAGift": order.buy_as_gift,
        "deliveryDetails": _delivery(order),
    }


def _delivery(order: Order) -> DeliveryDetails | None:
    """Not in the SDK's Order type, which has only `buyAsAGift`: a gift order's details as `PATCH` set them,
    shaped as a gift's `deliveryDetails`, so a client reads back what it sent; null until they are set."""
    if order.gift_receiver_email is None:
        return None
    return delivery_details(order.gift_receiver_email, order.gift_delivery_date, order.gift_personal_note)
