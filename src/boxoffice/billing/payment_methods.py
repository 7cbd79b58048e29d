"""How a customer pays: the default method their renewals are charged to (a card saved with the gateway, shown by
its brand and last four digits, or a wallet approved for later payments, see billing.method_setup), a SEPA Direct
Debit mandate, and the methods approved on their provider's page each time (iDEAL, PayPal, Google Pay, Apple Pay).
Boxoffice keeps only the gateway's tokens and what may be shown."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentProfile
from boxoffice.catalog.currencies import is_currency, refusal
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import (
    AnyCard,
    BankAccount,
    CardRejected,
    PaymentGateway,
    PaymentSource,
    SavedMethod,
)
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import InvalidInput, Missing, NotFound

# Which form field a refusal is about, for the dialects' field errors.
REFUSED_FIELDS = {
    "incorrect_number": "number",
    "invalid_expiry": "exp_month",
    "expired_card": "exp_year",
    "invalid_cvc": "cvv",
    "invalid_iban": "iban",
    "unsupported_method": "payment_method",
}


@dataclass(frozen=True, slots=True)
class Mandate:
    """Pay by the direct debit mandate the customer already gave."""


@dataclass(frozen=True, slots=True)
class Nothing:
    """Nothing to pay with, for a price a voucher takes all of: no gateway is asked."""


Source = PaymentSource | Mandate | Nothing
FREE = "free"  # the method a payment of nothing records
# The wallets a default method may be: kept by the gateway for later, their kind kept where a card's brand is.
WALLETS = (methods.PAYPAL, methods.IDEAL, methods.GOOGLE_PAY, methods.APPLE_PAY)


def kind_of(source: Source) -> str:
    if isinstance(source, Nothing):
        return FREE
    return methods.SEPA_DEBIT if isinstance(source, Mandate) else methods.kind_of(source)


@dataclass(frozen=True, slots=True)
class CardToKeep:
    """A card saved with the gateway, made the customer's default card only once it has proven it can pay."""

    saved: SavedMethod
    holder: str | None  # not told by every gateway after a challenge
    currency: str


@dataclass(frozen=True, slots=True)
class Method:
    """What a payment is charged to: the gateway's customer, its token for the method, and the method's kind;
    `unproven`: a card not made the default yet (see method_for)."""

    customer_ref: str
    token: str
    kind: str
    unproven: CardToKeep | None = None


async def customer_ref_of(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, merchant: Merchant, customer: Customer
) -> str:
    async with sessions() as session:
        profile = await repo.profile(session, merchant.id, customer.id, gateway.name)
    if profile is not None:
        return profile.customer_ref
    return await gateway.create_customer(merchant.id, email=customer.email, name=customer.full_name)


async def save_method(
    gateway: PaymentGateway, merchant: Merchant, reference: str, source: PaymentSource
) -> SavedMethod:
    try:
        return await gateway.save_payment_method(merchant.id, reference, source)
    except CardRejected as rejected:
        raise InvalidInput({REFUSED_FIELDS.get(rejected.code, "number"): rejected.message}) from rejected


async def keep_on_profile(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    reference: str,
    fields: dict[str, Any],
    kind: str = methods.CARD,
) -> None:
    """Write `fields` on the customer's profile (made on first use); a new default method (of `kind`) is also
    what their subscriptions are charged to from now on."""
    try:
        async with transaction(sessions) as session:
            await _write_profile(session, merchant.id, customer.id, gateway.name, reference, fields, kind)
    except IntegrityError:
        pass  # a concurrent first payment made the profile; this method is charged all the same


async def _write_profile(
    session: AsyncSession,
    merchant_id: int,
    customer_id: int,
    gateway: str,
    reference: str,
    fields: dict[str, Any],
    kind: str,
) -> None:
    profile = await repo.profile(session, merchant_id, customer_id, gateway)
    if profile is None:
        profile = PaymentProfile(
            merchant_id=merchant_id, customer_id=customer_id, gateway=gateway, customer_ref=reference
        )
        session.add(profile)
    for name, value in fields.items():
        setattr(profile, name, value)
    if "method_token" in fields:
        await repo.point_subscriptions_at(
            session, merchant_id, customer_id, gateway, reference, fields["method_token"], kind
        )


