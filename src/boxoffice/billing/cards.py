"""The card a customer pays with by default: saved with the gateway, shown by its brand and last four digits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import clock
from boxoffice.billing import repository as repo
from boxoffice.billing.models import PaymentProfile
from boxoffice.catalog.currencies import is_currency
from boxoffice.db import transaction
from boxoffice.errors import InvalidInput
from boxoffice.gateways.protocol import Card, CardRejected, PaymentGateway, SavedMethod
from boxoffice.identity.models import Customer, Merchant

# Which form field a card refusal is about, for the dialects' field errors.
CARD_FIELDS = {
    "incorrect_number": "number",
    "invalid_expiry": "exp_month",
    "expired_card": "exp_year",
    "invalid_cvc": "cvv",
}


async def save_default_card(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    card: Card,
    currency: str,
) -> tuple[str, SavedMethod]:
    """Save `card` with the gateway under the customer's gateway profile (made on first use) and make it their
    default card, the one their subscriptions are charged to from now on; returns the gateway's customer reference
    and the saved method. No connection of ours is held while the gateway is asked."""
    async with sessions() as session:
        profile = await repo.profile(session, merchant.id, customer.id, gateway.name)
    reference = profile.customer_ref if profile is not None else None
    if reference is None:
        reference = await gateway.create_customer(merchant.id, email=customer.email, name=customer.full_name)
    try:
        saved = await gateway.save_payment_method(merchant.id, reference, card)
    except CardRejected as rejected:
        raise InvalidInput({CARD_FIELDS.get(rejected.code, "number"): rejected.message}) from rejected
    card_fields = {
        "method_token": saved.token,
        "card_brand": saved.brand,
        "card_last4": saved.last4,
        "card_exp_month": saved.exp_month,
        "card_exp_year": saved.exp_year,
        "card_holder": card.holder,
        "card_currency": currency,
        "updated_at": clock.now(),
    }
    try:
        async with transaction(sessions) as session:
            profile = await repo.profile(session, merchant.id, customer.id, gateway.name)
            if profile is None:
                profile = PaymentProfile(
                    merchant_id=merchant.id, customer_id=customer.id, gateway=gateway.name, customer_ref=reference
                )
                session.add(profile)
            for name, value in card_fields.items():
                setattr(profile, name, value)
            await repo.point_subscriptions_at(session, merchant.id, customer.id, gateway.name, reference, saved.token)
    except IntegrityError:
        pass  # a concurrent first purchase made the profile; this card is charged all the same
    return reference, saved


async def default_card(
    session: AsyncSession, merchant_id: int, customer_id: int, gateway: PaymentGateway
) -> PaymentProfile | None:
    """The customer's profile with its default card, if they have saved one."""
    profile = await repo.profile(session, merchant_id, customer_id, gateway.name)
    return profile if profile is not None and profile.method_token else None


async def set_default_card(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    card: Card,
    currency: str | None,
) -> PaymentProfile:
    code = (currency or "").strip().upper()
    if not is_currency(code):
        raise InvalidInput({"currency_iso": "The currency must be an ISO-4217 code such as EUR or USD"})
    await save_default_card(sessions, gateway, merchant, customer, card, code)
    async with sessions() as session:
        profile = await default_card(session, merchant.id, customer.id, gateway)
    assert profile is not None
    return profile
