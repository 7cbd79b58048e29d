"""Subscriptions: starting one (with its trial, setup fee and voucher), reading them, cancelling them.

Starting one is a payment like a purchase (see billing.charges): the subscription is written `incomplete` with
its first payment `pending`, then charged; the charge settling starts it (billing.periods.start). A first payment
of nothing (a free trial) verifies the method instead, so no trial starts on a card that cannot pay the periods
after it. A first charge that is declined or never authenticated leaves it `incomplete` until the renewal engine
expires it a day later, or the customer's next attempt replaces it: a replaced attempt never starts (its
challenge is cancelled at the gateway, and money that arrives for it anyway is refunded, see billing.fulfilment).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.access import service as access_service
from boxoffice.billing import charges, events, payment_methods, periods, purchases, sandbox_clocks, switches
from boxoffice.billing import repository as repo
from boxoffice.billing.models import (
    CHARGING,
    FINISHED,
    RUNNING,
    STORES,
    Payment,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
)
from boxoffice.billing.refusals import NotOnSale, SaleRefusal, SubscriptionRefusal, SubscriptionRefused
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog import seasons
from boxoffice.catalog.models import Price, Product
from boxoffice.catalog.seasons import SeasonDates
from boxoffice.events import outbox
from boxoffice.gateways.protocol import PaymentGateway
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import AlreadyHeld, Conflict, Holding, InvalidInput, Missing, NotFound
from boxoffice.promotions import vouchers
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused

# A running subscription to an item stops another being started for it.
EXCLUSIVE = RUNNING


@dataclass(frozen=True, slots=True)
class Started:
    subscription: Subscription
    payment: Payment


def new_subscription(
    merchant_id: int,
    customer_id: int,
    price: Price,
    now: datetime,
    *,
    gateway: str,
    clock_id: int | None,
    **own: Any,
) -> Subscription:
    """A subscription to `price`, `incomplete` and its first period not begun (it starts and ends `now`): the one
    way every kind is made, each giving what is its own in `own` (a status, a voucher, its gateway's references)."""
    return Subscription(
        **{
            "merchant_id": merchant_id,
            "customer_id": customer_id,
            "product_id": price.product_id,
            "price_id": price.id,
            "status": SubscriptionStatus.INCOMPLETE,
            "amount": price.amount,
            "currency": price.currency,
            "period_unit": price.period_unit,
            "period_quantity": price.period_quantity,
            "discounted_charges_left": None,
            "credit": 0,
            "cycle": 0,
            "period_paid": 0,
            "dunning_attempts": 0,
            "current_period_start": now,
            "current_period_end": now,
            "gateway": gateway,
            "cancel_token": secrets.token_hex(16),
            "clock_id": clock_id,
            "created_at": now,
            "updated_at": now,
        }
        | own
    )


def _charges_discounted(discount: vouchers.Discount | None) -> int | None:
    if discount is None:
        return 0
    voucher = discount.voucher
    if voucher.discount_period == "forever":
        return None
    if voucher.discount_period == "repeating":
        return voucher.discount_duration or 1
    return 1


async def _trial_allowed(session: AsyncSession, merchant_id: int, customer_id: int, price: Price) -> bool:
    """A price's free trial, once per customer and item."""
    if not (price.trial_period_unit and price.trial_period_quantity):
        return False
    if await access_repo.had_trial(session, merchant_id, customer_id, price.product_id):
        return False
    return not await repo.had_trial(session, merchant_id, customer_id, price.product_id)


async def trial_available(session: AsyncSession, customer: Customer, price: Price) -> bool:
    """Whether subscribing to `price` now would begin with its free trial."""
    return await _trial_allowed(session, customer.merchant_id, customer.id, price)


async def subscribe(
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
) -> Started:
    """Start a subscription to a recurring price; the same key answers with the same subscription."""
    async with sessions() as session:
        now = await sandbox_clocks.now_for(session, merchant.id, customer.id)
    with clock.pinned(now):
        payment = await _replayed(sessions, merchant, customer, price_id, idempotency_key)
        if payment is None:
            payment = await _start(
                sessions,
                gateway,
                merchant,
                customer,
                price_id,
                source,
                idempotency_key,
                return_url,
                client,
                voucher_code,
            )
        if payment.status == PaymentStatus.PENDING:
            payment = await charges.charge(sessions, gateway, merchant, payment)
        async with sessions() as session:
            assert payment.subscription_id is not None
            subscription = await repo.subscription_by_id(session, merchant.id, payment.subscription_id)
    assert subscription is not None
    return Started(subscription, payment)


async def _replayed(
    sessions: async_sessionmaker[AsyncSession], merchant: Merchant, customer: Customer, price_id: int, key: str
) -> Payment | None:
    async with sessions() as session:
        payment = await repo.payment_by_key(session, merchant.id, key)
    if payment is None:
        return None
    if payment.price_id != price_id or payment.customer_id != customer.id or payment.kind != "subscription":
        raise Conflict("This idempotency key was used for another payment")
    return payment


@dataclass(frozen=True, slots=True)
class _Terms:
    """What a start is sold on, read before anything is written: the price, a voucher's discount, whether a trial
    is given, and the sandbox test clock the customer's billing runs on."""

    price: Price
    discount: vouchers.Discount | None
    trial: bool
    clock_id: int | None
    # A seasonal price's first period: the rest of the season under way (None: the price isn't seasonal).
    season: SeasonDates | None = None


async def _start(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    price_id: int,
    source: payment_methods.Source,
    key: str,
    return_url: str | None,
    client: ClientInfo,
    voucher_code: str | None,
) -> Payment:
    """The subscription and its first payment written (or the payment of the same key, raced in from another
    request)."""
    terms = await _terms_of(sessions, merchant, customer, price_id, client, voucher_code)
    price, discount = terms.price, terms.discount
    now = clock.now()
    subscription, first = _new_subscription(gateway, merchant, customer, terms, client, now)
    amount = first.amount + (price.setup_fee_amount or 0)
    # Saved even when nothing is charged now, as the periods after a trial are charged to it: verified first, and
    # a card made the default only once it is.
    method = await payment_methods.method_for(
        sessions, gateway, merchant, customer, source, price.currency, proven=amount > 0
    )
    subscription.method, subscription.gateway_method = method.kind, method.token
    subscription.gateway_customer_ref = method.customer_ref
    payment = _first_payment(gateway, merchant, customer, terms, first, amount, method, key, return_url, client, now)
    awaiting: list[Payment] = []

    async def steps(session: AsyncSession) -> None:
        awaiting.extend(await _write_attempt(session, merchant, customer, price, subscription, payment, discount))

    started = await charges.start_payment(
        sessions, payment, steps, replayed=lambda: _replayed(sessions, merchant, customer, price_id, key)
    )
    if started is not payment:
        return started  # raced in from another request with the same key: that one replaced what it found
    # A replaced attempt never starts: a challenge it still awaits can no longer be passed (see billing.charges).
    for given_up in awaiting:
        await charges.give_up(sessions, gateway, merchant, given_up)
    return payment


async def _terms_of(
    sessions: async_sessionmaker[AsyncSession],
    merchant: Merchant,
    customer: Customer,
    price_id: int,
    client: ClientInfo,
    voucher_code: str | None,
) -> _Terms:
    async with sessions() as session:
        price = await purchases.price_on_sale(session, merchant.id, price_id, client, kind="subscription")
        await refuse_running(session, merchant.id, customer.id, price.product_id)  # before the card is saved
        discount = await vouchers.discount_for(session, merchant.id, voucher_code, price) if voucher_code else None
        trial = await _trial_allowed(session, merchant.id, customer.id, price)
        clock_id = await sandbox_clocks.clock_id_for(session, merchant.id, customer.id)
        season = await _season_on_sale(session, merchant.id, price)
    return _Terms(price, discount, trial, clock_id, season)


async def _season_on_sale(session: AsyncSession, merchant_id: int, price: Price) -> SeasonDates | None:
    """A seasonal price is sold while one of its seasons is under way, for the rest of that season; between seasons
    and after the last it is not on sale. None: the price isn't seasonal."""
    seasonal = await seasons.seasons_by_price(session, merchant_id, [price.id])
    if price.id not in seasonal:
        return None
    now = clock.now()
    season = seasons.season_period(seasonal[price.id], now)
    if season is None or season.starts_at > now:
        raise NotOnSale(SaleRefusal.NOT_NOW)
    return season


def _new_subscription(
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    terms: _Terms,
    client: ClientInfo,
    now: datetime,
) -> tuple[Subscription, periods.PeriodCharge]:
    """The subscription, `incomplete` until its first payment settles, with its trial or its first period; and
    what that first period charges (nothing for a trial)."""
    price, discount = terms.price, terms.discount
    subscription = new_subscription(
        merchant.id,
        customer.id,
        price,
        now,
        gateway=gateway.name,
        clock_id=terms.clock_id,
        country_code=client.country_code,
        voucher_id=discount.voucher.id if discount else None,
        discounted_charges_left=_charges_discounted(discount),
        due_at=now + periods.INCOMPLETE_FOR,
    )
    if terms.trial:
        assert price.trial_period_unit and price.trial_period_quantity
        subscription.trial_ends_at = access_service.period_end(
            now, price.trial_period_unit, price.trial_period_quantity
        )
        subscription.current_period_end = subscription.trial_ends_at
        first = periods.PeriodCharge(0, 0, 0)
    elif terms.season is not None:
        periods.begin_season(subscription, terms.season)
        first = periods.charge_for_next_period(subscription, discount.voucher if discount else None, first=True)
    else:
        periods.begin_period(subscription, now)
        first = periods.charge_for_next_period(subscription, discount.voucher if discount else None, first=True)
    return subscription, first


def _first_payment(
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    terms: _Terms,
    first: periods.PeriodCharge,
    amount: int,
    method: payment_methods.Method,
    key: str,
    return_url: str | None,
    client: ClientInfo,
    now: datetime,
) -> Payment:
    """The first payment, `pending`: the first period (or nothing, in a trial) and the setup fee."""
    price, discount = terms.price, terms.discount
    payment = Payment(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        kind="subscription",
        idempotency_key=key,
        amount=amount,
        currency=price.currency,
        discount=first.discount,
        credit_used=0,
        voucher_id=discount.voucher.id if discount else None,
        gateway=gateway.name,
        method=method.kind,
        gateway_customer_ref=method.customer_ref,
        gateway_method=method.token,
        status=PaymentStatus.PENDING,
        return_url=return_url,
        ip_address=client.ip_address,
        country_code=client.country_code,
        created_at=now,
        updated_at=now,
    )
    if method.unproven is not None:
        saved = method.unproven.saved
        payment.card_brand, payment.card_last4 = saved.brand, saved.last4
        payment.card_exp_month, payment.card_exp_year = saved.exp_month, saved.exp_year
        payment.card_holder = method.unproven.holder
    return payment


async def _write_attempt(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    price: Price,
    subscription: Subscription,
    payment: Payment,
    discount: vouchers.Discount | None,
) -> Sequence[Payment]:
    """Write the attempt, replacing the customer's earlier ones at the item; returns the first payments of those
    still awaiting the payer."""
    # Written first, as a purchase is (see billing.purchases): the first payment is the customer's one open
    # attempt at the item, and a subscription that started meanwhile is seen after it.
    session.add(subscription)
    await session.flush()
    payment.subscription_id = subscription.id
    session.add(payment)
    await session.flush()
    await refuse_running(session, merchant.id, customer.id, price.product_id)
    # An earlier attempt whose first charge was declined or never authenticated blocks nothing: this one
    # replaces it.
    earlier = await repo.incomplete_subscriptions(session, merchant.id, customer.id, price.product_id)
    replaced = [s for s in earlier if s.id != subscription.id]
    for attempt in replaced:
        periods.expire(attempt)
    await outbox.record(session, *(events.subscription_changed(s, "subscribe.expired") for s in replaced))
    awaiting = await repo.open_first_payments(session, merchant.id, [s.id for s in replaced])
    if discount:
        await vouchers.use(session, merchant.id, discount.voucher.id)
    return awaiting


async def refuse_running(session: AsyncSession, merchant_id: int, customer_id: int, product_id: int) -> None:
    """AlreadyHeld when the customer's subscription to the product still runs."""
    if await repo.running_subscription(session, merchant_id, customer_id, product_id, EXCLUSIVE):
        raise AlreadyHeld(Holding.SUBSCRIPTION)


async def subscription_of(
    session: AsyncSession,
    merchant_id: int,
    subscription_id: int,
    *,
    customer_id: int | None = None,
    to_change: bool = False,
) -> Subscription:
    """The merchant's subscription; with `customer_id`, only if it is that customer's; `to_change`: as it is now,
    and no other transaction changes it until this ends."""
    subscription = await repo.subscription_by_id(session, merchant_id, subscription_id, lock=to_change)
    if subscription is None or (customer_id is not None and subscription.customer_id != customer_id):
        raise NotFound(what=Missing.SUBSCRIPTION)
    return subscription


async def subscriptions_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    customer_id: int | None,
    statuses: Collection[SubscriptionStatus] | None,
    page: int,
    limit: int,
) -> tuple[int, Sequence[Subscription]]:
    return await repo.subscriptions_page(
        session, merchant_id, customer_id=customer_id, statuses=statuses, offset=page * limit, limit=limit
    )


