"""Payments by card: the SDK's `getPaymentMethods`, `createPayment` and `confirmPayment` (both `POST /payments`).

InPlayer answers `Submitted for payment` and tells the outcome later by notification. Boxoffice asks the gateway
within the request, so it says at once what it knows: a decline is a 402 naming its reason, and a card that needs
3-D Secure answers with the `redirect_to_url` the notification would carry.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, NotRequired

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.billing import charges, payment_methods, purchases
from boxoffice.billing.models import Payment, PaymentProfile, PaymentStatus
from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import Client, CurrentCustomer, Session, TokenMerchant
from boxoffice.dialects.inplayer.forms import integer, text
from boxoffice.dialects.inplayer.gifts import GIFT_FIELDS, gift_receiver
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.openapi import Field
from boxoffice.gateways.protocol import Card
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])


def card_fields(*, required: bool) -> tuple[Field, ...]:
    """The fields `card_of` reads, for the bodies of the routes that call it."""
    return (
        bodies.text("number", "The card number", required=required),
        bodies.text("card_name", "The name on the card", required=required),
        bodies.text("cvv", "The security code", required=required),
        bodies.integer("exp_month", "The expiry month", required=required),
        bodies.integer("exp_year", "The expiry year (two digits are this century's)", required=required),
    )


RETURN_URL = bodies.text("return_url", "Where the payer comes back to after approving the payment (3-D Secure)")
VOUCHER = bodies.text("voucher_code", "A voucher's code, for a discount")
PAYMENT = bodies.form(
    bodies.integer("access_fee", "The access fee bought"),
    bodies.integer("payment_method", "1, a card (the only method taken here)"),
    *card_fields(required=False),
    RETURN_URL,
    VOUCHER,
    *GIFT_FIELDS,
    bodies.text("pi_id", "The payment to confirm, after the payer approved it (`confirmPayment`); alone"),
    description="A card payment for an access fee, or (`pi_id` alone) the confirmation of one the payer approved",
)
DEFAULT_CARD = bodies.form(*card_fields(required=True), bodies.text("currency_iso", "The currency the card pays in"))


class Submitted(TypedDict):
    """A payment taken or under way; where the payer must approve it, where to send them and what to confirm."""

    code: int
    message: str
    redirect_to_url: NotRequired[str | None]
    pi_id: NotRequired[str | None]


class CardShown(TypedDict):
    number: str | None
    card_name: str | None
    exp_month: int | None
    exp_year: int | None


class DefaultCard(CardShown):
    card_type: str | None
    account_id: int


class DefaultCards(TypedDict):
    """The viewer's default card, keyed by its currency (empty without one)."""

    cards: dict[str, DefaultCard]


CARD = 1
MAX_KEY = 150


def card_of(body: dict[str, Any]) -> Card:
    problems: dict[str, str] = {}
    fields = {name: (text(body, name) or "").strip() for name in ("number", "card_name", "cvv")}
    for name, label in (("number", "card number"), ("card_name", "name on the card"), ("cvv", "security code")):
        if not fields[name]:
            problems[name] = f"The {label} is required"
    month, year = integer(body, "exp_month"), integer(body, "exp_year")
    if month is None:
        problems["exp_month"] = "The expiry month is required"
    if year is None:
        problems["exp_year"] = "The expiry year is required"
    elif 0 <= year < 100:
        year += 2000  # typed as on the card
    if len(fields["card_name"]) > 250:
        problems["card_name"] = "The name on the card may not be longer than 250 characters"
    if problems:
        raise InvalidInput(problems)
    assert month is not None and year is not None
    return Card(fields["number"][:40], month, year, fields["cvv"][:8], fields["card_name"])


def idempotency_key(request: Request, customer_id: int) -> str:
    """The client's `Idempotency-Key`, scoped to the customer; without one, every request is a new payment."""
    given = (request.headers.get("idempotency-key") or "").strip()
    if len(given) > MAX_KEY or (given and not given.isprintable()):
        raise InvalidInput({"idempotency_key": f"The Idempotency-Key header is 1 to {MAX_KEY} printable characters"})
    return f"{customer_id}:{given or uuid.uuid4()}"


@router.post("/payments")
async def create_payment(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(PAYMENT)],
    client: Client,
    sessions: OwnTransactions,
) -> Submitted:
    """Buy an access fee by card, or confirm a payment the payer approved.

    The gateway is asked within the request: a decline is a 402 naming its reason; a card that needs 3-D Secure
    answers `redirect_to_url` and the `pi_id` to confirm. An `Idempotency-Key` header makes a retry safe."""
    gateways = request.app.state.gateways
    charge_id = (text(body, "pi_id") or "").strip()
    if charge_id:
        payment = await charges.confirm_payment(sessions, gateways, merchant, customer, charge_id)
    else:
        method = integer(body, "payment_method")
        if method not in (None, CARD):
            raise InvalidInput({"payment_method": "Only card payments (1) are taken here"})
        price_id = integer(body, "access_fee")
        if price_id is None:
            raise InvalidInput({"access_fee": "The access fee is required"})
        payment = await purchases.buy_access(
            sessions,
            await gateways.current(merchant.id),
            merchant,
            customer,
            price_id=price_id,
            source=card_of(body),
            idempotency_key=idempotency_key(request, customer.id),
            return_url=text(body, "return_url"),
            client=client,
            voucher_code=text(body, "voucher_code"),
            gift_to=gift_receiver(body),
        )
    return submitted(payment)


def submitted(payment: Payment, code: int = 200) -> Submitted:
    """What a payment request answers: InPlayer's "Submitted for payment", a 402 naming a decline, or where the
    payer approves it (3-D Secure, a bank, a wallet) the `redirect_to_url` and the `pi_id` to confirm."""
    declined = charges.refusal(payment)
    if declined is not None:
        raise declined
    answer: Submitted = {"code": code, "message": "Submitted for payment"}
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        answer["redirect_to_url"] = payment.redirect_url
        answer["pi_id"] = payment.gateway_charge_id
    return answer


def _card_shown(profile: PaymentProfile) -> CardShown:
    return {
        "number": profile.card_last4,
        "card_name": profile.card_holder,
        "exp_month": profile.card_exp_month,
        "exp_year": profile.card_exp_year,
    }


@router.get("/v2/payments/cards/default")
async def get_default_card(request: Request, session: Session, customer: CurrentCustomer) -> DefaultCards:
    """The viewer's default card.

    Keyed by currency, as the OTT web app reads it (the SDK's typings say an array)."""
    gateway = await request.app.state.gateways.current(customer.merchant_id)
    profile = await payment_methods.default_card(session, customer.merchant_id, customer.id, gateway)
    if profile is None:
        return {"cards": {}}
    shown: DefaultCard = {**_card_shown(profile), "card_type": profile.card_brand, "account_id": customer.id}
    return {"cards": {profile.card_currency or "": shown}}


@router.put("/v2/payments/cards/default")
async def set_default_card(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(DEFAULT_CARD)],
    sessions: OwnTransactions,
) -> CardShown:
    """Make a card the viewer's default, for renewals."""
    profile = await payment_methods.set_default_card(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        card_of(body),
        text(body, "currency_iso"),
    )
    return _card_shown(profile)
