"""A pause of a subscription, asked for by the merchant: from the end of the period paid for, a number of billing
cycles go by without a charge and without the access they would give; then the renewal engine renews it again
(billing.renewals: `periods.begin_pause`, `periods.end_pause`). Taken back before it begins, or ended early, by
`resume_subscription`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.service import period_end
from boxoffice.billing import events, periods, sandbox_clocks, subscriptions
from boxoffice.billing.models import CHARGING, MERCHANT_BILLED, STORES, Subscription, SubscriptionStatus
from boxoffice.billing.refusals import SubscriptionRefusal, SubscriptionRefused
from boxoffice.events import outbox
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput

MAX_CYCLES = 12  # a pause longer than a year of months is a cancellation


async def pause_subscription(
    session: AsyncSession, merchant_id: int, subscription_id: int, *, cycles: int
) -> Subscription:
    """Pause an active subscription Boxoffice charges, out of its trial, for `cycles` billing cycles from the end
    of its current period (its access runs until then)."""
    if not 1 <= cycles <= MAX_CYCLES:
        raise InvalidInput({"cycles": f"A pause lasts 1 to {MAX_CYCLES} billing cycles"})
    subscription = await subscriptions.subscription_of(session, merchant_id, subscription_id)
    if subscription.status == SubscriptionStatus.PAUSED or subscription.pause_starts_at is not None:
        raise SubscriptionRefused(SubscriptionRefusal.PAUSED)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise SubscriptionRefused(SubscriptionRefusal.NOT_PAUSABLE)
    if subscription.gateway == MERCHANT_BILLED:
        raise SubscriptionRefused(SubscriptionRefusal.MERCHANT_BILLED)
    if subscription.gateway in STORES:
        raise SubscriptionRefused(SubscriptionRefusal.STORE_BILLED)
    starts = subscription.current_period_end
    try:
        resumes = period_end(starts, subscription.period_unit, subscription.period_quantity * cycles)
    except (ValueError, OverflowError):  # past the year 9999
        raise InvalidInput({"cycles": "The pause would end beyond any calendar"}) from None
    subscription.pause_starts_at, subscription.resumes_at = starts, resumes
    now = await sandbox_clocks.now_for(session, merchant_id, subscription.customer_id)
    subscription.updated_at = now or clock.now()
    await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
    return subscription


async def resume_subscription(session: AsyncSession, merchant_id: int, subscription_id: int) -> Subscription:
    """Take back a pause that has not begun, or end a running one now: it is renewed (charged, and its access
    opened) by the renewal engine's next pass."""
    subscription = await subscriptions.subscription_of(session, merchant_id, subscription_id)
    now = await sandbox_clocks.now_for(session, merchant_id, subscription.customer_id) or clock.now()
    with clock.pinned(now):
        if subscription.status == SubscriptionStatus.PAUSED:
            periods.end_pause(subscription, now)
        elif subscription.status in CHARGING and subscription.pause_starts_at is not None:
            subscription.pause_starts_at = subscription.resumes_at = None
            subscription.updated_at = now
        else:
            raise SubscriptionRefused(SubscriptionRefusal.NOT_PAUSED)
        await outbox.record(session, events.subscription_changed(subscription, "subscribe.updated"))
    return subscription
