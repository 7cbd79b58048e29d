"""Ways to pay besides a typed card: `GET /payments/methods`, the v2 methods (`POST /v2/payments`,
`POST /v2/subscriptions` with `payment_method` ideal, Direct Debit, google pay on web, apple pay on web), the
direct debit mandate (`GET`/`POST /v2/payments/direct-debit/mandate`) and PayPal (`POST /external-payments`).

Each answers as `POST /payments` does: what is known at once, a `redirect_to_url` and `pi_id` where the payer
approves on a page (the app then calls `confirmPayment(pi_id)`), a 402 for a decline; a direct debit clears later
and its outcome arrives by the gateway's event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, NotRequired

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.billing import payment_methods, purchases, subscriptions
from boxoffice.billing.models import PaymentProfile, PaymentStatus
from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import Client, CurrentCustomer, Session, TokenMerchant
from boxoffice.dialects.inplayer.forms import integer, text
from boxoffice.dialects.inplayer.payments import CARD, RETURN_URL, VOUCHER, Submitted, idempotency_key, submitted
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import BankAccount, Wallet
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])

BY_METHOD = bodies.form(
    bodies.text("payment_method", "`ideal`, `Direct Debit`, `google pay on web` or `apple pay on web`", required=True),
    bodies.integer("access_fee_id", "The access fee bought or subscribed to", required=True),
    bodies.text("bank", "iDEAL's bank, such as `ing` or `rabobank`"),
    RETURN_URL,
    VOUCHER,
)
MANDATE = bodies.form(
    bodies.text("name", "The account holder", required=True),
    bodies.text("iban", "The account's IBAN", required=True),
    bodies.text("address", "The account holder's address"),
)
PAYPAL_ASK = bodies.form(
    bodies.integer("payment_method", "2, PayPal", required=True),
    bodies.integer("access_fee", "The access fee bought", required=True),
    bodies.text("origin", "The page PayPal sends the payer back to", required=True),
    VOUCHER,
)


class ListedMethod(TypedDict):
    id: int
    method_name: str
    is_external: bool


class MandateShown(TypedDict):
    bank_code: str | None
    branch_code: str
    country: str | None
    fingerprint: str
    last4: str | None
    mandate_reference: str | None
    mandate_url: None


class MandateState(TypedDict):
    is_approved: bool
    statement_descriptor: str
    mandate: MandateShown


class MandateSource(TypedDict):
    """The mandate, in the shape of the Stripe SEPA source InPlayer hands back."""

    id: str | None
    currency: str
    created: int
    client_secret: None
    owner: str | None
    full_name: str | None
    statement_descriptor: str
    status: str
    type_data: MandateShown


class PayPalShown(TypedDict):
    business: str
    item_name: str
    currency_code: str
    cancel_return: str


# Where to send the payer (`endpoint`) and where PayPal sends them back (`return`, a keyword in a class body);
# `id` when the viewer already has access.
PayPalParameters = TypedDict(
    "PayPalParameters",
    {
        "business": str,
        "item_name": str,
        "currency_code": str,
        "cancel_return": str,
        "endpoint": str | None,
        "return": str,
        "id": NotRequired[int | None],
    },
)
PAYPAL = 2
# `GET /payments/methods`: InPlayer's ids for card (1) and PayPal (2); the v2 methods after them.
LISTED = [
    (CARD, "Card", False, methods.CARD),
    (PAYPAL, "Paypal", True, methods.PAYPAL),
    (3, "Direct Debit", False, methods.SEPA_DEBIT),
    (4, "iDEAL", False, methods.IDEAL),
    (5, "Google Pay", False, methods.GOOGLE_PAY),
    (6, "Apple Pay", False, methods.APPLE_PAY),
]
# In-app purchases, named as InPlayer's external payments are (never listed: they are paid in the store's app).
STORE_NAMES = {"apple": "Apple", "google_play": "Google Play", "amazon": "Amazon", "roku": "Roku"}
NAMES = {kind: name for _, name, _, kind in LISTED} | STORE_NAMES
# The v2 `payment_method` values the SDK sends, as the core names them.
V2_METHODS = {
    "ideal": methods.IDEAL,
    "direct debit": methods.SEPA_DEBIT,
    "google pay on web": methods.GOOGLE_PAY,
    "apple pay on web": methods.APPLE_PAY,
}
MAX_URL = 2048


def method_name(kind: str) -> str:
    return NAMES.get(kind, "Card")


@router.get("/payments/methods")
async def list_payment_methods(request: Request, customer: CurrentCustomer) -> list[ListedMethod]:
    """The ways the viewer can pay.

    The sandbox takes every method; through Stripe, cards are taken here (the rest need Stripe.js)."""
    gateway = await request.app.state.gateways.current(customer.merchant_id)
    return [
        {"id": id_, "method_name": name, "is_external": external}
        for id_, name, external, kind in LISTED
        if gateway.name == "sandbox" or kind == methods.CARD
    ]


def _absolute_url(value: str | None, name: str, *, required: bool) -> str | None:
    url = (value or "").strip()
    if not url:
        if required:
            raise InvalidInput({name: f"The {name} is required"})
        return None
    if len(url) > MAX_URL or not url.startswith(("https://", "http://")) or not url.isprintable():
        raise InvalidInput({name: f"The {name} must be an absolute http(s) URL"})
    return url


def _source(body: dict[str, Any]) -> tuple[payment_methods.Source, str | None]:
    """The method a v2 form names, and the URL the payer comes back to after approving it."""
    given = (text(body, "payment_method") or "").strip().lower()
    kind = V2_METHODS.get(given)
    if kind is None:
        raise InvalidInput(
            {"payment_method": "The payment method is one of ideal, Direct Debit, google pay on web, apple pay on web"}
        )
    if kind == methods.SEPA_DEBIT:
        return payment_methods.Mandate(), None
    if kind == methods.IDEAL:
        bank = (text(body, "bank") or "").strip().lower()
        if bank not in methods.IDEAL_BANKS:
            raise InvalidInput({"bank": "The bank is one of iDEAL's banks, such as ing or rabobank"})
        return Wallet(kind, bank), _absolute_url(text(body, "return_url"), "return_url", required=True)
    return Wallet(kind), _absolute_url(text(body, "return_url"), "return_url", required=False)


def _fee_id(body: dict[str, Any], name: str) -> int:
    fee_id = integer(body, name)
    if fee_id is None:
        raise InvalidInput({name: "The access fee is required"})
    return fee_id


@router.post("/v2/payments")
async def pay_by_method(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(BY_METHOD)],
    client: Client,
    sessions: OwnTransactions,
) -> Submitted:
    """Buy an access fee with iDEAL, Direct Debit, Google Pay or Apple Pay.

    Where the payer approves it on a page, the answer names it (`redirect_to_url`) and the `pi_id` to confirm."""
    source, return_url = _source(body)
    fee_id = _fee_id(body, "access_fee_id")
    payment = await purchases.buy_access(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        price_id=fee_id,
        source=source,
        idempotency_key=idempotency_key(request, customer.id),
        return_url=return_url,
        client=client,
        voucher_code=text(body, "voucher_code") or None,
    )
    return submitted(payment)


@router.post("/v2/subscriptions")
async def subscribe_by_method(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(BY_METHOD)],
    client: Client,
    sessions: OwnTransactions,
) -> Submitted:
    """Subscribe to an access fee with iDEAL, Direct Debit, Google Pay or Apple Pay."""
    source, return_url = _source(body)
    fee_id = _fee_id(body, "access_fee_id")
    started = await subscriptions.subscribe(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        price_id=fee_id,
        source=source,
        idempotency_key=idempotency_key(request, customer.id),
        return_url=return_url,
        client=client,
        voucher_code=text(body, "voucher_code") or None,
    )
    return submitted(started.payment)


def _mandate(profile: PaymentProfile) -> MandateShown:
    return {
        "bank_code": profile.mandate_bank_code,
        "branch_code": "",
        "country": profile.mandate_country,
        "fingerprint": (profile.mandate_token or "")[-16:],
        "last4": profile.mandate_last4,
        "mandate_reference": profile.mandate_reference,
        "mandate_url": None,
    }


@router.get("/v2/payments/direct-debit/mandate")
async def get_mandate(request: Request, session: Session, customer: CurrentCustomer) -> MandateState:
    """The viewer's SEPA Direct Debit mandate."""
    gateway = await request.app.state.gateways.current(customer.merchant_id)
    profile = await payment_methods.mandate_of(session, customer.merchant_id, customer.id, gateway)
    return {"is_approved": True, "statement_descriptor": "BOXOFFICE", "mandate": _mandate(profile)}