async def cancel(session: AsyncSession, merchant_id: int, subscription: Subscription, *, immediately: bool) -> None:
    """Cancel at the period's end (access runs until then) or at once (access ends now); either cancels a pending
    plan switch (billing.switches). Cancelling what has already ended is refused; cancelling twice at the period's
    end is no change."""
    if subscription.status in FINISHED:
        raise InvalidInput({"subscription": "This subscription has already ended"})
    if subscription.gateway in STORES:
        # The store goes on charging whatever Boxoffice marks: the customer cancels in the store, which tells.
        raise SubscriptionRefused(SubscriptionRefusal.STORE_BILLED)
    if subscription.status == SubscriptionStatus.CANCELED and not immediately:
        return
    now = await sandbox_clocks.now_for(session, merchant_id, subscription.customer_id)
    with clock.pinned(now):
        periods.cancel(subscription, immediately=immediately)
        await switches.drop_pending(session, subscription)
        told = [events.subscription_changed(subscription, "subscribe.cancelled.success")]
        if subscription.status == SubscriptionStatus.ENDED and subscription.entitlement_id is not None:
            await access_repo.revoke_by_id(
                session, merchant_id, subscription.customer_id, subscription.entitlement_id, clock.now(), "canceled"
            )
            told.append(events.access_revoked(subscription))
        await outbox.record(session, *told)


