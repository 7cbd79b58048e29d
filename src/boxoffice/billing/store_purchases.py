"""Purchases made in an app store, verified with the store and recorded as the core's payments on the store as
gateway: access, the ledger (the sale at the merchant's price, and apart from it what the store kept), analytics
and webhooks as for any other payment.

A receipt is verified with no transaction open (Google is asked over the network). Its transaction is then
recorded once, under a key of its own (`store-<store>-<transaction id>`), with a hold on that id, so the same
receipt sent twice, or twice at once, records nothing twice: the second time answers the payment the first made,
and a receipt another account used is refused. A subscription bought in a store runs until the period end the
store gives and is renewed by the store (its notifications, or the app sending the renewal's receipt), never
charged here (`renewals`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access_service
from boxoffice.billing import books, events, merchant_billed, orders, periods, refunds, subscriptions
from boxoffice.billing import repository as repo
from boxoffice.billing.models import RUNNING, Payment, PaymentStatus, Subscription, SubscriptionStatus
from boxoffice.billing.store_settings import store_app_of
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.events import outbox
from boxoffice.gateways import app_store
from boxoffice.gateways import repository as gateways_repo
from boxoffice.gateways.amazon_appstore import AmazonAppstore
from boxoffice.gateways.google_play import GooglePlay
from boxoffice.gateways.roku_pay import RokuPay
from boxoffice.gateways.stores import Store, StoreApp, StoreRefusal, StoreRefused, VerifiedPurchase
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.db import hold, transaction
from boxoffice.kit.errors import Missing, NotFound
from boxoffice.kit.sealing import Sealer

MAX_RECEIPT = 20_000
MAX_REF = 160  # of the payment's key, String(200)


@dataclass(frozen=True, slots=True)
class StoreVerifiers:
    """How each store is asked: Apple's roots the signatures must lead to, Google's API client."""

    apple_roots: list[bytes]
    google_play: GooglePlay
    amazon: AmazonAppstore
    roku: RokuPay


@dataclass(frozen=True, slots=True)
class StorePurchase:
    """What the app sends: the store's receipt, and what it bought — the store's product id, or the price."""

    store: Store
    receipt: str
    sku: str | None = None  # the store's product id
    price_id: int | None = None
    product_id: int | None = None  # the catalogue's product the price is of, when the app names it too
    store_user_id: str | None = None  # the buyer's id at the store, where the store needs it (Amazon)


@dataclass(frozen=True, slots=True)
class Recorded:
    payment_id: int
    subscription_id: int | None
    new: bool  # False: the receipt was recorded before, and nothing more was


@dataclass(frozen=True, slots=True)
class _Bought:
    app: StoreApp
    fee_rate: int
    product_id: str
    price_id: int
    subscription: bool


async def _what_was_bought(
    sessions: async_sessionmaker[AsyncSession], sealer: Sealer, merchant_id: int, asked: StorePurchase
) -> _Bought:
    async with transaction(sessions) as session:
        row = await gateways_repo.store_app(session, merchant_id, asked.store)
        if row is None:
            raise StoreRefused(StoreRefusal.NOT_CONFIGURED)
        if asked.sku:
            mapped = await repo.store_product(session, merchant_id, asked.store, asked.sku.strip())
        elif asked.price_id is not None:
            mapped = await repo.store_product_of_price(session, merchant_id, asked.store, asked.price_id)
        else:
            mapped = None
        if mapped is None:
            raise StoreRefused(StoreRefusal.UNKNOWN_PRODUCT)
        price = await catalog_repo.price_by_id(session, merchant_id, mapped.price_id)
        if price is None:
            raise NotFound(what=Missing.PRICE)
        if asked.product_id is not None and asked.product_id != price.product_id:
            raise StoreRefused(StoreRefusal.UNKNOWN_PRODUCT)
        return _Bought(
            store_app_of(row, sealer), row.fee_rate, mapped.product_id, price.id, price.kind == "subscription"
        )


async def _verified(verifiers: StoreVerifiers, bought: _Bought, asked: StorePurchase) -> VerifiedPurchase:
    receipt = asked.receipt
    if not receipt or len(receipt) > MAX_RECEIPT:
        raise StoreRefused(StoreRefusal.MALFORMED)
    store, app = bought.app.store, bought.app
    if store is Store.APPLE:
        found = app_store.verify_transaction(receipt, app, verifiers.apple_roots)
    elif store is Store.GOOGLE_PLAY:
        found = await verifiers.google_play.verify(app, bought.product_id, receipt, subscription=bought.subscription)
    elif store is Store.AMAZON:
        found = await verifiers.amazon.verify(app, receipt, asked.store_user_id)
    else:
        found = await verifiers.roku.verify(app, receipt, subscription=bought.subscription)
    if found.product_id != bought.product_id or (found.expires_at is not None) != bought.subscription:
        raise StoreRefused(StoreRefusal.UNKNOWN_PRODUCT)
    if found.expires_at is not None and found.expires_at <= clock.now():
        raise StoreRefused(StoreRefusal.NOT_PAID)  # a period that is over: the store has not renewed it
    return found


async def record_store_purchase(
    sessions: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    verifiers: StoreVerifiers,
    merchant_id: int,
    customer_id: int,
    asked: StorePurchase,
) -> Recorded:
    """Verify the receipt with its store and record what it paid for, once."""
    bought = await _what_was_bought(sessions, sealer, merchant_id, asked)
    verified = await _verified(verifiers, bought, asked)
    async with transaction(sessions) as session:
        merchant = await identity_repo.merchant_by_id(session, merchant_id)
        customer = await identity_repo.customer_by_id(session, merchant_id, customer_id)
        price = await catalog_repo.price_by_id(session, merchant_id, bought.price_id)
        product = await catalog_repo.product_by_id(session, merchant_id, price.product_id) if price else None
        if merchant is None or customer is None or price is None or product is None:
            raise NotFound(what=Missing.PRICE)
        await hold(session, "store transaction", merchant_id, verified.store, verified.original_id)
        known = await repo.payment_by_key(session, merchant_id, payment_key(verified))
        if known is not None:
            if known.customer_id != customer.id:
                raise StoreRefused(StoreRefusal.USED)
            return Recorded(known.id, known.subscription_id, new=False)
        if verified.expires_at is None:
            payment = await _purchase(session, merchant, customer, product, price, verified, bought.fee_rate)
            return Recorded(payment.id, None, new=True)
        payment = await _subscription_paid(session, merchant, customer, product, price, verified, bought.fee_rate)
        return Recorded(payment.id, payment.subscription_id, new=True)


def payment_key(verified: VerifiedPurchase) -> str:
    """The key a store's charge is recorded under, once. A one-time purchase is its original transaction, however
    often it is restored under a new id; Amazon and Roku keep one receipt across a subscription's renewals, its
    expiry moving on, so each period they tell of is a charge of its own."""
    if verified.expires_at is None:
        ref = verified.original_id
    elif verified.store in (Store.AMAZON, Store.ROKU) and verified.transaction_id == verified.original_id:
        ref = f"{verified.transaction_id}-{clock.unix(verified.expires_at)}"
    else:
        ref = verified.transaction_id
    if len(ref) > MAX_REF:  # Amazon's receipt ids run to hundreds of characters
        ref = hashlib.sha256(ref.encode()).hexdigest()
    return f"store-{verified.store.value}-{ref}"


def _payment(
    merchant_id: int, customer_id: int, price: Price, verified: VerifiedPurchase, fee_rate: int, kind: str
) -> Payment:
    # Booked at the merchant's price for the item, in its currency: what the store charged in the buyer's
    # currency is the store's to convert, and it pays the merchant in the merchant's. A period the store charged
    # nothing for (a free trial's, a family member's share) is recorded at nothing.
    amount = 0 if verified.unpaid else price.amount
    return Payment(
        merchant_id=merchant_id,
        customer_id=customer_id,
        product_id=price.product_id,
        price_id=price.id,
        kind=kind,
        idempotency_key=payment_key(verified),
        amount=amount,
        currency=price.currency,
        fee=(amount * fee_rate + 5_000) // 10_000,
        gateway=verified.store.value,
        method=verified.store.value,
        gateway_customer_ref="",
        gateway_method="",
        gateway_charge_id=verified.transaction_id[:64],
        # Paid already, at the store: never pending, so never one of a customer's open attempts to pay.
        status=PaymentStatus.SUCCEEDED,
    )


async def _settled(session: AsyncSession, payment: Payment) -> None:
    payment.status = PaymentStatus.SUCCEEDED
    if payment.amount:
        payment.ledger_transaction_id = (await books.book_charge(session, payment)).id
    if payment.fee:
        await books.book_fee(session, payment)
    await outbox.record(session, *events.paid(payment))


async def _purchase(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    product: Product,
    price: Price,
    verified: VerifiedPurchase,
    fee_rate: int,
) -> Payment:
    payment = _payment(merchant.id, customer.id, price, verified, fee_rate, "purchase")
    session.add(payment)
    await session.flush()
    entitlement = await access_service.grant_access(
        session, merchant, customer, product, source="purchase", price=price, source_ref=str(payment.id)
    )
    payment.entitlement_id = entitlement.id
    await _settled(session, payment)
    return payment


async def _subscription_paid(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    product: Product,
    price: Price,
    verified: VerifiedPurchase,
    fee_rate: int,
) -> Payment:
    """The first charge of a store's subscription starts it; a later one (the app sent a renewal's receipt before
    the store's notification came) renews the one it started."""
    assert verified.expires_at is not None
    known = await repo.store_subscription(session, merchant.id, verified.store, verified.original_id)
    if known is not None and known.customer_id != customer.id:
        raise StoreRefused(StoreRefusal.USED)
    if known is not None and known.status != SubscriptionStatus.INCOMPLETE:
        return await record_store_renewal(session, merchant, known, verified, fee_rate)
    subscription = await _started(session, merchant, customer, product, price, verified)
    return await _subscription_charge(session, subscription, price, verified, fee_rate, "subscription")


