"""Payments an external payment connector reports: `POST /payments` (a first payment for an offer, or with
`subscriptionId` the outcome of a renewal it was asked for), `PATCH /payments/{id}` (captured, rejected, refunded
or charged back) and `PATCH /payments/{id}/cancel` (an authorisation given up)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from typing_extensions import TypedDict

from boxoffice.billing import external_payments
from boxoffice.billing.external_payments import Change, PaymentReport, Reported
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import AppSettings, Client, Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng import money, offer_ids
from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, Whole, declare
from boxoffice.identity import customers
from boxoffice.kit import currencies
from boxoffice.kit.money import Money

router = APIRouter(route_class=Api31Route, tags=["api31"])

INITIAL, RECURRING = "initial-payment", "recurring-payment"
OPERATIONS = (INITIAL, RECURRING)
NUMBER = {"type": "number", "minimum": 0}
CUSTOMER_ID = Whole("customerId", "The customer who paid", required=True)
STATUS = Text("status", "What became of the payment", enum=("captured", "rejected", "authorized"), required=True)
OFFER_ID = Text("offerId", "The offer paid for, such as `S123456789_US`", max_length=40, required=True)
METHOD_ID = Whole("paymentMethodId", "The external payment method's settings id", required=True)
NET_AMOUNT = Shaped("netAmount", "What was paid before tax", NUMBER, required=True)
TAX_AMOUNT = Shaped("taxAmount", "The tax in what was paid", NUMBER, required=True)
CURRENCY = Text("currency", "An ISO 4217 code: the offer's", max_length=3, required=True)
EXTERNAL_ID = Text("externalPaymentId", "The gateway's id of the payment", max_length=64, required=True)
SUBSCRIPTION_ID = Whole("subscriptionId", "The subscription a recurring payment renews")
OPERATION = Text("paymentOperation", "`initial-payment` or `recurring-payment`", enum=OPERATIONS)
REJECTED_REASON = Text("rejectedReason", "Why the payment was rejected", max_length=500)
CREATE = declare(
    CUSTOMER_ID,
    STATUS,
    OFFER_ID,
    METHOD_ID,
    NET_AMOUNT,
    TAX_AMOUNT,
    CURRENCY,
    EXTERNAL_ID,
    SUBSCRIPTION_ID,
    OPERATION,
    REJECTED_REASON,
)
NEW_STATUS = Text("status", "What became of the payment", enum=("captured", "rejected", "refunded"), required=True)
NEW_EXTERNAL_ID = Text("externalPaymentId", "The gateway's id of the payment (or of its refund)", max_length=64)
UPDATE_OPERATION = Text("paymentOperation", "`initial-payment` or `recurring-payment`", enum=OPERATIONS)
REFUNDED_REASON = Text("refundedReason", "Why it was refunded", max_length=400)
REFUNDED_AMOUNT = Shaped("refundedAmount", "How much was refunded (all that is left when left out)", NUMBER)
REFUND_TYPE = Text("type", "`refund` or `chargeback`", enum=("refund", "chargeback"))
UPDATE = declare(
    NEW_STATUS, UPDATE_OPERATION, NEW_EXTERNAL_ID, REJECTED_REASON, REFUNDED_REASON, REFUNDED_AMOUNT, REFUND_TYPE
)


class PaymentData(TypedDict):
    id: int
    customerId: int
    subscriptionId: int | None
    status: str
    paymentOperation: str
    paymentMethodId: int | None
    paymentDetailsId: int | None
    externalPaymentId: str | None
    amount: float | int
    refundedAmount: float | int
    currency: str
    rejectedReason: str | None
    createdAt: str


def _status(payment: Payment) -> str:
    if payment.status == PaymentStatus.SUCCEEDED:
        return "refunded" if payment.amount and payment.refunded >= payment.amount else "captured"
    if payment.status == PaymentStatus.DECLINED:
        return "cancelled" if payment.decline_code == "cancelled" else "rejected"
    return "authorized" if payment.gateway_charge_id else "pending"


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def render_payment(payment: Payment) -> PaymentData:
    return {
        "id": payment.id,
        "customerId": payment.customer_id,
        "subscriptionId": payment.subscription_id,
        "status": _status(payment),
        "paymentOperation": RECURRING if payment.kind == "renewal" else INITIAL,
        "paymentMethodId": _number(payment.gateway_method),
        "paymentDetailsId": _number(payment.gateway_customer_ref),
        "externalPaymentId": payment.gateway_charge_id or None,
        "amount": money.decimal(payment.amount, payment.currency),
        "refundedAmount": money.decimal(payment.refunded, payment.currency),
        "currency": payment.currency,
        "rejectedReason": payment.decline_code,
        "createdAt": payment.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _decimal(field: Shaped, body: Fields) -> Decimal | None:
    value = field.read(body)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(400, f"Invalid param {field.name}: a number")
    if value < 0:
        raise Refused(422, f"{field.name} may not be negative")
    return Decimal(str(value))


def _minor(amount: Decimal, currency: str, name: str) -> int:
    try:
        return Money.from_decimal(amount, currency).amount
    except (ValueError, InvalidOperation):
        raise Refused(422, f"{name} has more decimals than {currency} has") from None
    except OverflowError:
        raise Refused(422, f"{name} is too large") from None


def _choice(field: Text, body: Fields) -> str | None:
    """A field that takes one of a few words: anything else is refused (422)."""
    value = field.read(body)
    if value is not None and value not in field.enum:
        raise Refused(422, f"{field.name} is one of {', '.join(field.enum)}")
    return value


def _currency(body: Fields) -> str:
    currency = (CURRENCY.read(body) or "").upper()
    if not currencies.is_known(currency):
        raise Refused(422, "currency is not an ISO 4217 currency code")
    return currency


@router.post("/payments", status_code=201)
async def create_payment(
    session: Session,
    settings: AppSettings,
    client: Client,
    publisher: Publisher,
    body: Annotated[Fields, Depends(CREATE)],
) -> Answer[PaymentData]:
    """Record a payment the publisher's external connector took: a first payment for an offer (a subscription
    offer starts a subscription billed through the connector), or, with `subscriptionId` and
    `paymentOperation: recurring-payment`, the outcome of the renewal it was asked to authorise or capture."""
    customer_id, method_id, status = CUSTOMER_ID.read(body), METHOD_ID.read(body), _choice(STATUS, body)
    offer, external_id = OFFER_ID.read(body), EXTERNAL_ID.read(body)
    net, tax = _decimal(NET_AMOUNT, body), _decimal(TAX_AMOUNT, body)
    subscription_id, operation = SUBSCRIPTION_ID.read(body), _choice(OPERATION, body)
    if customer_id is None or method_id is None or not status or not offer or not external_id:
        raise Refused(422, "customerId, status, offerId, paymentMethodId and externalPaymentId are required")
    if net is None or tax is None:
        raise Refused(422, "netAmount and taxAmount are required")
    currency = _currency(body)
    parsed = offer_ids.price_id_of(offer)
    if parsed is None:
        raise Refused(422, "offerId is not an offer id")
    if operation == RECURRING and subscription_id is None:
        raise Refused(422, "subscriptionId is required for a recurring payment")
    if subscription_id is not None and operation == INITIAL:
        raise Refused(422, "A payment for a subscription's renewal is a recurring-payment")
    customer = await customers.get_customer(session, publisher, customer_id)
    report = PaymentReport(
        payment_method_id=method_id,
        amount=_minor(net + tax, currency, "netAmount"),
        currency=currency,
        external_id=external_id,
        status={"captured": Reported.CAPTURED, "rejected": Reported.REJECTED}.get(status, Reported.AUTHORISED),
        price_id=parsed[1],
        subscription_id=subscription_id,
        rejected_reason=REJECTED_REASON.read(body),
    )
    payment = await external_payments.report_payment(
        session, publisher, customer, report, client=client, retry_days=settings.dunning_retry_days
    )
    return answer(render_payment(payment), 201)


@router.patch("/payments/{payment_id}")
async def update_payment(
    session: Session,
    settings: AppSettings,
    publisher: Publisher,
    body: Annotated[Fields, Depends(UPDATE)],
    payment_id: int = Path(ge=1, le=2**53),
) -> Answer[PaymentData]:
    """Report what became of a payment: a renewal awaited `captured` or `rejected`; one that went through
    `refunded` (`type: chargeback` for a chargeback), in whole or by `refundedAmount`."""
    status, kind = _choice(NEW_STATUS, body), _choice(REFUND_TYPE, body)
    _choice(UPDATE_OPERATION, body)
    refunded = _decimal(REFUNDED_AMOUNT, body)
    if not status:
        raise Refused(422, "status is required")
    payment = await external_payments.external_payment(session, publisher.id, payment_id)
    if refunded is not None and refunded <= 0:
        raise Refused(422, "refundedAmount must be greater than 0")
    change = {"captured": Change.CAPTURED, "rejected": Change.REJECTED}.get(status) or (
        Change.CHARGEBACK if kind == "chargeback" else Change.REFUNDED
    )
    reason = REJECTED_REASON.read(body) if change == Change.REJECTED else REFUNDED_REASON.read(body)
    amount = None if refunded is None else _minor(refunded, payment.currency, "refundedAmount")
    changed = await external_payments.change_payment(
        session,
        publisher,
        payment_id,
        external_payments.PaymentChange(change, NEW_EXTERNAL_ID.read(body), reason, amount),
        retry_days=settings.dunning_retry_days,
    )
    return answer(render_payment(changed))


@router.patch("/payments/{payment_id}/cancel")
async def cancel_payment(
    session: Session, settings: AppSettings, publisher: Publisher, payment_id: int = Path(ge=1, le=2**53)
) -> Answer[PaymentData]:
    """Give up an authorised payment that was never captured: a renewal's attempt counts as declined (dunning)."""
    changed = await external_payments.change_payment(
        session,
        publisher,
        payment_id,
        external_payments.PaymentChange(Change.CANCELLED),
        retry_days=settings.dunning_retry_days,
    )
    return answer(render_payment(changed))