async def cancel_subscription(
    session: AsyncSession, merchant_id: int, subscription_id: int, *, customer_id: int, immediately: bool
) -> Subscription:
    """The merchant cancels its customer's subscription, as `cancel` does (NotFound if it is not theirs)."""
    subscription = await subscription_of(session, merchant_id, subscription_id, customer_id=customer_id)
    await cancel(session, merchant_id, subscription, immediately=immediately)
    return subscription


async def resume(session: AsyncSession, merchant_id: int, subscription: Subscription) -> None:
    """Take back a cancel while the period it ends with still runs; an ended subscription is bought anew."""
    if subscription.status in CHARGING:
        return
    now = await sandbox_clocks.now_for(session, merchant_id, subscription.customer_id)
    if subscription.status != SubscriptionStatus.CANCELED or subscription.current_period_end <= (now or clock.now()):
        raise InvalidInput({"subscription": "This subscription has ended: subscribe again"})
    with clock.pinned(now):
        periods.resume(subscription)
        await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))


async def apply_voucher(session: AsyncSession, merchant_id: int, subscription: Subscription, voucher_code: str) -> None:
    """A voucher on a running subscription: its next charges are discounted as the voucher says (one, some or
    all of them). One voucher at a time; VoucherRefused says why not."""
    if subscription.status not in CHARGING:
        raise VoucherRefused(VoucherRefusal.NOT_RUNNING)
    if subscription.gateway in STORES:  # the store sets its own price: a voucher here would discount nothing
        raise SubscriptionRefused(SubscriptionRefusal.STORE_BILLED)
    if subscription.voucher_id is not None and subscription.discounted_charges_left != 0:
        raise Conflict("A voucher is already applied to this subscription")
    price = await catalog_repo.price_by_id(session, merchant_id, subscription.price_id)
    if price is None:
        raise VoucherRefused(VoucherRefusal.WRONG_PRICE)
    discount = await vouchers.discount_for(session, merchant_id, voucher_code, price)
    await vouchers.use(session, merchant_id, discount.voucher.id)
    subscription.voucher_id = discount.voucher.id
    subscription.discounted_charges_left = _charges_discounted(discount)
    subscription.updated_at = clock.now()
    await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))