async def keep_approved_wallet(session: AsyncSession, payment: Payment) -> None:
    """A wallet the payer approved for a subscription's later charges with its first one (PayPal's billing
    agreement) is the customer's default method from then on, as a card paid with is: shown as their payment
    details, and what renewals are charged to. Written in the transaction that settles the payment."""
    if payment.method not in WALLETS or payment.gateway_method is None or payment.gateway_customer_ref is None:
        return
    shown = {
        "method_token": payment.gateway_method,
        "card_brand": payment.method,  # a wallet is known by its kind, where a card has its brand
        "card_last4": None,
        "card_exp_month": None,
        "card_exp_year": None,
        "card_holder": None,
        "updated_at": clock.now(),
    }
    reference = payment.gateway_customer_ref
    await _write_profile(
        session, payment.merchant_id, payment.customer_id, payment.gateway, reference, shown, payment.method
    )


async def keep_verified_card(session: AsyncSession, payment: Payment) -> None:
    """A card a payment verified (see billing.charges) is the customer's default card from then on, as one paid
    with is. Written in the transaction that settles the payment: by the viewer's confirmPayment, the gateway's
    event or the janitor alike."""
    if payment.method != methods.CARD or payment.card_last4 is None:
        return
    shown = {
        "method_token": payment.gateway_method,
        "card_brand": payment.card_brand,
        "card_last4": payment.card_last4,
        "card_exp_month": payment.card_exp_month,
        "card_exp_year": payment.card_exp_year,
        "card_holder": payment.card_holder,
        "card_currency": payment.currency,
        "updated_at": clock.now(),
    }
    reference = payment.gateway_customer_ref
    await _write_profile(
        session, payment.merchant_id, payment.customer_id, payment.gateway, reference, shown, methods.CARD
    )


async def save_default_card(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    card: AnyCard,
    currency: str,
) -> tuple[str, SavedMethod]:
    """Save `card` with the gateway and make it the customer's default card; returns the gateway's customer
    reference and the saved method. No connection of ours is held while the gateway is asked."""
    reference, saved = await save_card(sessions, gateway, merchant, customer, card)
    await keep_card(sessions, gateway, merchant, customer, reference, CardToKeep(saved, card.holder, currency))
    return reference, saved


async def save_card(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    card: AnyCard,
) -> tuple[str, SavedMethod]:
    """Save `card` with the gateway, not (yet) as the default; the profile keeps the gateway's customer, so the
    next card is saved for the same one."""
    reference = await customer_ref_of(sessions, gateway, merchant, customer)
    saved = await save_method(gateway, merchant, reference, card)
    await keep_on_profile(sessions, gateway, merchant, customer, reference, {})
    return reference, saved


async def keep_card(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    reference: str,
    card: CardToKeep,
) -> None:
    """Make a card saved for `reference` the customer's default card."""
    saved = card.saved
    card_fields = {
        "method_token": saved.token,
        "card_brand": saved.brand,
        "card_last4": saved.last4,
        "card_exp_month": saved.exp_month,
        "card_exp_year": saved.exp_year,
        "card_holder": card.holder,
        "card_currency": card.currency,
        "updated_at": clock.now(),
    }
    await keep_on_profile(sessions, gateway, merchant, customer, reference, card_fields)


async def method_for(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    source: Source,
    currency: str,
    *,
    proven: bool = True,
) -> Method:
    """What to charge for a payment paid with `source`: a card becomes the default card, a wallet is saved for
    this payment (and the subscription it starts), the mandate must already exist. Not `proven` (it is about to
    be verified, with nothing charged), a card is saved but left `unproven`: kept on the payment that verifies
    it and made the default by `keep_verified_card` once verified, never if refused."""
    if isinstance(source, Mandate):
        async with sessions() as session:
            profile = await repo.profile(session, merchant.id, customer.id, gateway.name)
        if profile is None or not profile.mandate_token:
            raise InvalidInput({"payment_method": "Set up a direct debit mandate before paying by direct debit"})
        return Method(profile.customer_ref, profile.mandate_token, methods.SEPA_DEBIT)
    if isinstance(source, Nothing):
        raise InvalidInput({"payment_method": "This payment has something to pay: a way to pay is needed"})
    if isinstance(source, AnyCard) and not proven:
        reference, saved = await save_card(sessions, gateway, merchant, customer, source)
        return Method(reference, saved.token, methods.CARD, CardToKeep(saved, source.holder, currency))
    if isinstance(source, AnyCard):
        reference, saved = await save_default_card(sessions, gateway, merchant, customer, source, currency)
        return Method(reference, saved.token, methods.CARD)
    reference = await customer_ref_of(sessions, gateway, merchant, customer)
    saved = await save_method(gateway, merchant, reference, source)
    await keep_on_profile(sessions, gateway, merchant, customer, reference, {})
    return Method(reference, saved.token, methods.kind_of(source))


