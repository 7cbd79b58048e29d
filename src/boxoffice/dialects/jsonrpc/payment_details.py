"""Customers' payment details: the card (or wallet) a customer's renewals are charged to, listed by the customer's
e-mail (`listPaymentDetails`) and forgotten by its id (`deletePaymentDetails`), from the publisher's back end."""

from __future__ import annotations

from typing import Any

from boxoffice.billing import payment_methods
from boxoffice.billing.models import PaymentProfile
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import PaymentGateway
from boxoffice.identity import customers

MAX_EMAIL = 320
MAX_ID = 2**53


async def _gateway(call: Call, merchant_id: int) -> PaymentGateway:
    gateway: PaymentGateway = await call.request.app.state.gateways.current(merchant_id)
    return gateway


def _payment_details(profile: PaymentProfile) -> dict[str, Any]:
    kind = payment_methods.default_kind(profile)
    card = kind == methods.CARD
    return {
        "paymentDetailsId": profile.id,
        "paymentGateway": profile.gateway,
        "paymentMethod": kind,
        "cardExpirationDate": f"{profile.card_exp_month or 0:02d}/{profile.card_exp_year or 0}" if card else "",
        "cardLastFourDigits": (profile.card_last4 or "") if card else "",
    }


async def list_payment_details(call: Call) -> dict[str, Any]:
    """The customer's payment details: none, or the one their renewals are charged to."""
    merchant = await call.publisher()
    email = call.params.text("userEmail", max_length=MAX_EMAIL)
    customer = await customers.customer_by_email(call.session, merchant, email)
    gateway = await _gateway(call, merchant.id)
    profile = await payment_methods.default_method(call.session, merchant.id, customer.id, gateway)
    items = [_payment_details(profile)] if profile is not None else []
    return {"items": items, "totalItemCount": len(items)}


async def delete_payment_details(call: Call) -> dict[str, Any]:
    """Forget a customer's card: renewals then have nothing to be charged to until a new one is added."""
    merchant = await call.publisher()
    profile_id = call.params.integer("paymentDetailsId", minimum=1, maximum=MAX_ID)
    gateway = await _gateway(call, merchant.id)
    await payment_methods.forget_payment_details(call.session, merchant.id, gateway, profile_id)
    return {"success": True}


METHODS: Methods = {
    "listPaymentDetails": list_payment_details,
    "deletePaymentDetails": delete_payment_details,
}
