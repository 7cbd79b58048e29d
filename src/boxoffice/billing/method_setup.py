"""Keeping a way to pay for later without charging it: a card added in My Account, or a PayPal account approved
for renewals. The method is saved with the gateway, which verifies it with nothing charged (a zero-amount
authorisation, Stripe's SetupIntent). A bank that wants 3-D Secure, or a wallet that wants the payer's approval,
answers with a page where the payer completes it; the setup is then finished by its id. A verified method becomes
the customer's default: what their running subscriptions renew with from then on, and what is shown as their
payment details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, payment_methods
from boxoffice.billing import repository as repo
from boxoffice.billing.models import PaymentProfile
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import AnyCard, Card, GatewayError, PaymentGateway, SetupResult, SetupStatus, Wallet
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import NotFound, PaymentDeclined


@dataclass(frozen=True, slots=True)
class Setup:
    """Where a setup stands: verified (`profile` is the customer's new default method), or waiting for the payer
    at `redirect_url`."""

    setup_id: str
    status: SetupStatus
    redirect_url: str | None = None
    profile: PaymentProfile | None = None


def _shown(result: SetupResult, holder: str | None) -> dict[str, Any]:
    saved = result.method
    return {
        "method_token": saved.token,
        "card_brand": saved.brand,
        "card_last4": saved.last4,
        "card_exp_month": saved.exp_month or None,
        "card_exp_year": saved.exp_year or None,
        "card_holder": holder or None,
        "updated_at": clock.now(),
    }


async def _settle(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    result: SetupResult,
    holder: str | None,
) -> Setup:
    """A verified method becomes the default; a refused one is PaymentDeclined; a challenge is left waiting."""
    if result.status == "declined":
        code = result.decline_code or "card_declined"
        raise PaymentDeclined(code, charges.DECLINES.get(code, "The card was refused"))
    if result.status == "requires_action":
        return Setup(result.setup_id, result.status, result.redirect_url)
    kind = result.method.brand if result.method.brand in payment_methods.WALLETS else methods.CARD
    await payment_methods.keep_on_profile(
        sessions, gateway, merchant, customer, result.customer_ref, _shown(result, holder), kind
    )
    async with sessions() as session:
        profile = await payment_methods.default_method(session, merchant.id, customer.id, gateway)
    return Setup(result.setup_id, result.status, profile=profile)


async def start_setup(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    source: Card | Wallet,
    *,
    return_url: str | None,
) -> Setup:
    """Save `source` and have the gateway verify it, charging nothing; the payer comes back to `return_url` from
    a challenge. No connection of ours is held while the gateway is asked."""
    reference = await payment_methods.customer_ref_of(sessions, gateway, merchant, customer)
    saved = await payment_methods.save_method(gateway, merchant, reference, source)
    # The profile names the gateway's customer, by which a setup finished later is known to be theirs.
    await payment_methods.keep_on_profile(sessions, gateway, merchant, customer, reference, {})
    result = await gateway.set_up(
        merchant.id,
        customer_ref=reference,
        method_token=saved.token,
        idempotency_key=f"setup:{saved.token}",
        return_url=return_url,
    )
    holder = source.holder if isinstance(source, AnyCard) else None
    return await _settle(sessions, gateway, merchant, customer, result, holder)


async def finish_setup(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    setup_id: str,
) -> Setup:
    """After the payer's challenge or approval: ask the gateway where the setup stands, and keep the method if it
    was verified. Only the customer's own setups are found. The name on a card is not told by every gateway, so
    a card verified this way may be kept without it."""
    async with sessions() as session:
        profile = await repo.profile(session, merchant.id, customer.id, gateway.name)
    if profile is None:
        raise NotFound("No such payment details setup")
    try:
        result = await gateway.confirm_setup(merchant.id, setup_id)
    except GatewayError as exc:
        raise NotFound("No such payment details setup") from exc
    if result.customer_ref != profile.customer_ref:
        raise NotFound("No such payment details setup")
    return await _settle(sessions, gateway, merchant, customer, result, None)
