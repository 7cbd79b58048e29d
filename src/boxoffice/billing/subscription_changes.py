"""A merchant changing its customer's running subscription to a price: cancelling it at the period's end, taking
the cancel back, or moving when the current period ends (and with it the customer's access and the next renewal)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as access_repo
from boxoffice.billing import events, holdings, sandbox_clocks, subscriptions
from boxoffice.billing.models import Subscription, SubscriptionStatus
from boxoffice.billing.refusals import SubscriptionRefusal, SubscriptionRefused
from boxoffice.events import outbox
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, Missing, NotFound


async def change_subscription(
    session: AsyncSession, customer: Customer, price_id: int, *, cancel: bool | None, ends_at: datetime | None
) -> Subscription:
    """Cancel (`cancel` True, at the period's end), resume (False) or leave as it is (None) the customer's running
    subscription to the price, then move its period's end to `ends_at` if given; NotFound(SUBSCRIPTION) when they
    have none running."""
    subscription = await holdings.running_subscription_to(session, customer, price_id)
    if subscription is None:
        raise NotFound(what=Missing.SUBSCRIPTION)
    if cancel is True:
        await subscriptions.cancel(session, customer.merchant_id, subscription, immediately=False)
    elif cancel is False:
        await subscriptions.resume(session, customer.merchant_id, subscription)
    if ends_at is not None and ends_at != subscription.current_period_end:
        await move_period_end(session, subscription, ends_at)
    return subscription


async def move_period_end(session: AsyncSession, subscription: Subscription, ends_at: datetime) -> None:
    """End the current period (a trial's included) at `ends_at` rather than when it was paid to: access runs until
    then, and a charging subscription renews then, its later periods following from that day. Not while a pause runs
    or is asked for: the pause begins at the period's end, and its dates would go stale."""
    if subscription.status == SubscriptionStatus.PAUSED or subscription.pause_starts_at is not None:
        raise SubscriptionRefused(SubscriptionRefusal.PAUSE_DUE)
    merchant_id = subscription.merchant_id
    now = await sandbox_clocks.now_for(session, merchant_id, subscription.customer_id) or clock.now()
    if ends_at <= now or ends_at <= subscription.current_period_start:
        raise InvalidInput({"expires_at": "The period's end must be in the future"})
    if subscription.status == SubscriptionStatus.PAST_DUE:
        # Its due time is the next retry of a declined renewal, not the period's end.
        raise InvalidInput({"subscription": "A renewal of this subscription is being retried: try again later"})
    subscription.current_period_end = subscription.due_at = ends_at
    if subscription.status == SubscriptionStatus.TRIALING:
        subscription.trial_ends_at = ends_at
    if subscription.billing_anchor is not None:
        subscription.billing_anchor = ends_at
    subscription.updated_at = now
    if subscription.entitlement_id is not None:
        found = await access_repo.entitlements_by_ids(session, merchant_id, [subscription.entitlement_id])
        entitlement = found.get(subscription.entitlement_id)
        if entitlement is not None and entitlement.revoked_at is None:
            entitlement.expires_at = ends_at
    await session.flush()
    await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
