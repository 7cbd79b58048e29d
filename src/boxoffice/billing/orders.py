"""Orders: a checkout in progress, priced (a coupon off, the tax of the customer's country in it) before it is
paid. An order lives a day (one the merchant's back end places for a customer, 15 minutes); paying it is buying
its price. Only an order with nothing to pay (a coupon took it
all) is paid without a way to pay here; the rest go through the gateway's own flows. An order bought as a gift
(a one-time price only) is paid once its delivery details are set, and becomes a gift (see billing.gifts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, gift_delivery, gifts, purchases, subscriptions
from boxoffice.billing import orders_repository as repo
from boxoffice.billing import repository as billing_repo
from boxoffice.billing.models import Order, OrderStatus, Payment, PaymentStatus
from boxoffice.billing.payment_methods import FREE, Nothing, Source
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog import taxes
from boxoffice.catalog.models import Price, Product
from boxoffice.catalog.offers import localized_price_id
from boxoffice.gateways.protocol import PaymentGateway
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.customers import get_customer
from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import AlreadyHeld, Conflict, InvalidInput, Missing, NotFound
from boxoffice.promotions import vouchers

LIFETIME = timedelta(hours=24)
# An order the merchant's back end places for one of its customers is paid at once, or not at all.
PLACED_LIFETIME = timedelta(minutes=15)
UNSET: object = object()


class OrderExpired(InvalidInput):
    def __init__(self, order_id: int) -> None:
        super().__init__({"order_id": f"Order {order_id} has expired"})


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as it is shown: its merchant, and the price and product it is for (None once deleted)."""

    order: Order
    merchant: Merchant
    price: Price | None
    product: Product | None

    @property
    def trial(self) -> bool:
        """Whether what it buys begins with a free trial."""
        return bool(self.price and self.price.trial_period_unit)

    @property
    def needs_payment_details(self) -> bool:
        """Whether paying it takes a way to pay: something to pay now, or a subscription, which renews on it."""
        return bool(self.order.total) or (self.price is not None and self.price.kind == "subscription")


@dataclass(frozen=True, slots=True)
class PaidOrder:
    """What paying an order did: the payment, and the order as it stands after it, with its price (None once
    deleted)."""

    payment: Payment
    order: Order
    price: Price | None


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """An order the merchant placed or changed for one of its customers, and that customer."""

    view: OrderView
    customer: Customer


async def _view(session: AsyncSession, order: Order, price: Price | None = None) -> OrderView:
    price = price or await catalog_repo.price_by_id(session, order.merchant_id, order.price_id)
    product = await catalog_repo.product_by_id(session, order.merchant_id, price.product_id) if price else None
    return OrderView(order, await merchant_of(session, order.merchant_id), price, product)


async def _price(session: AsyncSession, merchant_id: int, price_id: int, client: ClientInfo) -> Price:
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.OFFER)
    return await purchases.price_on_sale(session, merchant_id, price_id, client, kind=price.kind)


async def create_order(
    session: AsyncSession,
    customer: Customer,
    price_id: int,
    *,
    client: ClientInfo,
    country_code: str | None,
    voucher_code: str | None = None,
    buy_as_gift: bool = False,
    payment_method: str | None = None,
    lifetime: timedelta = LIFETIME,
) -> OrderView:
    # Where the buyer is, the offer may be sold at its localization's price (catalog.localizations).
    price_id = await localized_price_id(session, customer.merchant_id, price_id, client.country_code)
    price = await _price(session, customer.merchant_id, price_id, client)
    await _check_recipient(session, customer, price, buy_as_gift)
    country = country_code or customer.country_code or client.country_code
    order = Order(
        merchant_id=customer.merchant_id,
        customer_id=customer.id,
        price_id=price.id,
        amount=price.amount,
        currency=price.currency,
        discount=0,
        country_code=country,
        tax_rate=await taxes.rate_for(session, customer.merchant_id, country),
        buy_as_gift=buy_as_gift,
        status=OrderStatus.OPEN,
        expires_at=clock.now() + lifetime,
    )
    if voucher_code:
        await _apply_voucher(session, order, price, voucher_code)
    _choose_method(order, payment_method)
    session.add(order)
    await session.flush()
    return await _view(session, order, price)


