"""Checkout: `POST /orders` (`buyAsAGift` for a giftable offer), `GET`/`PATCH /orders/{orderId}` (a coupon, the
way to pay, a gift's `deliveryDetails`), `GET /payment-methods`, and `POST /payments` for an order with nothing to
pay (a free offer, or a coupon that takes it all). Orders answer as `{order, message, success}`; the coupon
refusals carry the texts ott-web-app matches."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request

from boxoffice.billing import orders
from boxoffice.billing.models import Order, Payment, PaymentStatus
from boxoffice.billing.payment_methods import FREE
from boxoffice.billing.refusals import NotOnSale
from boxoffice.catalog import taxes
from boxoffice.dialects.kit import OwnTransactions
from boxoffice.dialects.mediastore.body import flag, number, string
from boxoffice.dialects.mediastore.deps import Body, Client, CurrentCustomer, CurrentMerchant, Session
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused, coupon_refused, offer_inactive
from boxoffice.dialects.mediastore.gifts import delivery_details, delivery_of
from boxoffice.dialects.mediastore.money import decimal
from boxoffice.dialects.mediastore.offer_ids import letter, offer_id
from boxoffice.dialects.mediastore.offers import offer_by_id
from boxoffice.dialects.mediastore.publishers import publisher_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.gateways import methods
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.promotions.refusals import VoucherRefused

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
COUPON_METHOD = 10
OrderId = Path(ge=1, le=2**53)
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


def _method_of(body: dict[str, Any]) -> str | None:
    """The core's method a body's `paymentMethodId` names; 0 (the SDK's "not chosen yet") or none is none."""
    method_id = number(body, "paymentMethodId")
    if method_id and method_id not in METHOD_BY_ID:
        raise Refused(422, "No payment method found", INVALID_BODY)
    return METHOD_BY_ID.get(method_id or 0)


def _method_id(order: Order) -> int:
    if order.payment_method == FREE and order.voucher_id is not None:
        return COUPON_METHOD
    return ID_BY_METHOD.get(order.payment_method or "", 0)


def _render(customer: Customer, view: orders.OrderView) -> dict[str, Any]:
    order, price, product, trial = view.order, view.price, view.product, view.trial
    list_net, _ = taxes.split(order.amount, order.tax_rate)
    net, tax = taxes.split(order.total, order.tax_rate)
    return {
        "id": order.id,
        "customerId": order.customer_id,
        "customer": {"locale": customer.locale or "en_US", "email": customer.email},
        "publisherId": publisher_id(view.merchant),
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
        "paymentMethodId": _method_id(order),
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


def _delivery(order: Order) -> dict[str, Any] | None:
    """Not in the SDK's Order type, which has only `buyAsAGift`: a gift order's details as `PATCH` set them,
    shaped as a gift's `deliveryDetails`, so a client reads back what it sent; null until they are set."""
    if order.gift_receiver_email is None:
        return None
    return delivery_details(order.gift_receiver_email, order.gift_delivery_date, order.gift_personal_note)


@router.post("/orders")
async def create_order(session: Session, customer: CurrentCustomer, client: Client, body: Body) -> Any:
    if "customerId" in body and number(body, "customerId") != customer.id:
        raise Refused(403, "Customer id does not match the JWT")
    offer = await offer_by_id(session, string(body, "offerId", max_length=40) or "", merchant_id=customer.merchant_id)
    coupon = string(body, "couponCode", max_length=100)
    method = _method_of(body)
    try:
        view = await orders.create_order(
            session,
            customer,
            offer.price.id,
            client=client,
            country_code=string(body, "country", max_length=2),
            voucher_code=coupon,
            buy_as_gift=flag(body, "buyAsAGift") is True,
            payment_method=method,
        )
    except VoucherRefused as refused:
        if not coupon:
            raise
        raise coupon_refused(refused, coupon) from None
    except NotOnSale as refused:
        raise offer_inactive(refused) from None
    return answer({"order": _render(customer, view), "message": "Order created", "success": True})


@router.get("/orders/{order_id}")
async def read_order(session: Session, customer: CurrentCustomer, order_id: int = OrderId) -> Any:
    view = await orders.read_order(session, customer, order_id)
    return answer({"order": _render(customer, view), "message": "", "success": True})


@router.patch("/orders/{order_id}")
async def update_order(
    session: Session, customer: CurrentCustomer, client: Client, body: Body, order_id: int = OrderId
) -> Any:
    changes: dict[str, Any] = {}
    coupon = string(body, "couponCode", max_length=100) if "couponCode" in body else None
    if "couponCode" in body:
        changes["voucher_code"] = coupon or None
    if "paymentMethodId" in body:
        changes["payment_method"] = _method_of(body)
    if "buyAsAGift" in body:  # the SDK's "Purchase as a gift" and "Purchase for myself"
        changes["buy_as_gift"] = flag(body, "buyAsAGift")
    if "deliveryDetails" in body:
        changes["delivery"] = delivery_of(body)
    try:
        view = await orders.update_order(session, customer, order_id, client=client, **changes)
    except VoucherRefused as refused:
        if not coupon:
            raise
        raise coupon_refused(refused, coupon) from None
    return answer({"order": _render(customer, view), "message": "Order updated", "success": True})


@router.get("/payment-methods")
async def payment_methods(customer: CurrentCustomer) -> Any:
    listed = [
        {"id": id_, "methodName": name, "paymentGateway": gateway, "logoUrl": ""}
        for id_, name, gateway, _ in PAYMENT_METHODS
    ]
    return answer({"paymentMethods": listed, "message": "Payment methods retrieved", "status": 200})


def method_name(payment: Payment) -> str:
    """The way a payment was made, in the SDK's names: what it paid with, or, for nothing to pay, how that came."""
    if payment.method != FREE:
        return payment.method
    return "coupon" if payment.voucher_id is not None else "free-offer"


def paid_order(paid: orders.PaidOrder) -> dict[str, Any]:
    return payment(paid.payment, paid.order, letter(paid.price) if paid.price else "")


def payment(payment: Payment, order: Order | None, kind: str) -> dict[str, Any]:
    return {
        "id": payment.id,
        "orderId": order.id if order else None,
        "status": "captured" if payment.status == PaymentStatus.SUCCEEDED else payment.status,
        "totalAmount": decimal(payment.amount, payment.currency),
        "currency": payment.currency,
        "customerId": payment.customer_id,
        "paymentGateway": method_name(payment) if payment.method == FREE else payment.gateway,
        "paymentMethod": method_name(payment),
        "externalPaymentId": payment.gateway_charge_id or "",
        "couponId": payment.voucher_id,
        "amount": decimal(payment.amount, payment.currency),
        "country": payment.country_code or "",
        "offerType": kind,
        "taxValue": decimal(taxes.split(payment.amount, order.tax_rate)[1], payment.currency) if order else 0,
        "paymentMethodFee": 0,
        "customerServiceFee": 0,
        "rejectedReason": payment.decline_code,
        "refundedReason": None,
        "paymentDetailsId": None,
        "paymentOperation": "initial-payment",
        "gatewaySpecificParams": {},
    }


@router.post("/payments")
async def pay_without_details(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    client: Client,
    body: Body,
    sessions: OwnTransactions,
) -> Any:
    """Purchase without payment details: an order with nothing to pay, whichever method it last named (the SDK
    names the free method in a request of its own, which a customer's click may overtake)."""
    order_id = number(body, "orderId")
    if order_id is None:
        raise Refused(422, "Invalid param orderId", INVALID_BODY)
    gateway = await request.app.state.gateways.current(merchant.id)
    try:
        paid = await orders.pay_order_of_nothing(sessions, gateway, merchant, customer, order_id, client)
    except VoucherRefused as refused:
        raise coupon_refused(refused, None) from None
    return answer(paid_order(paid))
