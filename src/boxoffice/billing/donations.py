"""Donations: money given for a product, one of the amounts its merchant suggests (catalog.donations) or, where
the product allows it, an amount of the viewer's own.

A donation buys nothing (InPlayer's notes name no access for it): it is a payment of kind `donation`, for no
price, written `pending` and charged and settled as a purchase is (billing.charges), then booked to revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, payment_methods
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.catalog import donations as catalog_donations
from boxoffice.catalog.models import DonationOption, Product
from boxoffice.gateways.protocol import PaymentGateway
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.money import Money

# Minor units: the most a card gateway takes in one charge (Stripe's eight digits), so that an amount of the
# viewer's own is refused here, with its field named, rather than by the gateway after the card was saved.
MAX_DONATION = 99_999_999


@dataclass(frozen=True, slots=True)
class _Donation:
    """What is given: an amount for a product, one of its options or not."""

    product: Product
    money: Money
    option: DonationOption | None


async def _what_is_given(
    session: AsyncSession, merchant_id: int, product_id: int, option_id: int | None, amount: Money | None
) -> _Donation:
    product, options = await catalog_donations.donations_for(session, merchant_id, product_id)
    if not product.active:
        raise InvalidInput({"product_id": "This item takes no donations"})
    if option_id is not None:
        option = next((o for o in options if o.id == option_id), None)
        if option is None:
            raise InvalidInput({"donation_id": "This item has no donation amount with this id"})
        return _Donation(product, Money(option.amount, option.currency), option)  # the option's amount wins
    if not product.custom_price_enabled:
        raise InvalidInput({"donation_id": "Choose one of this item's donation amounts"})
    if amount is None:
        raise InvalidInput({"amount": "The amount is required"})
    if amount.amount <= 0:
        raise InvalidInput({"amount": "The amount must be greater than zero"})
    if amount.amount > MAX_DONATION:
        raise InvalidInput({"amount": "The amount is too large"})
    return _Donation(product, amount, None)


async def donate(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    *,
    product_id: int,
    option_id: int | None,
    amount: Money | None,
    source: payment_methods.Source,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
) -> Payment:
    """Charge `source` for a donation of one of the product's options (`option_id`) or of `amount`. The same key
    answers with the same payment."""
    async with sessions() as session:
        payment = await repo.payment_by_key(session, merchant.id, idempotency_key)
        given = None if payment else await _what_is_given(session, merchant.id, product_id, option_id, amount)
    if given is not None:
        payment = await _new_donation(
            sessions, gateway, merchant, customer, given, source, idempotency_key, return_url, client
        )
    assert payment is not None
    same = payment.kind == "donation" and payment.customer_id == customer.id and payment.product_id == product_id
    if option_id is None and amount is not None:
        same = same and (payment.amount, payment.currency) == (amount.amount, amount.currency)
    if not same or payment.donation_option_id != option_id:
        raise Conflict("This idempotency key was used for another payment")
    if payment.status != PaymentStatus.PENDING:
        return payment  # a replay of a payment already decided
    return await charges.charge(sessions, gateway, merchant, payment)


async def _new_donation(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    given: _Donation,
    source: payment_methods.Source,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
) -> Payment:
    """The donation written `pending`, or the one a racing request with the same key wrote first."""
    money = given.money
    method = await payment_methods.method_for(sessions, gateway, merchant, customer, source, money.currency)
    payment = Payment(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=given.product.id,
        price_id=None,
        kind="donation",
        donation_option_id=given.option.id if given.option else None,
        donation_description=given.option.description if given.option else "",
        idempotency_key=idempotency_key,
        amount=money.amount,
        currency=money.currency,
        discount=0,
        credit_used=0,
        gateway=gateway.name,
        method=method.kind,
        gateway_customer_ref=method.customer_ref,
        gateway_method=method.token,
        status=PaymentStatus.PENDING,
        return_url=return_url,
        ip_address=client.ip_address,
        country_code=client.country_code,
    )
    return await charges.start_payment(sessions, payment)


async def confirm_donation(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    customer: Customer,
    charge_id: str,
) -> Payment:
    """After a challenge: settle one of the customer's donations (`confirmDonationPayment`); a purchase's charge
    is confirmed where it was made."""
    async with sessions() as session:
        payment = await repo.payment_by_charge(session, merchant.id, customer.id, charge_id)
    if payment is None or payment.kind != "donation":
        raise NotFound("Payment not found")
    return await charges.confirm_payment(sessions, gateways, merchant, customer, charge_id)
