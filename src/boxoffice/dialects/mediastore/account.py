"""My Account's reads: `GET /customers/{customerId}/transactions` (what was paid, whichever API paid it) and
`GET /customers/{customerId}/payment_details` (the card, or PayPal, renewals are charged to), and a transaction's
receipt (`GET /receipt/{transactionId}`, a PDF)."""

from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import with_config
from starlette.responses import Response
from typing_extensions import TypedDict

from boxoffice.billing import history, payment_methods, receipts
from boxoffice.billing.models import PaymentProfile
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id
from boxoffice.dialects.cleeng.orders import ID_BY_METHOD
from boxoffice.dialects.cleeng.transactions import method_name, transaction_id
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_PATH, Refused
from boxoffice.dialects.mediastore.publishers import publisher_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.gateways import methods
from boxoffice.identity.merchants import merchant_of
from boxoffice.kit import clock
from boxoffice.kit.money import Money

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
_TRANSACTION = re.compile(r"^T([0-9]{1,18})$")


@with_config(CLOSED)
class Transaction(TypedDict):
    transactionId: str  # `T000000042`
    transactionDate: int
    offerId: str
    offerTitle: str
    offerType: str
    paymentMethod: str
    transactionPriceInclTax: str  # `5.7800`
    transactionCurrency: str
    customerEmail: str
    publisherId: int
    couponCode: None
    targetType: Literal["offerId", "giftId"]
    targetId: str
    externalData: None


@with_config(CLOSED)
class Transactions(TypedDict):
    items: list[Transaction]


@with_config(CLOSED)
class MethodParams(TypedDict):
    holderName: str
    cardExpirationDate: str  # `MM/YYYY` for a card, "" otherwise
    lastCardFourDigits: str
    variant: str


@with_config(CLOSED)
class PaymentDetail(TypedDict):
    id: int
    customerId: int
    paymentGateway: str
    paymentMethod: str
    paymentMethodId: int
    active: bool
    bound: bool
    paymentMethodSpecificParams: MethodParams


@with_config(CLOSED)
class PaymentDetails(TypedDict):
    paymentDetails: list[PaymentDetail]


@with_config(CLOSED)
class DeletedPaymentDetails(TypedDict):
    paymentDetailsId: int


def _money(minor: int, currency: str) -> str:
    """Transactions carry money as text with four decimals: `5.7800`."""
    return f"{Money(minor, currency).as_decimal():.4f}"


@router.get("/customers/{customer_id}/transactions")
async def transactions(
    session: Session,
    customer: CurrentCustomer,
    customer_id: int = Path(ge=1),
    limit: int = Query(50, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Answer[Transactions]:
    """What the customer paid, newest first, whichever API it was paid through."""
    own(customer, customer_id)
    merchant = await merchant_of(session, customer.merchant_id)
    found = await history.payments_page(
        session,
        customer.merchant_id,
        filters=history.PaymentsFilter(customer_id=customer.id, type="payment"),
        page=offset // limit,
        limit=limit,
    )
    items: list[Transaction] = []
    for paid in found.rows:
        payment, product, price = paid.payment, paid.product, paid.price
        items.append(
            {
                "transactionId": transaction_id(payment),
                "transactionDate": clock.unix(payment.created_at),
                "offerId": offer_id(price) if price else "",
                "offerTitle": product.title,
                "offerType": letter(price) if price else "",
                "paymentMethod": method_name(payment),
                "transactionPriceInclTax": _money(payment.amount, payment.currency),
                "transactionCurrency": payment.currency,
                "customerEmail": customer.email,
                "publisherId": publisher_id(merchant),
                "couponCode": None,
                "targetType": "giftId" if paid.gift else "offerId",
                "targetId": str(paid.gift.gift.id) if paid.gift else (offer_id(price) if price else ""),
                "externalData": None,
            }
        )
    return answer({"items": items})


def payment_detail(profile: PaymentProfile) -> PaymentDetail:
    """The customer's default method as a payment detail: `active`, as it is what renewals are charged to."""
    kind = payment_methods.default_kind(profile)
    expiry = f"{profile.card_exp_month or 0:02d}/{profile.card_exp_year or 0}" if kind == methods.CARD else ""
    return {
        "id": profile.id,
        "customerId": profile.customer_id,
        "paymentGateway": profile.gateway,
        "paymentMethod": kind,
        "paymentMethodId": ID_BY_METHOD.get(kind, 0),
        "active": True,
        "bound": False,
        "paymentMethodSpecificParams": {
            "holderName": profile.card_holder or "",
            "cardExpirationDate": expiry,
            "lastCardFourDigits": profile.card_last4 or "",
            "variant": profile.card_brand or "",
        },
    }


@router.get("/customers/{customer_id}/payment_details")
async def payment_details(
    request: Request, session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1)
) -> Answer[PaymentDetails]:
    """The card, or PayPal, the customer's renewals are charged to (none, or one)."""
    own(customer, customer_id)
    gateway = await request.app.state.gateways.current(customer.merchant_id)
    profile = await payment_methods.default_method(session, customer.merchant_id, customer.id, gateway)
    return answer({"paymentDetails": [payment_detail(profile)] if profile is not None else []})


@router.get(
    "/receipt/{transaction_id}",
    response_class=Response,
    responses={200: {"description": "The receipt", "content": {"application/pdf": {"schema": {"type": "string"}}}}},
)
async def receipt(session: Session, customer: CurrentCustomer, transaction_id: str = Path(max_length=40)) -> Response:
    """A transaction's receipt, as a PDF (`T000000042`: a transaction id of `/transactions`)."""
    found = _TRANSACTION.fullmatch(transaction_id.strip())
    if found is None:
        raise Refused(422, "Invalid param transactionId", INVALID_PATH)
    kept = await receipts.load_receipt(session, customer.merchant_id, customer.id, int(found.group(1)))
    number = transaction_id.strip()
    return Response(
        await receipts.receipt_pdf(kept, number),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="receipt-{number}.pdf"'},
    )


@router.delete("/payment_details/{payment_details_id}")
async def delete_payment_details(
    request: Request, session: Session, customer: CurrentCustomer, payment_details_id: int = Path(ge=1, le=2**53)
) -> Answer[DeletedPaymentDetails]:
    """Forget the customer's card: renewals then have nothing to be charged to until a new one is added."""
    gateway = await request.app.state.gateways.current(customer.merchant_id)
    await payment_methods.forget_default_card(session, customer.merchant_id, customer.id, gateway, payment_details_id)
    return answer({"paymentDetailsId": payment_details_id})
