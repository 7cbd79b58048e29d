"""What was paid, and refunds: the viewer's `getPaymentHistory` (`GET /v2/accounting/payment-history`), the
merchant's `GET /payments/transactions` and `POST /v2/payments/refunds` (the contract)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, NotRequired

from fastapi import APIRouter, Depends, Query, Request
from typing_extensions import TypedDict

from boxoffice.billing import history, refunds
from boxoffice.billing.models import Payment, PaymentStatus, Refund
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.amounts import amount, decimal_field, money_of
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.dates import moment
from boxoffice.dialects.inplayer.deps import CurrentCustomer, CurrentMerchant, CurrentPrincipal, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.payment_methods import method_name
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity.accounts import customer_of
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])

REFUND = bodies.form(
    bodies.text("transaction_token", "The payment refunded, such as `C-123-SB`", required=True),
    bodies.amount("amount", "Part of the payment, such as 2.50; the rest of it unless told"),
    bodies.text("reason", "Why, for the merchant's records"),
)


class GiftShown(TypedDict):
    id: int
    code: str
    buyer_email: str
    receiver_email: str


class HistoryRow(TypedDict):
    """A payment; `donation_description` for a donation, `gift` (with its code) for a gift bought."""

    merchant_id: int
    consumer_id: int
    gateway_id: str
    transaction_token: str
    trx_token: str
    payment_tool_token: None
    payment_method_name: str
    action_type: str
    item_access_id: int | None
    item_id: int
    item_type: str
    item_title: str
    charged_amount: int | float
    currency_iso: str
    refunded_amount: int | float
    note: str
    created_at: int | None
    donation_description: NotRequired[str]
    gift: NotRequired[GiftShown]


class PaymentHistory(TypedDict):
    total: int
    collection: list[HistoryRow]


class Transactions(PaymentHistory):
    unique_paying_customers: int


class RefundBody(TypedDict):
    id: int
    transaction_token: str
    parent_transaction_token: str
    action_type: str
    amount: int | float
    currency_iso: str
    reason: str | None
    is_partial: bool
    status: str
    created_at: int | None


MAX_PAGE = 100
# Transaction tokens (§5.4): C- a one-time charge, R- a refund; the suffix names the gateway.
GATEWAY_SUFFIX = {"sandbox": "SB", "stripe": "ST", "apple": "AP", "google_play": "GP", "amazon": "AM", "roku": "RK"}
# Where a number is wanted for the gateway (the analytics' transactions).
GATEWAY_IDS = {"sandbox": 1, "stripe": 2}
_CHARGE_TOKEN = re.compile(r"^C-([1-9][0-9]{0,17})-(SB|ST|AP|GP|AM|RK)$")


def charge_token(payment: Payment) -> str:
    return f"C-{payment.id}-{GATEWAY_SUFFIX.get(payment.gateway, 'SB')}"


def payment_id_of(token: str | None) -> int:
    found = _CHARGE_TOKEN.match((token or "").strip())
    if found is None:
        raise InvalidInput({"transaction_token": "The transaction token names a payment, such as C-123-SB"})
    return int(found.group(1))


def _history_row(paid: history.PaidItem) -> HistoryRow:
    payment, product = paid.payment, paid.product
    token = charge_token(payment)
    row: HistoryRow = {
        "merchant_id": payment.merchant_id,
        "consumer_id": payment.customer_id,
        "gateway_id": payment.gateway,
        "transaction_token": token,
        "trx_token": token,
        "payment_tool_token": None,
        "payment_method_name": method_name(payment.method),
        "action_type": "payment" if payment.status == PaymentStatus.SUCCEEDED else "failed",
        "item_access_id": payment.entitlement_id,
        "item_id": product.id,
        "item_type": product.asset_type,
        "item_title": product.title,
        "charged_amount": amount(payment.amount, payment.currency),
        "currency_iso": payment.currency,
        "refunded_amount": amount(payment.refunded, payment.currency),
        "note": payment.decline_code or "",
        "created_at": render.ts(payment.created_at),
    }
    _add_gift_or_donation(row, paid)
    return row


def _add_gift_or_donation(row: HistoryRow, paid: history.PaidItem) -> None:
    """TransactionsDetails' `gift` and `donation_description`. A gift's code is shown only here, where only its
    buyer and the merchant look: the receiver never sees the buyer's payments."""
    payment, shown = paid.payment, paid.gift
    if payment.kind == "donation":
        if payment.status == PaymentStatus.SUCCEEDED:
            row["action_type"] = "donation"
        row["donation_description"] = payment.donation_description or ""
    elif shown is not None:
        gift = shown.gift
        row["gift"] = {
            "id": gift.id,
            "code": gift.code,
            "buyer_email": shown.buyer_email,
            "receiver_email": gift.receiver_email,
        }


