"""Subscriptions the merchant's own back end bills and renews (an app store's, a partner's, its own payments'):
Boxoffice never charges them, but holds them as any other subscription, with the access they give, so they show
wherever the customer's subscriptions do and their changes are told as theirs are.

Such a subscription's gateway is `MERCHANT_BILLED`; what the merchant names its payment by is kept where a
gateway's references are: its payment method's id in `gateway_method`, its last payment's id in
`gateway_customer_ref`. It runs until the end of its period; the merchant renews it before (`renew_subscription`),
or the renewal engine ends it then (billing.renewals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as access_repo
from boxoffice.access import service as access_service
from boxoffice.billing import events, periods, sandbox_clocks, subscriptions
from boxoffice.billing import merchant_subscriptions_repository as repo
from boxoffice.billing.models import CHARGING, MERCHANT_BILLED, Subscription, SubscriptionStatus
from boxoffice.billing.refusals import NotOnSale, SaleRefusal, SubscriptionRefusal, SubscriptionRefused
from boxoffice.catalog import repository as catalog_repo
from boxoffice.events import outbox
from boxoffice.gateways import connectors
from boxoffice.identity.customers import get_customer
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.db import hold
from boxoffice.kit.errors import InvalidInput, Missing, NotFound

MAX_REF = 64  # what a payment method's or a payment's id may be, as a gateway's references are kept


@dataclass(frozen=True, slots=True)
class MerchantBilled:
    """A subscription as the merchant's back end registers it."""

    customer_id: int
    price_id: int
    payment_method_id: int  # one of the merchant's payment-method settings (gateways.connectors)
    external_id: str
    expires_at: datetime | None = None  # the end of its first period: one period of the price when not given
    in_trial: bool = False
    payment_ref: str | None = None  # the merchant's payment of its first period
    external_properties: dict[str, Any] | None = None


async def _now(session: AsyncSession, merchant_id: int, customer_id: int) -> datetime:
    return await sandbox_clocks.now_for(session, merchant_id, customer_id) or clock.now()


def in_the_past() -> InvalidInput:
    return InvalidInput({"expires_at": "The subscription's end must be in the future"})


def _future(moment: datetime, now: datetime) -> datetime:
    if moment <= now:
        raise in_the_past()
    return moment


def _refs(*refs: str | None) -> None:
    if any(ref is not None and (not ref or len(ref) > MAX_REF) for ref in refs):
        raise InvalidInput({"reference": f"A payment method's or a payment's id is 1 to {MAX_REF} characters"})


async def refuse_held(
    session: AsyncSession, merchant_id: int, customer_id: int, product_id: int, external_id: str | None
) -> None:
    """Refused when another running subscription of the merchant has this external id, or the customer's
    subscription to the product still runs (AlreadyHeld). Both are held until the transaction ends, so that the
    subscription made running after this check is the only one; always in this order, so that two transactions
    never wait for each other."""
    await hold(session, "running subscription", merchant_id, customer_id, product_id)
    if external_id:
        await hold(session, "subscription external id", merchant_id, external_id)
        if await repo.running_by_external_id(session, merchant_id, external_id):
            raise SubscriptionRefused(SubscriptionRefusal.EXTERNAL_ID_TAKEN)
    await subscriptions.refuse_running(session, merchant_id, customer_id, product_id)


async def register_subscription(session: AsyncSession, merchant: Merchant, given: MerchantBilled) -> Subscription:
    """A subscription the merchant bills, running (or in its trial) from now until `expires_at`, with access to
    its item until then. Refused when the customer's subscription to the item still runs (AlreadyHeld), or
    another running subscription has the same external id; NotFound for a payment method not the merchant's."""
    _refs(given.payment_ref)
    customer = await get_customer(session, merchant, given.customer_id)
    await connectors.method_setting(session, merchant.id, given.payment_method_id)
    price = await catalog_repo.price_by_id(session, merchant.id, given.price_id)
    product = await catalog_repo.product_by_id(session, merchant.id, price.product_id) if price else None
    if price is None or product is None:
        raise NotFound(what=Missing.PRICE)
    if price.kind != "subscription":
        raise NotOnSale(SaleRefusal.ONE_TIME_ONLY)
    now = await _now(session, merchant.id, customer.id)
    ends = _future(given.expires_at, now) if given.expires_at else None
    await refuse_held(session, merchant.id, customer.id, price.product_id, given.external_id)
    with clock.pinned(now):
        subscription = subscriptions.new_subscription(
            merchant.id,
            customer.id,
            price,
            now,
            gateway=MERCHANT_BILLED,
            clock_id=await sandbox_clocks.clock_id_for(session, merchant.id, customer.id),
            status=SubscriptionStatus.TRIALING if given.in_trial else SubscriptionStatus.ACTIVE,
            discounted_charges_left=0,
            cycle=0 if given.in_trial else 1,
            method=MERCHANT_BILLED,
            gateway_customer_ref=given.payment_ref or "",
            gateway_method=str(given.payment_method_id),
            external_id=given.external_id,
            external_properties=given.external_properties,
        )
        periods.begin_period(subscription, now)
        if ends is not None:
            # Its periods follow from the end the merchant gave, as a period's end moved does.
            subscription.current_period_end = subscription.billing_anchor = ends
        subscription.due_at = subscription.current_period_end
        if given.in_trial:
            subscription.trial_ends_at = subscription.current_period_end
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
            is_trial=given.in_trial,
        )
        subscription.entitlement_id = entitlement.id
        await outbox.record(
            session, events.subscription_changed(subscription, "subscribe.updated"), events.access_granted(subscription)
        )
    return subscription