@router.post("/v2/payments/direct-debit/mandate")
async def create_mandate(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(MANDATE)],
    sessions: OwnTransactions,
) -> MandateSource:
    """Set up the viewer's SEPA Direct Debit mandate.

    Answers in the shape of the Stripe SEPA source InPlayer hands back."""
    account = BankAccount(text(body, "name") or "", text(body, "iban") or "", text(body, "address"))
    profile = await payment_methods.set_mandate(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        account,
    )
    return {
        "id": profile.mandate_token,
        "currency": "eur",
        "created": clock.unix(profile.mandate_created_at or clock.now()),
        "client_secret": None,
        "owner": profile.mandate_holder,
        "full_name": profile.mandate_holder,
        "statement_descriptor": "BOXOFFICE",
        "status": "chargeable",
        "type_data": _mandate(profile),
    }


@dataclass(frozen=True, slots=True)
class _PayPalAsk:
    """What `POST /external-payments` asks for, read before the purchase takes over (see kit.requests)."""

    origin: str
    fee_id: int
    product_title: str
    currency: str
    owned: int | None  # the entitlement the viewer already watches by


async def _paypal_ask(
    session: Session, customer: CurrentCustomer, merchant: TokenMerchant, body: Annotated[Fields, Depends(PAYPAL_ASK)]
) -> _PayPalAsk:
    if integer(body, "payment_method") != PAYPAL:
        raise InvalidInput({"payment_method": "PayPal is payment method 2"})
    origin = _absolute_url(text(body, "origin"), "origin", required=True)
    assert origin is not None
    fee_id = _fee_id(body, "access_fee")
    product_title, currency = await purchases.offer_of(session, merchant.id, fee_id)
    owned = await purchases.entitled_already(session, merchant.id, customer.id, fee_id)
    return _PayPalAsk(origin, fee_id, product_title, currency, owned)


