"""Checkout: `POST /orders` (`buyAsAGift` for a giftable offer), `GET`/`PATCH /orders/{orderId}` (a coupon, the
way to pay, a gift's `deliveryDetails`), `GET /payment-methods`, and `POST /payments` for an order with nothing to
pay (a free offer, or a coupon that takes it all). Orders answer as `{order, message, success}`; the coupon
refusals carry the texts ott-web-app matches."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.billing import orders
from boxoffice.billing.models import Order, Payment, PaymentStatus
from boxoffice.billing.payment_methods import FREE
from boxoffice.billing.refusals import NotOnSale
from boxoffice.catalog import taxes
from boxoffice.dialects.cleeng.body import Fields, Flag, Text, Whole, declare
from boxoffice.dialects.cleeng.gifts import DELIVERY, delivery_of
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import letter
from boxoffice.dialects.cleeng.orders import METHOD_BY_ID, PAYMENT_METHODS, OrderBody, render_order
from boxoffice.dialects.cleeng.transactions import method_name
from boxoffice.dialects.mediastore.deps import Client, CurrentCustomer, CurrentMerchant, Session
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused, coupon_refused, offer_inactive
from boxoffice.dialects.mediastore.offers import offer_by_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.kit.requests import OwnTransactions
from boxoffice.promotions.refusals import VoucherRefused

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
OrderId = Path(ge=1, le=2**53)
METHOD_ID = Whole("paymentMethodId", "How the order will be paid: an id of `GET /payment-methods`, or 0 for not yet")
COUPON_CODE = Text("couponCode", 'A coupon to apply ("" removes the one applied)', max_length=100)
BUY_AS_A_GIFT = Flag("buyAsAGift", "Bought as a gift (for a giftable offer)")
CUSTOMER_ID = Whole("customerId", "The customer the JWT names, when given")
OFFER_ID = Text(
    "offerId", "The offer to buy: `S000000042_EU`, with or without its suffix", max_length=40, required=True
)
COUNTRY = Text("country", "The customer's country (ISO 3166 alpha-2), for the tax", max_length=2)
CREATE = declare(CUSTOMER_ID, OFFER_ID, COUPON_CODE, METHOD_ID, COUNTRY, BUY_AS_A_GIFT)
UPDATE = declare(
    COUPON_CODE,
    METHOD_ID,
    BUY_AS_A_GIFT,
    replace(DELIVERY, required=False),
    description="Only what is given changes",
)
ORDER_ID = Whole("orderId", "The order to pay", required=True)
PAY = declare(ORDER_ID)


@with_config(CLOSED)
class OrderAnswer(TypedDict):
    order: OrderBody
    message: str
    success: bool


@with_config(CLOSED)
class PaymentMethod(TypedDict):
    id: int
    methodName: str
    paymentGateway: str
    logoUrl: str


@with_config(CLOSED)
class PaymentMethods(TypedDict):
    paymentMethods: list[PaymentMethod]
    message: str
    status: int


@with_config(CLOSED)
class PaymentBody(TypedDict):
    """A payment as the SDK's Payment type has it."""

    id: int
    orderId: int | None
    status: str  # `captured` once paid
    totalAmount: float
    currency: str
    customerId: int
    paymentGateway: str
    paymentMethod: str
    externalPaymentId: str
    couponId: int | None
    amount: float
    country: str
    offerType: str
    taxValue: float
    paymentMethodFee: int
    customerServiceFee: int
    rejectedReason: str | None
    refundedReason: None
    paymentDetailsId: None
    paymentOperation: str
    gatewaySpecificParams: dict[str, Any]


def _method_of(body: Fields) -> str | None:
    """The core's method a body's `paymentMethodId` names; 0 (the SDK's "not chosen yet") or none is none."""
    method_id = METHOD_ID.read(body)
    if method_id and method_id not in METHOD_BY_ID:
        raise Refused(422, "No payment method found", INVALID_BODY)
    return METHOD_BY_ID.get(method_id or 0)