async def place_order(
    session: AsyncSession,
    merchant: Merchant,
    customer_id: int,
    price_id: int,
    *,
    client: ClientInfo,
    country_code: str | None,
    currency: str | None = None,
    voucher_code: str | None = None,
    buy_as_gift: bool = False,
) -> PlacedOrder:
    """An order the merchant's back end places for one of its customers (another's is not found): priced as the
    customer's own would be, in the currency of the price sold where they are (`currency`, when named, must be
    it), and open for 15 minutes."""
    customer = await get_customer(session, merchant, customer_id)
    view = await create_order(
        session,
        customer,
        price_id,
        client=client,
        country_code=country_code,
        voucher_code=voucher_code,
        buy_as_gift=buy_as_gift,
        lifetime=PLACED_LIFETIME,
    )
    if currency is not None and currency.upper() != view.order.currency:
        raise InvalidInput({"currency": f"This offer is sold in {view.order.currency} there, not {currency}"})
    return PlacedOrder(view, customer)


async def _check_recipient(session: AsyncSession, customer: Customer, price: Price, buy_as_gift: bool) -> None:
    """A gift is of an offer sold once; what is bought for oneself is what one hasn't got yet."""
    if buy_as_gift and not gifts.giftable(price):
        raise InvalidInput({"buy_as_gift": "This offer can't be bought as a gift: only a one-time offer can"})
    if not buy_as_gift and await purchases.entitled_already(session, customer.merchant_id, customer.id, price.id):
        raise AlreadyHeld()


async def _apply_voucher(session: AsyncSession, order: Order, price: Price, voucher_code: str) -> None:
    discount = await vouchers.discount_for(session, order.merchant_id, voucher_code, price)
    order.voucher_id, order.discount = discount.voucher.id, discount.amount_off


async def order_of(session: AsyncSession, customer: Customer, order_id: int) -> Order:
    """The customer's own order (another's is not found)."""
    order = await repo.order_by_id(session, customer.merchant_id, order_id)
    if order is None or order.customer_id != customer.id:
        raise NotFound(what=Missing.ORDER, key=order_id)
    return order


async def read_order(session: AsyncSession, customer: Customer, order_id: int) -> OrderView:
    return await _view(session, await order_of(session, customer, order_id))


def _open(order: Order) -> None:
    if order.status != OrderStatus.OPEN:
        raise Conflict(f"Order {order.id} has been paid")
    if order.expires_at <= clock.now():
        raise OrderExpired(order.id)


async def update_order(
    session: AsyncSession,
    customer: Customer,
    order_id: int,
    *,
    client: ClientInfo,
    voucher_code: str | object | None = UNSET,
    payment_method: str | object | None = UNSET,
    buy_as_gift: bool | None = None,
    delivery: gift_delivery.Delivery | None = None,
) -> OrderView:
    return await _update(
        session,
        customer,
        await order_of(session, customer, order_id),
        client=client,
        voucher_code=voucher_code,
        payment_method=payment_method,
        buy_as_gift=buy_as_gift,
        delivery=delivery,
    )


async def update_placed_order(
    session: AsyncSession,
    merchant: Merchant,
    order_id: int,
    *,
    client: ClientInfo,
    voucher_code: str | object | None = UNSET,
    buy_as_gift: bool | None = None,
) -> PlacedOrder:
    """Change an order of one of the merchant's customers, as `update_order` does (another merchant's is not
    found)."""
    order = await repo.order_by_id(session, merchant.id, order_id)
    if order is None:
        raise NotFound(what=Missing.ORDER, key=order_id)
    customer = await get_customer(session, merchant, order.customer_id)
    view = await _update(session, customer, order, client=client, voucher_code=voucher_code, buy_as_gift=buy_as_gift)
    return PlacedOrder(view, customer)


async def _update(
    session: AsyncSession,
    customer: Customer,
    order: Order,
    *,
    client: ClientInfo,
    voucher_code: str | object | None = UNSET,
    payment_method: str | object | None = UNSET,
    buy_as_gift: bool | None = None,
    delivery: gift_delivery.Delivery | None = None,
) -> OrderView:
    _open(order)
    if buy_as_gift is not None and buy_as_gift != order.buy_as_gift:
        price = await _price(session, order.merchant_id, order.price_id, client)
        await _check_recipient(session, customer, price, buy_as_gift)
        order.buy_as_gift = buy_as_gift
        if not buy_as_gift:  # bought for oneself after all: no gift to deliver
            order.gift_receiver_email = order.gift_delivery_date = order.gift_personal_note = None
    if delivery is not None:
        if not order.buy_as_gift:
            raise InvalidInput({"delivery": "Only an order bought as a gift takes delivery details"})
        order.gift_receiver_email, order.gift_delivery_date = delivery.receiver_email, delivery.date
        order.gift_personal_note = delivery.note
    if isinstance(voucher_code, str) or voucher_code is None:
        if voucher_code:
            price = await _price(session, order.merchant_id, order.price_id, client)
            await _apply_voucher(session, order, price, voucher_code)
        else:
            order.voucher_id, order.discount = None, 0
    if isinstance(payment_method, str) or payment_method is None:
        _choose_method(order, payment_method)
    await session.flush()
    return await _view(session, order)