async def record_store_renewal(
    session: AsyncSession, merchant: Merchant, subscription: Subscription, verified: VerifiedPurchase, fee_rate: int
) -> Payment:
    """A charge the store made for the subscription (its key new), running it on until the store's expiry: one
    ended or cancelled here runs again, as the store went on billing it."""
    price = await catalog_repo.price_by_id(session, merchant.id, subscription.price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    if subscription.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
        subscription.status, subscription.ended_at, subscription.canceled_at = SubscriptionStatus.ACTIVE, None, None
        await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
    await extend_store_subscription(session, merchant, subscription, verified)
    return await _subscription_charge(session, subscription, price, verified, fee_rate, "renewal")


async def _subscription_charge(
    session: AsyncSession,
    subscription: Subscription,
    price: Price,
    verified: VerifiedPurchase,
    fee_rate: int,
    kind: str,
) -> Payment:
    payment = _payment(subscription.merchant_id, subscription.customer_id, price, verified, fee_rate, kind)
    payment.subscription_id, payment.entitlement_id = subscription.id, subscription.entitlement_id
    session.add(payment)
    await session.flush()
    await _settled(session, payment)
    return payment


async def _started(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    product: Product,
    price: Price,
    verified: VerifiedPurchase,
) -> Subscription:
    assert verified.expires_at is not None
    await hold(session, "running subscription", merchant.id, customer.id, product.id)
    await subscriptions.refuse_running(session, merchant.id, customer.id, product.id)
    now = clock.now()
    subscription = subscriptions.new_subscription(
        merchant.id,
        customer.id,
        price,
        now,
        gateway=verified.store.value,
        clock_id=None,
        status=SubscriptionStatus.ACTIVE,
        discounted_charges_left=0,
        cycle=1,
        method=verified.store.value,
        # The buyer's id at the store, where the store asks for it (Amazon): the poll of its renewals sends it.
        gateway_customer_ref=(verified.store_user_id or "")[:64],
        gateway_method="",
        external_id=verified.original_id[:200],
    )
    periods.begin_period(subscription, now)
    # The store's period, not one computed here: it is the store that bills and says until when.
    subscription.current_period_end = subscription.billing_anchor = max(verified.expires_at, now)
    subscription.due_at = subscription.current_period_end
    subscription.period_paid = price.amount
    session.add(subscription)
    await session.flush()
    entitlement = await access_service.grant_access(
        session,
        merchant,
        customer,
        product,
        source="subscription",
        starts_at=now,
        expires_at=subscription.current_period_end,
        price=price,
        source_ref=str(subscription.id),
    )
    subscription.entitlement_id = entitlement.id
    return subscription


async def extend_store_subscription(
    session: AsyncSession, merchant: Merchant, subscription: Subscription, verified: VerifiedPurchase
) -> None:
    """The store renewed the subscription until `verified.expires_at`: its period and its access run on."""
    assert verified.expires_at is not None
    if verified.expires_at <= subscription.current_period_end:
        return
    subscription.current_period_start = subscription.current_period_end
    subscription.current_period_end = subscription.due_at = verified.expires_at
    subscription.cycle += 1
    await merchant_billed.access_until(session, merchant, subscription, reopen=False)


async def record_store_refund(session: AsyncSession, merchant: Merchant, payment: Payment, reference: str) -> None:
    """The store gave the payment back whole (a refund, a chargeback): booked with the store's fee it returns,
    access to what it bought ended, and a subscription it paid for ended now. Told again, nothing more happens."""
    if payment.refunded >= payment.amount:
        return
    await refunds.record_refund_made_elsewhere(
        session, payment, amount=None, reason="Refunded by the store", refund_ref=reference[:64], reference=reference
    )
    if payment.fee:
        await books.book_fee_returned(session, payment)
    if payment.subscription_id is not None:
        subscription = await repo.subscription_by_id(session, merchant.id, payment.subscription_id)
        if subscription is not None and subscription.status in RUNNING:
            subscription.status, subscription.due_at = SubscriptionStatus.ENDED, None
            subscription.ended_at = subscription.updated_at = clock.now()
            await outbox.record(session, events.subscription_changed(subscription, "subscribe.expired"))


async def pay_order_in_store(
    sessions: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    verifiers: StoreVerifiers,
    customer: Customer,
    order_id: int,
    asked: StorePurchase,
) -> orders.PaidOrder:
    """The customer's order paid in a store (Cleeng's in-app payments): the receipt must be for the store's
    product of the order's price."""
    async with transaction(sessions) as session:
        order = await orders.order_of(session, customer, order_id)
        price_id = order.price_id
    recorded = await record_store_purchase(
        sessions, sealer, verifiers, customer.merchant_id, customer.id, replace(asked, sku=None, price_id=price_id)
    )
    async with transaction(sessions) as session:
        payment = await repo.payment_by_id(session, customer.merchant_id, recorded.payment_id)
    assert payment is not None
    return await orders.record_order_payment(sessions, customer, order_id, payment)
