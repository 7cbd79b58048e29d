"""Payments by card: the SDK's `getPaymentMethods`, `createPayment` and `confirmPayment` (both `POST /payments`).

InPlayer answers `Submitted for payment` and tells the outcome later by notification. Boxoffice asks the gateway
within the request, so it says at once what it knows: a decline is a 402 naming its reason, and a card that needs
3-D Secure answers with the `redirect_to_url` the notification would carry.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from boxoffice.billing import charges, payment_methods, purchases
from boxoffice.billing.models import Payment, PaymentProfile, PaymentStatus
from boxoffice.dialects.inplayer.deps import Body, Client, CurrentCustomer, Session, TokenMerchant
from boxoffice.dialects.inplayer.forms import integer, text
from boxoffice.dialects.inplayer.gifts import gift_receiver
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.kit import OwnTransactions
from boxoffice.gateways.protocol import Card
from boxoffice.kit.errors import InvalidInput

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])
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
    body: Body,
    client: Client,
    sessions: OwnTransactions,
) -> dict[str, Any]:
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


def submitted(payment: Payment, code: int = 200) -> dict[str, Any]:
    """What a payment request answers: InPlayer's "Submitted for payment", a 402 naming a decline, or where the
    payer approves it (3-D Secure, a bank, a wallet) the `redirect_to_url` and the `pi_id` to confirm."""
    declined = charges.refusal(payment)
    if declined is not None:
        raise declined
    answer: dict[str, Any] = {"code": code, "message": "Submitted for payment"}
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        answer |= {"redirect_to_url": payment.redirect_url, "pi_id": payment.gateway_charge_id}
    return answer


def _card_shown(profile: PaymentProfile) -> dict[str, Any]:
    return {
        "number": profile.card_last4,
        "card_name": profile.card_holder,
        "exp_month": profile.card_exp_month,
        "exp_year": profile.card_exp_year,
    }


@router.get("/v2/payments/cards/default")
async def get_default_card(request: Request, session: Session, customer: CurrentCustomer) -> dict[str, Any]:
    """Keyed by currency, as the OTT web app reads it (the SDK's typings say an array)."""
    gateway = await request.app.state.gateways.current(customer.merchant_id)
    profile = await payment_methods.default_card(session, customer.merchant_id, customer.id, gateway)
    if profile is None:
        return {"cards": {}}
    shown = _card_shown(profile) | {"card_type": profile.card_brand, "account_id": customer.id}
    return {"cards": {profile.card_currency or "": shown}}


@router.put("/v2/payments/cards/default")
async def set_default_card(
    request: Request, customer: CurrentCustomer, merchant: TokenMerchant, body: Body, sessions: OwnTransactions
) -> dict[str, Any]:
    profile = await payment_methods.set_default_card(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        card_of(body),
        text(body, "currency_iso"),
    )
    return _card_shown(profile)
