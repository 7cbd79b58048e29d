"""One checkout for any price: a one-time price is bought, a recurring one subscribed to. For the pages, which
offer both side by side, as Cleeng's checkout does; the APIs keep their own calls for each."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import history, payment_methods, purchases, subscriptions
from boxoffice.billing.models import Payment
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.gateways.protocol import BankAccount, PaymentGateway
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import InvalidInput, Missing, NotFound

SUBSCRIPTION = "subscription"


async def pay_for_price(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    *,
    price_id: int,
    source: payment_methods.Source,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
    voucher_code: str | None = None,
    gift_to: str | None = None,
) -> Payment:
    """Buy or subscribe to `price_id` as its kind says; the payment made (settled, declined, or awaiting the
    payer's approval at its `redirect_url`). With `gift_to`, a one-time price is bought for someone else (see
    billing.gifts); a subscription renews on its payer's card, so it is never a gift."""
    async with sessions() as session:
        price = await catalog_repo.price_by_id(session, merchant.id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    if price.kind == SUBSCRIPTION:
        if gift_to is not None:
            raise InvalidInput({"receiver_email": "A subscription can't be given as a gift"})
        started = await subscriptions.subscribe(
            sessions,
            gateway,
            merchant,
            customer,
            price_id=price_id,
            source=source,
            idempotency_key=idempotency_key,
            return_url=return_url,
            client=client,
            voucher_code=voucher_code,
        )
        return started.payment
    return await purchases.buy_access(
        sessions,
        gateway,
        merchant,
        customer,
        price_id=price_id,
        source=source,
        idempotency_key=idempotency_key,
        return_url=return_url,
        client=client,
        voucher_code=voucher_code,
        gift_to=gift_to,
    )


async def price_for_checkout(session: AsyncSession, merchant_id: int, price_id: int) -> tuple[Price, Product]:
    """The price a checkout offers, with its item: one on sale now, of an active item; NotFound for any other, or
    another merchant's."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    product = await catalog_repo.product_by_id(session, merchant_id, price.product_id) if price else None
    now = clock.now()
    if (
        price is None
        or product is None
        or not (price.active and product.active)
        or (price.starts_at is not None and price.starts_at > now)
        or (price.expires_at is not None and price.expires_at <= now)
    ):
        raise NotFound(what=Missing.PRICE)
    return price, product


async def paid_for(session: AsyncSession, merchant_id: int, payment: Payment, price_id: int) -> tuple[Price, Product]:
    """The price a payment paid and its item, if it is `price_id`; NotFound otherwise. On sale or not: it was
    bought."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id) if payment.price_id == price_id else None
    product = await catalog_repo.product_by_id(session, merchant_id, price.product_id) if price else None
    if price is None or product is None:
        raise NotFound(what=Missing.PAYMENT)
    return price, product


async def payment_of(session: AsyncSession, merchant_id: int, customer_id: int, payment_id: int) -> Payment:
    """One of the customer's own payments."""
    payment = await history.payment_of(session, merchant_id, payment_id)
    if payment is None or payment.customer_id != customer_id:
        raise NotFound(what=Missing.PAYMENT)
    return payment


async def pay_by_direct_debit(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    *,
    price_id: int,
    account: BankAccount,
    idempotency_key: str,
    client: ClientInfo,
    voucher_code: str | None = None,
) -> Payment:
    """A SEPA Direct Debit mandate for `account` (replacing any the customer gave before), then `price_id` paid by
    it: the debit is processing until the gateway tells how it went. What the payment would refuse without asking
    the gateway (a price not on sale, an item held) is refused first, so that the mandate is not replaced for
    nothing."""
    async with sessions() as session:
        await _refuse_unpayable(session, merchant, customer, price_id, client)
    await payment_methods.set_mandate(sessions, gateway, merchant, customer, account)
    return await pay_for_price(
        sessions,
        gateway,
        merchant,
        customer,
        price_id=price_id,
        source=payment_methods.Mandate(),
        idempotency_key=idempotency_key,
        return_url=None,
        client=client,
        voucher_code=voucher_code,
    )


async def _refuse_unpayable(
    session: AsyncSession, merchant: Merchant, customer: Customer, price_id: int, client: ClientInfo
) -> None:
    price = await catalog_repo.price_by_id(session, merchant.id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    await purchases.price_on_sale(session, merchant.id, price_id, client, kind=price.kind)
    if price.kind == SUBSCRIPTION:
        await subscriptions.refuse_running(session, merchant.id, customer.id, price.product_id)
    else:
        await purchases.refuse_held(session, merchant.id, customer.id, price.product_id)