def default_kind(profile: PaymentProfile) -> str:
    """What the default method is: a wallet kept for later is known by its kind, where a card has its brand."""
    return profile.card_brand if profile.card_brand in WALLETS else methods.CARD


async def default_method(
    session: AsyncSession, merchant_id: int, customer_id: int, gateway: PaymentGateway
) -> PaymentProfile | None:
    """The customer's profile with its default method (a card, or a wallet kept for later), if they have one."""
    profile = await repo.profile(session, merchant_id, customer_id, gateway.name)
    return profile if profile is not None and profile.method_token else None


async def default_card(
    session: AsyncSession, merchant_id: int, customer_id: int, gateway: PaymentGateway
) -> PaymentProfile | None:
    """The customer's profile with its default card, if they have saved one."""
    profile = await default_method(session, merchant_id, customer_id, gateway)
    return profile if profile is not None and default_kind(profile) == methods.CARD else None


async def forget_default_card(
    session: AsyncSession, merchant_id: int, customer_id: int, gateway: PaymentGateway, profile_id: int
) -> None:
    """Stop offering the saved card (or wallet) for new payments. Running subscriptions keep the method they were
    started with, so their renewals are not affected."""
    profile = await default_method(session, merchant_id, customer_id, gateway)
    if profile is None or profile.id != profile_id:
        raise NotFound("Payment details not found", what=Missing.PAYMENT_DETAILS)
    profile.method_token = profile.card_brand = profile.card_last4 = profile.card_holder = None
    profile.card_exp_month = profile.card_exp_year = None
    profile.updated_at = clock.now()
    await session.flush()


async def forget_payment_details(
    session: AsyncSession, merchant_id: int, gateway: PaymentGateway, profile_id: int
) -> None:
    """The merchant stops offering a customer's saved card (or wallet), named by its payment details' id alone, as
    `forget_default_card` does for the customer."""
    profile = await repo.profile_by_id(session, merchant_id, profile_id)
    if profile is None:
        raise NotFound("Payment details not found", what=Missing.PAYMENT_DETAILS)
    await forget_default_card(session, merchant_id, profile.customer_id, gateway, profile_id)


async def set_default_card(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    card: AnyCard,
    currency: str | None,
) -> PaymentProfile:
    code = (currency or "").strip().upper()
    if not is_currency(code):
        raise InvalidInput({"card_currency": refusal(code)})
    await save_default_card(sessions, gateway, merchant, customer, card, code)
    async with sessions() as session:
        profile = await default_card(session, merchant.id, customer.id, gateway)
    assert profile is not None
    return profile


async def set_mandate(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    account: BankAccount,
) -> PaymentProfile:
    """The customer's SEPA Direct Debit mandate: their account saved with the gateway, replacing any before."""
    holder = account.holder.strip()
    if not holder or len(holder) > 250:
        raise InvalidInput({"name": "The account holder's name is 1 to 250 characters"})
    iban = methods.normal_iban(account.iban)
    if not methods.iban_is_valid(iban):
        raise InvalidInput({"iban": "The IBAN is not valid"})
    reference = await customer_ref_of(sessions, gateway, merchant, customer)
    saved = await save_method(gateway, merchant, reference, BankAccount(holder, iban, account.address))
    fields = {
        "mandate_token": saved.token,
        "mandate_holder": holder,
        "mandate_country": iban[:2],
        "mandate_bank_code": methods.bank_code(iban),
        "mandate_last4": iban[-4:],
        "mandate_reference": secrets.token_hex(8).upper(),
        "mandate_created_at": clock.now(),
        "updated_at": clock.now(),
    }
    await keep_on_profile(sessions, gateway, merchant, customer, reference, fields)
    async with sessions() as session:
        profile = await mandate_of(session, merchant.id, customer.id, gateway)
    assert profile is not None
    return profile


async def mandate_of(
    session: AsyncSession, merchant_id: int, customer_id: int, gateway: PaymentGateway
) -> PaymentProfile:
    profile = await repo.profile(session, merchant_id, customer_id, gateway.name)
    if profile is None or not profile.mandate_token:
        raise NotFound("No direct debit mandate")
    return profile
