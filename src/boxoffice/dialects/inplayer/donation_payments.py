"""Donations by card: the SDK's `createDonationPayment` (`POST /v2/payments/donation`) and
`confirmDonationPayment` (`POST /v2/payments/donation:confirm`). They answer as `POST /payments` does: at once,
a 402 naming a decline, or the `redirect_to_url` and `pi_id` of a 3-D Secure challenge to confirm after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from boxoffice.billing import donations
from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.amounts import decimal_field, money_of
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import Client, CurrentCustomer, TokenMerchant
from boxoffice.dialects.inplayer.forms import integer, text
from boxoffice.dialects.inplayer.payments import RETURN_URL, Submitted, card_fields, card_of, idempotency_key, submitted
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.money import Money
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["payments"])

DONATE = bodies.form(
    bodies.integer("item_id", "The item donated to", required=True),
    bodies.integer("donation_id", "One of the item's donation amounts; or else"),
    bodies.amount("amount", "An amount of the viewer's own, where the item takes one"),
    bodies.text("currency_iso", "The currency of `amount`"),
    bodies.text("payment_method", "`1` or `card` (donations are taken by card)"),
    *card_fields(required=True),
    RETURN_URL,
)
CONFIRM = bodies.form(bodies.text("pi_id", "The donation's payment, after the payer approved it", required=True))
# The SDK passes the app's `paymentMethod` through as it is: InPlayer's card id or its name.
CARD_NAMES = ("", "1", "card")


def _by_card(body: dict[str, Any]) -> None:
    if (text(body, "payment_method") or "").strip().lower() not in CARD_NAMES:
        raise InvalidInput({"payment_method": "Donations are taken by card (1)"})


def _own_amount(body: dict[str, Any]) -> Money | None:
    """The amount and currency the viewer typed, for an item that takes amounts of the viewer's own."""
    value = decimal_field(body, "amount")
    if value is None:
        return None
    currency = (text(body, "currency_iso") or "").strip().upper()
    if not is_currency(currency):
        raise InvalidInput({"currency_iso": refusal(currency)})
    return money_of(value, currency, "amount")


@router.post("/v2/payments/donation")
async def create_donation_payment(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(DONATE)],
    client: Client,
    sessions: OwnTransactions,
) -> Submitted:
    """Donate to an item by card: one of its amounts, or the viewer's own.

    As `POST /payments` answers: a decline is a 402; 3-D Secure answers `redirect_to_url` and the `pi_id`."""
    _by_card(body)
    item_id = integer(body, "item_id")
    if item_id is None:
        raise InvalidInput({"item_id": "The item is required"})
    option_id = integer(body, "donation_id")
    # A chosen option's own amount and currency are what is charged; the ones sent with it are not looked at.
    amount = _own_amount(body) if option_id is None else None
    card, key = card_of(body), idempotency_key(request, customer.id)
    payment = await donations.donate(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        product_id=item_id,
        option_id=option_id,
        amount=amount,
        source=card,
        idempotency_key=key,
        return_url=text(body, "return_url"),
        client=client,
    )
    return submitted(payment)


@router.post("/v2/payments/donation:confirm")
async def confirm_donation_payment(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(CONFIRM)],
    sessions: OwnTransactions,
) -> Submitted:
    """Confirm a donation the payer approved (3-D Secure)."""
    charge_id = (text(body, "pi_id") or "").strip()
    if not charge_id:
        raise InvalidInput({"pi_id": "The payment intent (pi_id) is required"})
    payment = await donations.confirm_donation(sessions, request.app.state.gateways, merchant, customer, charge_id)
    return submitted(payment)
