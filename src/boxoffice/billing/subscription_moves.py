"""What the merchant's back end does with any of its subscriptions, by id: cancel at the period's end, terminate
now, take a cancel back, revive one that ended, hand it to another customer, and change several things at once.
Each refusal of a state that doesn't allow the change is a `SubscriptionRefused` naming why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as access_repo
from boxoffice.billing import events, merchant_billed, payment_methods, sandbox_clocks, subscriptions
from boxoffice.billing import repository as billing_repo
from boxoffice.billing.models import (
    CHARGING,
    FINISHED,
    MERCHANT_BILLED,
    NOT_STARTED,
    RUNNING,
    Subscription,
    SubscriptionStatus,
)
from boxoffice.billing.refusals import SubscriptionRefusal, SubscriptionRefused
from boxoffice.billing.subscription_changes import move_period_end
from boxoffice.events import outbox
from boxoffice.identity.customers import get_customer
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import Missing, NotFound


async def _now(session: AsyncSession, subscription: Subscription) -> datetime:
    return await sandbox_clocks.now_for(session, subscription.merchant_id, subscription.customer_id) or clock.now()


def _not_over(subscription: Subscription) -> None:
    if subscription.status in FINISHED or subscription.status in NOT_STARTED:
        raise SubscriptionRefused(SubscriptionRefusal.ENDED)


async def cancel_subscription(session: AsyncSession, merchant_id: int, subscription_id: int) -> Subscription:
    """Cancel at the end of the period paid for (access runs until then; a paused one ends now), and any pause
    asked for with it."""
    subscription = await subscriptions.subscription_of(session, merchant_id, subscription_id)
    _not_over(subscription)
    subscription.pause_starts_at = subscription.resumes_at = None
    await subscriptions.cancel(session, merchant_id, subscription, immediately=False)
    return subscription


async def terminate_subscription(session: AsyncSession, merchant_id: int, subscription_id: int) -> Subscription:
    """End it now, and the access it gives with it."""
    subscription = await subscriptions.subscription_of(session, merchant_id, subscription_id)
    _not_over(subscription)
    subscription.pause_starts_at = subscription.resumes_at = None
    await subscriptions.cancel(session, merchant_id, subscription, immediately=True)
    return subscription


async def activate_subscription(session: AsyncSession, merchant_id: int, subscription_id: int) -> Subscription:
    """Take back a cancel while the period it ends with still runs; an active one is left as it is."""
    subscription = await subscriptions.subscription_of(session, merchant_id, subscription_id)
    _not_over(subscription)
    if subscription.status == SubscriptionStatus.PAUSED:
        raise SubscriptionRefused(SubscriptionRefusal.PAUSED)
    await subscriptions.resume(session, merchant_id, subscription)
    return subscription


async def revive_subscription(
    session: AsyncSession, merchant: Merchant, subscription_id: int, *, expires_at: datetime
) -> Subscription:
    """Bring back a subscription that ended (or take back a cancel), running until `expires_at` with access until
    then; renewed after as before (charged by Boxoffice, or ended unless the merchant renews one it bills).
    Refused while the customer holds another running subscription to the item, or another running one has its
    external id."""
    subscription = await subscriptions.subscription_of(session, merchant.id, subscription_id)
    if subscription.status in NOT_STARTED:
        raise SubscriptionRefused(SubscriptionRefusal.ENDED)
    now = await _now(session, subscription)
    if subscription.status == SubscriptionStatus.CANCELED:
        await subscriptions.resume(session, merchant.id, subscription)
        await move_period_end(session, subscription, expires_at)
        return subscription
    if subscription.status != SubscriptionStatus.ENDED:
        raise SubscriptionRefused(SubscriptionRefusal.RUNNING)
    if expires_at <= now:
        raise merchant_billed.in_the_past()
    await merchant_billed.refuse_held(
        session, merchant.id, subscription.customer_id, subscription.product_id, subscription.external_id
    )
    with clock.pinned(now):
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.current_period_start, subscription.current_period_end = now, expires_at
        subscription.due_at, subscription.billing_anchor = expires_at, None
        subscription.canceled_at = subscription.ended_at = subscription.trial_ends_at = None
        subscription.pause_starts_at = subscription.resumes_at = None
        subscription.dunning_attempts, subscription.updated_at = 0, now
        await merchant_billed.open_access(session, merchant, subscription)
        await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
    return subscription


async def transfer_subscription(
    session: AsyncSession, merchant: Merchant, subscription_id: int, *, customer_id: int
) -> Subscription:
    """Hand a running subscription the merchant bills to another of its customers, with the rest of its access:
    one Boxoffice charges stays with the customer whose payment method it charges."""
    subscription = await subscriptions.subscription_of(session, merchant.id, subscription_id)
    if subscription.status not in RUNNING:
        raise SubscriptionRefused(SubscriptionRefusal.ENDED)
    if subscription.gateway != MERCHANT_BILLED:
        raise SubscriptionRefused(SubscriptionRefusal.CHARGED)
    to = await get_customer(session, merchant, customer_id)
    if to.id == subscription.customer_id:
        raise SubscriptionRefused(SubscriptionRefusal.SAME_CUSTOMER)
    await merchant_billed.refuse_held(session, merchant.id, to.id, subscription.product_id, None)
    now = await _now(session, subscription)
    with clock.pinned(now):
        told = []
        if subscription.entitlement_id is not None:
            await access_repo.revoke_by_id(
                session, merchant.id, subscription.customer_id, subscription.entitlement_id, now, "transferred"
            )
            told.append(events.access_revoked(subscription))
        subscription.customer_id = to.id
        subscription.clock_id = await sandbox_clocks.clock_id_for(session, merchant.id, to.id)
        subscription.current_period_start = max(subscription.current_period_start, now)
        subscription.entitlement_id, subscription.updated_at = None, now
        await session.flush()
        if subscription.current_period_end > now:
            await merchant_billed.open_access(session, merchant, subscription)
        told.append(events.subscription_changed(subscription, "subscribe.updated"))
        await outbox.record(session, *told)
    return subscription


@dataclass(frozen=True, slots=True)
class SubscriptionUpdate:
    """What the merchant changes of a subscription at once; None leaves each as it is."""

    status: SubscriptionStatus | None = None  # ACTIVE (take a cancel back), CANCELED, or ENDED (terminate)
    voucher_code: str | None = None
    expires_at: datetime | None = None
    in_trial: bool | None = None  # of one the merchant bills
    external_properties: dict[str, Any] | None = None
    payment_details_id: int | None = None  # the customer's saved method (a payment profile) its renewals charge


async def update_subscription(
    session: AsyncSession, merchant: Merchant, subscription_id: int, change: SubscriptionUpdate
) -> Subscription:
    """Apply each change given, in this order: the merchant's data, the trial, the payment method, the period's
    end, a voucher, then the status."""
    subscription = await subscriptions.subscription_of(session, merchant.id, subscription_id)
    told = False
    if change.external_properties is not None:
        subscription.external_properties = change.external_properties
        subscription.updated_at = await _now(session, subscription)
        told = True
    if change.in_trial is not None:
        told = await _set_trial(session, subscription, change.in_trial) or told
    if change.payment_details_id is not None:
        await _charge_to(session, subscription, change.payment_details_id)
        told = True
    if told:
        await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
    if change.expires_at is not None:
        _not_over(subscription)
        await move_period_end(session, subscription, change.expires_at)
    if change.voucher_code is not None:
        await subscriptions.apply_voucher(session, merchant.id, subscription, change.voucher_code)
    if change.status == SubscriptionStatus.ACTIVE:
        await activate_subscription(session, merchant.id, subscription.id)
    elif change.status == SubscriptionStatus.CANCELED:
        await cancel_subscription(session, merchant.id, subscription.id)
    elif change.status == SubscriptionStatus.ENDED:
        await terminate_subscription(session, merchant.id, subscription.id)
    return subscription


async def _set_trial(session: AsyncSession, subscription: Subscription, in_trial: bool) -> bool:
    """Whether a subscription the merchant bills is in its trial (its current period then the trial's); whether
    that changed anything."""
    if in_trial == (subscription.status == SubscriptionStatus.TRIALING):
        return False
    if subscription.gateway != MERCHANT_BILLED:
        raise SubscriptionRefused(SubscriptionRefusal.NOT_MERCHANT_BILLED)
    if subscription.status not in CHARGING:
        raise SubscriptionRefused(SubscriptionRefusal.ENDED)
    now = await _now(session, subscription)
    if in_trial:
        subscription.status, subscription.trial_ends_at = SubscriptionStatus.TRIALING, subscription.current_period_end
    else:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.trial_ends_at = min(now, subscription.current_period_end)
        subscription.cycle = max(subscription.cycle, 1)
    subscription.updated_at = now
    return True


async def _charge_to(session: AsyncSession, subscription: Subscription, profile_id: int) -> None:
    """Renew with the method the customer saved at the subscription's gateway (NotFound when the payment details
    are none of theirs there, or hold no method)."""
    if subscription.gateway == MERCHANT_BILLED:
        raise SubscriptionRefused(SubscriptionRefusal.MERCHANT_BILLED)
    _not_over(subscription)
    profile = await billing_repo.profile_by_id(session, subscription.merchant_id, profile_id)
    if (
        profile is None
        or profile.customer_id != subscription.customer_id
        or profile.gateway != subscription.gateway
        or not profile.method_token
    ):
        raise NotFound(what=Missing.PAYMENT_DETAILS)
    subscription.gateway_customer_ref, subscription.gateway_method = profile.customer_ref, profile.method_token
    subscription.method = payment_methods.default_kind(profile)
    subscription.updated_at = await _now(session, subscription)