@router.get("/v2/accounting/payment-history")
async def payment_history(
    session: Session,
    customer: CurrentCustomer,
    page: int = Query(0, ge=0, le=1_000_000),
    size: int = Query(15, ge=1, le=MAX_PAGE),
) -> PaymentHistory:
    """The viewer's payments, newest first, a page at a time."""
    found = await history.payments_page(
        session, customer.merchant_id, filters=history.PaymentsFilter(customer_id=customer.id), page=page, limit=size
    )
    return {"total": found.total, "collection": [_history_row(row) for row in found.rows]}


@router.get("/payments/transactions")
async def transactions(
    session: Session,
    principal: CurrentPrincipal,
    page: int = Query(0, ge=0, le=1_000_000),
    size: int = Query(15, ge=1, le=MAX_PAGE),
    customer_id: int | None = Query(None, ge=1, le=2**53),
    start_date: str | None = Query(None, max_length=32),
    end_date: str | None = Query(None, max_length=32),
    type: str | None = Query(None, max_length=32),
) -> Transactions:
    """Payments, newest first, a page at a time.

    A merchant sees all of its transactions (or one customer's); a viewer (the SDK's `getAssetsHistory`)
    sees their own. `start_date` and `end_date` (both included) are dates as `dates` reads them; `type` one of
    history.TYPES. In-app store payments don't exist here yet."""
    if not principal.is_merchant:
        customer_id = (await customer_of(session, principal)).id
    filters = history.PaymentsFilter(
        customer_id=customer_id,
        since=moment(start_date, "start_date", end=False),
        until=moment(end_date, "end_date", end=True),
        type=(type or "").strip() or None,
    )
    found = await history.payments_page(session, principal.merchant_id, filters=filters, page=page, limit=size)
    return {
        "total": found.total,
        "collection": [_history_row(row) for row in found.rows],
        "unique_paying_customers": found.paying_customers,
    }


def _refund(refund: Refund, payment: Payment) -> RefundBody:
    return {
        "id": refund.id,
        "transaction_token": f"R-{refund.id}-{GATEWAY_SUFFIX.get(payment.gateway, 'SB')}",
        "parent_transaction_token": charge_token(payment),
        "action_type": "refund",
        "amount": amount(refund.amount, refund.currency),
        "currency_iso": refund.currency,
        "reason": refund.reason,
        "is_partial": refund.amount < payment.amount,
        "status": refund.status,
        "created_at": render.ts(refund.created_at),
    }


async def _refunded(session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(REFUND)]) -> Payment:
    """The payment a refund is asked of, read before the refund takes over (see kit.requests)."""
    payment = await history.payment_of(session, merchant.id, payment_id_of(text(body, "transaction_token")))
    if payment is None:
        raise NotFound("Transaction not found")
    return payment


@router.post("/v2/payments/refunds")
async def refund_payment(
    request: Request,
    merchant: CurrentMerchant,
    payment: Annotated[Payment, Depends(_refunded)],
    body: Annotated[Fields, Depends(REFUND)],
    sessions: OwnTransactions,
) -> RefundBody:
    """Refund a payment, whole or in part, through its gateway.

    An `Idempotency-Key` header makes a retry safe."""
    value = decimal_field(body, "amount")
    minor = money_of(value, payment.currency, "amount").amount if value is not None else None
    given = (request.headers.get("idempotency-key") or "").strip()[:150]
    refund = await refunds.refund_payment(
        sessions,
        request.app.state.gateways,
        merchant.id,
        payment.id,
        amount=minor,
        reason=text(body, "reason"),
        idempotency_key=f"merchant:{given or uuid.uuid4()}",
    )
    # What is shown of the payment (its id, gateway and amount) is not changed by its refunds.
    return _refund(refund, payment)