@router.post("/external-payments")
async def paypal_parameters(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    ask: Annotated[_PayPalAsk, Depends(_paypal_ask)],
    body: Annotated[Fields, Depends(PAYPAL_ASK)],
    client: Client,
    sessions: OwnTransactions,
) -> PayPalParameters:
    """Start a PayPal payment: the SDK's `getPayPalParams`.

    Where to send the payer (`endpoint`) and where PayPal sends them back. An `id` in the answer says the viewer
    already has access, as the OTT web app reads it."""
    origin = ask.origin
    back = f"{origin}{'&' if '?' in origin else '?'}ippwat=ppv"
    shown: PayPalShown = {
        "business": merchant.email,
        "item_name": ask.product_title,
        "currency_code": ask.currency,
        "cancel_return": origin,
    }
    if ask.owned is not None:
        return {**shown, "endpoint": origin, "return": back, "id": ask.owned}
    payment = await purchases.buy_access(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        price_id=ask.fee_id,
        source=Wallet(methods.PAYPAL),
        idempotency_key=idempotency_key(request, customer.id),
        return_url=back,
        client=client,
        voucher_code=text(body, "voucher_code") or None,
    )
    submitted(payment)
    if payment.status != PaymentStatus.REQUIRES_ACTION:  # a voucher took it all: nothing to approve
        return {**shown, "endpoint": origin, "return": back, "id": payment.entitlement_id}
    return {
        "business": shown["business"],
        "item_name": shown["item_name"],
        "currency_code": shown["currency_code"],
        "cancel_return": shown["cancel_return"],
        "endpoint": payment.redirect_url,
        "return": f"{back}&payment_intent={payment.gateway_charge_id}",
    }
