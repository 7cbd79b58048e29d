"""One-time purchases: a price paid by card through the merchant's gateway, then access and the books.

The card is saved with the gateway, then the payment is written `pending` and committed before any charge;
billing.charges asks the gateway and settles the answer (see there for why that order keeps money safe).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import clock
from boxoffice.billing import cards, charges
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.client_info import ClientInfo
from boxoffice.db import transaction
from boxoffice.errors import Conflict, InvalidInput, NotFound
from boxoffice.gateways.protocol import Card, PaymentGateway
from boxoffice.identity.models import Customer, Merchant
from boxoffice.promotions import vouchers
from boxoffice.restrictions import repository as restrictions_repo
from boxoffice.restrictions import rules

SALE_KINDS = {
    "one_time": "This access fee is a subscription: subscribe to it instead",
    "subscription": "This access fee is a one-time purchase: pay for it instead",
}


async def price_on_sale(
    session: AsyncSession, merchant_id: int, price_id: int, client: ClientInfo, kind: str = "one_time"
) -> Price:
    """The price, if it is of `kind` and sold now to a viewer where `client` is."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound("Access fee not found")
    product = await catalog_repo.product_by_id(session, merchant_id, price.product_id)
    now = clock.now()
    if product is None or not product.active or not price.active:
        raise InvalidInput({"access_fee": "This access fee is not for sale"})
    if price.kind != kind:
        raise InvalidInput({"access_fee": SALE_KINDS[kind]})
    if (price.starts_at and price.starts_at > now) or (price.expires_at and price.expires_at <= now):
        raise InvalidInput({"access_fee": "This access fee is not on sale now"})
    if price.country_set_id:
        rules.check_geo(
            await restrictions_repo.country_set(session, merchant_id, price.country_set_id), client.country_code
        )
    return price


async def buy_access(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    *,
    price_id: int,
    card: Card,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
    voucher_code: str | None = None,
) -> Payment:
    """Charge `card` for a one-time price, less a voucher's discount, and open access. The same key answers with
    the same payment. A price a voucher takes all of is granted without asking the gateway."""
    async with sessions() as session:
        payment = await repo.payment_by_key(session, merchant.id, idempotency_key)
        price = None if payment is not None else await price_on_sale(session, merchant.id, price_id, client)
        discount = (
            await vouchers.discount_for(session, merchant.id, voucher_code, price) if price and voucher_code else None
        )
    if price is not None:
        payment = await _new_payment(
            sessions, gateway, merchant, customer, price, discount, card, idempotency_key, return_url, client
        )
    assert payment is not None
    if payment.price_id != price_id or payment.customer_id != customer.id or payment.kind != "purchase":
        raise Conflict("This idempotency key was used for another payment")
    if payment.status != "pending":
        return payment  # a replay of a payment already decided
    return await charges.charge(sessions, gateway, merchant, payment)


async def _new_payment(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    price: Price,
    discount: vouchers.Discount | None,
    card: Card,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
) -> Payment | None:
    """The payment written `pending` (with its voucher use counted), or the one a racing request with the same
    key wrote first."""
    amount = discount.final_amount if discount else price.amount
    reference, method = "", ""
    if amount:
        reference, saved = await cards.save_default_card(sessions, gateway, merchant, customer, card, price.currency)
        method = saved.token
    payment = Payment(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        kind="purchase",
        idempotency_key=idempotency_key,
        amount=amount,
        currency=price.currency,
        discount=discount.amount_off if discount else 0,
        credit_used=0,
        voucher_id=discount.voucher.id if discount else None,
        gateway=gateway.name,
        gateway_customer_ref=reference,
        gateway_method=method,
        status="pending",
        return_url=return_url,
        ip_address=client.ip_address,
        country_code=client.country_code,
    )
    try:
        async with transaction(sessions) as session:
            session.add(payment)
            if discount:
                await vouchers.use(session, merchant.id, discount.voucher.id)
    except IntegrityError:
        # The same key raced in from another request: its payment is this one.
        async with sessions() as session:
            return await repo.payment_by_key(session, merchant.id, idempotency_key)
    return payment