async def cancel_by_token(session: AsyncSession, customer: Customer, token: str) -> Subscription:
    """The viewer's own unsubscribe link."""
    subscription = await repo.subscription_by_cancel_token(session, customer.merchant_id, token)
    if subscription is None or subscription.customer_id != customer.id:
        raise NotFound(what=Missing.SUBSCRIPTION)
    await cancel(session, customer.merchant_id, subscription, immediately=False)
    return subscription


def renews_at(subscription: Subscription) -> datetime | None:
    """When the next charge is taken, if one will be."""
    return subscription.due_at if subscription.status in CHARGING else None


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription with what is shown beside it: its item, its price, its last charge."""

    subscription: Subscription
    product: Product
    price: Price | None
    last_charge: Payment | None


async def views_of(
    session: AsyncSession, merchant_id: int, subscriptions: Sequence[Subscription]
) -> list[SubscriptionView]:
    products = await catalog_repo.products_by_ids(session, merchant_id, [s.product_id for s in subscriptions])
    prices = await catalog_repo.prices_by_ids(session, merchant_id, [s.price_id for s in subscriptions])
    charges = await repo.last_charges_of(session, merchant_id, [s.id for s in subscriptions])
    return [
        SubscriptionView(s, products[s.product_id], prices.get(s.price_id), charges.get(s.id))
        for s in subscriptions
        if s.product_id in products
    ]