async def renew_subscription(
    session: AsyncSession,
    merchant: Merchant,
    subscription_id: int,
    *,
    expires_at: datetime | None,
    payment_ref: str | None,
    convert_trial: bool,
) -> Subscription:
    """The merchant renewed a subscription it bills: a new period from the end of the current one until
    `expires_at` (one period of its price when not given), with access until then; a cancelled one runs on.
    In its trial, the new period is still the trial's unless `convert_trial`. A renewal naming the payment the last
    one named (a retry) changes nothing."""
    _refs(payment_ref)
    subscription = await subscriptions.subscription_of(session, merchant.id, subscription_id)
    if subscription.gateway != MERCHANT_BILLED:
        raise SubscriptionRefused(SubscriptionRefusal.NOT_MERCHANT_BILLED)
    if payment_ref is not None and payment_ref == subscription.gateway_customer_ref:
        return subscription  # the renewal this payment paid for is made already: a retry changes nothing
    if subscription.status not in CHARGING | {SubscriptionStatus.CANCELED}:
        raise SubscriptionRefused(SubscriptionRefusal.ENDED)
    now = await _now(session, merchant.id, subscription.customer_id)
    start = subscription.current_period_end
    with clock.pinned(now):
        if expires_at is None:
            end = _period_after(subscription, start)
        else:
            end = subscription.billing_anchor = _future(expires_at, max(now, start))
        trial = subscription.status == SubscriptionStatus.TRIALING and not convert_trial
        was_trial = subscription.status == SubscriptionStatus.TRIALING
        subscription.current_period_start = start
        subscription.current_period_end = subscription.due_at = end
        subscription.status = SubscriptionStatus.TRIALING if trial else SubscriptionStatus.ACTIVE
        subscription.canceled_at = None
        if trial:
            subscription.trial_ends_at = end
        else:
            subscription.cycle += 1
        if payment_ref is not None:
            subscription.gateway_customer_ref = payment_ref
        subscription.updated_at = now
        await access_until(session, merchant, subscription, reopen=was_trial and not trial)
        await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
    return subscription


def _period_after(subscription: Subscription, start: datetime) -> datetime:
    unit, quantity = subscription.period_unit, subscription.period_quantity
    try:
        return periods.anchored_period_end(subscription.billing_anchor or start, start, unit, quantity)
    except (ValueError, OverflowError):  # past the year 9999
        raise InvalidInput({"expires_at": "The subscription can't be renewed beyond any calendar"}) from None


async def access_until(session: AsyncSession, merchant: Merchant, subscription: Subscription, *, reopen: bool) -> None:
    """Access until the period's end of a subscription billed elsewhere (by the merchant, or a store): the
    entitlement runs on, unless a trial became paid (its entitlement stays a trial's, and a paid one opens) or it
    lapsed before the period began."""
    found = None
    if subscription.entitlement_id is not None:
        found = (await access_repo.entitlements_by_ids(session, merchant.id, [subscription.entitlement_id])).get(
            subscription.entitlement_id
        )
    lapsed = found is None or found.revoked_at is not None or found.expires_at < subscription.current_period_start
    if found is not None and not (reopen or lapsed):
        found.expires_at = max(found.expires_at, subscription.current_period_end)
        return
    await open_access(session, merchant, subscription)


async def open_access(session: AsyncSession, merchant: Merchant, subscription: Subscription) -> None:
    """Access for the subscription's current period, a new entitlement (what came before ends as it begins)."""
    customer = await get_customer(session, merchant, subscription.customer_id)
    product = await catalog_repo.product_by_id(session, merchant.id, subscription.product_id)
    price = await catalog_repo.price_by_id(session, merchant.id, subscription.price_id)
    if product is None or price is None:
        raise NotFound(what=Missing.PRICE)
    await periods.open_new_entitlement(session, merchant, customer, subscription, product, price)
    await outbox.record(session, events.access_granted(subscription))