def _choose_method(order: Order, payment_method: str | None) -> None:
    if payment_method == FREE and order.total:
        raise InvalidInput({"payment_method": "Only an order with nothing to pay is paid as a free offer"})
    order.payment_method = payment_method


async def pay_order(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    order_id: int,
    *,
    source: Source,
    return_url: str | None,
    client: ClientInfo,
) -> PaidOrder:
    """Buy (or subscribe to) what the order is for with `source`. A declined attempt leaves the order open for
    another; one that needs the payer's approval is finished by `finish_order`."""
    async with sessions() as session:
        order = await order_of(session, customer, order_id)
        price = await catalog_repo.price_by_id(session, merchant.id, order.price_id)
        voucher = (await vouchers.get_voucher(session, merchant.id, order.voucher_id))[0] if order.voucher_id else None
    _open(order)
    if price is None:
        raise NotFound(what=Missing.OFFER)
    gift_to = _receiver(order)
    # Nothing to pay is paid once (racing requests answer with the one payment); each card tried is an attempt.
    key = repo.payment_key(order.id, None if isinstance(source, Nothing) else str(uuid.uuid4()))
    voucher_code = voucher.code if voucher else None
    if price.kind == "subscription":
        started = await subscriptions.subscribe(
            sessions,
            gateway,
            merchant,
            customer,
            price_id=price.id,
            source=source,
            idempotency_key=key,
            return_url=return_url,
            client=client,
            voucher_code=voucher_code,
        )
        payment = started.payment
    else:
        payment = await purchases.buy_access(
            sessions,
            gateway,
            merchant,
            customer,
            price_id=price.id,
            source=source,
            idempotency_key=key,
            return_url=return_url,
            client=client,
            voucher_code=voucher_code,
            gift_to=gift_to,
        )
    return await record_order_payment(sessions, customer, order_id, payment)


def _receiver(order: Order) -> str | None:
    """Whom a gift order's code goes to (None: the order is for its buyer); it isn't paid before that is known."""
    if not order.buy_as_gift:
        return None
    if order.gift_receiver_email is None:
        raise InvalidInput({"delivery": "A gift is paid for once its delivery details (the recipient's email) are set"})
    return order.gift_receiver_email


async def record_order_payment(
    sessions: async_sessionmaker[AsyncSession], customer: Customer, order_id: int, payment: Payment
) -> PaidOrder:
    """The order paid by `payment` (or tried: a payment that did not go through leaves it to pay)."""
    async with sessions() as session, session.begin():
        kept = await order_of(session, customer, order_id)
        kept.payment_id, kept.payment_method = payment.id, payment.method
        if payment.status == PaymentStatus.SUCCEEDED:
            kept.status = OrderStatus.PAID
        price = await catalog_repo.price_by_id(session, customer.merchant_id, kept.price_id)
    return PaidOrder(payment, kept, price)


async def finish_order(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    customer: Customer,
    order_id: int,
) -> PaidOrder:
    """After the payer approved (or refused) a payment on the gateway's page: where it stands now."""
    async with sessions() as session:
        order = await order_of(session, customer, order_id)
        payment = await billing_repo.payment_by_id(session, merchant.id, order.payment_id) if order.payment_id else None
    if payment is None or payment.gateway_charge_id is None:
        raise NotFound(f"Order {order_id} has no payment to finish")
    confirmed = await charges.confirm_payment(sessions, gateways, merchant, customer, payment.gateway_charge_id)
    return await record_order_payment(sessions, customer, order_id, confirmed)


async def pay_order_of_nothing(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    order_id: int,
    client: ClientInfo,
) -> PaidOrder:
    """Buy what an order with nothing to pay is for, once: the same order paid again is the same payment."""
    async with sessions() as session:
        order = await order_of(session, customer, order_id)
        price = await catalog_repo.price_by_id(session, merchant.id, order.price_id)
        paid = await billing_repo.payment_by_id(session, merchant.id, order.payment_id) if order.payment_id else None
    if order.status == OrderStatus.PAID and paid is not None:
        return PaidOrder(paid, order, price)
    if order.total or price is None or price.kind != "one_time":
        raise InvalidInput({"order_id": "This order has something to pay: it needs payment details"})
    return await pay_order(
        sessions, gateway, merchant, customer, order_id, source=Nothing(), return_url=None, client=client
    )