@router.post("/orders")
async def create_order(
    session: Session, customer: CurrentCustomer, client: Client, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[OrderAnswer]:
    """Start buying an offer: an order priced for the customer (tax, trial, coupon), to be paid."""
    if CUSTOMER_ID.name in body and CUSTOMER_ID.read(body) != customer.id:
        raise Refused(403, "Customer id does not match the JWT")
    offer = await offer_by_id(session, OFFER_ID.read(body) or "", merchant_id=customer.merchant_id)
    coupon = COUPON_CODE.read(body)
    method = _method_of(body)
    try:
        view = await orders.create_order(
            session,
            customer,
            offer.price.id,
            client=client,
            country_code=COUNTRY.read(body),
            voucher_code=coupon,
            buy_as_gift=BUY_AS_A_GIFT.read(body) is True,
            payment_method=method,
        )
    except VoucherRefused as refused:
        if not coupon:
            raise
        raise coupon_refused(refused, coupon) from None
    except NotOnSale as refused:
        raise offer_inactive(refused) from None
    return answer({"order": render_order(customer, view), "message": "Order created", "success": True})


@router.get("/orders/{order_id}")
async def read_order(session: Session, customer: CurrentCustomer, order_id: int = OrderId) -> Answer[OrderAnswer]:
    """One of the customer's orders."""
    view = await orders.read_order(session, customer, order_id)
    return answer({"order": render_order(customer, view), "message": "", "success": True})


@router.patch("/orders/{order_id}")
async def update_order(
    session: Session,
    customer: CurrentCustomer,
    client: Client,
    body: Annotated[Fields, Depends(UPDATE)],
    order_id: int = OrderId,
) -> Answer[OrderAnswer]:
    """Apply or remove a coupon, choose how to pay, buy as a gift or not and say to whom: the order repriced."""
    changes: dict[str, Any] = {}
    coupon = COUPON_CODE.read(body) if COUPON_CODE.name in body else None
    if COUPON_CODE.name in body:
        changes["voucher_code"] = coupon or None
    if METHOD_ID.name in body:
        changes["payment_method"] = _method_of(body)
    if BUY_AS_A_GIFT.name in body:  # the SDK's "Purchase as a gift" and "Purchase for myself"
        changes["buy_as_gift"] = BUY_AS_A_GIFT.read(body)
    if DELIVERY.name in body:
        changes["delivery"] = delivery_of(body)
    try:
        view = await orders.update_order(session, customer, order_id, client=client, **changes)
    except VoucherRefused as refused:
        if not coupon:
            raise
        raise coupon_refused(refused, coupon) from None
    return answer({"order": render_order(customer, view), "message": "Order updated", "success": True})


@router.get("/payment-methods")
async def payment_methods(customer: CurrentCustomer) -> Answer[PaymentMethods]:
    """The ways an order can be paid, by the ids `paymentMethodId` names."""
    listed: list[PaymentMethod] = [
        {"id": id_, "methodName": name, "paymentGateway": gateway, "logoUrl": ""}
        for id_, name, gateway, _ in PAYMENT_METHODS
    ]
    return answer({"paymentMethods": listed, "message": "Payment methods retrieved", "status": 200})


def paid_order(paid: orders.PaidOrder) -> PaymentBody:
    return payment(paid.payment, paid.order, letter(paid.price) if paid.price else "")


def payment(payment: Payment, order: Order | None, kind: str) -> PaymentBody:
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
    body: Annotated[Fields, Depends(PAY)],
    sessions: OwnTransactions,
) -> Answer[PaymentBody]:
    """Purchase without payment details.

    An order with nothing to pay, whichever method it last named (the SDK names the free method in a request of
    its own, which a customer's click may overtake)."""
    order_id = ORDER_ID.read(body)
    if order_id is None:
        raise Refused(422, "Invalid param orderId", INVALID_BODY)
    gateway = await request.app.state.gateways.current(merchant.id)
    try:
        paid = await orders.pay_order_of_nothing(sessions, gateway, merchant, customer, order_id, client)
    except VoucherRefused as refused:
        raise coupon_refused(refused, None) from None
    return answer(paid_order(paid))
