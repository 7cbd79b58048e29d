"""The record of plan switches, and the switches that wait for the next renewal (what a customer asks for is in
billing.plan_switch).

Every switch is a `PlanSwitch`. One made at once (billing.plan_switch.switch_plan) is recorded `succeeded` when its
payment settles, as the subscription moves. One deferred (`defer`: a downgrade, asked for through an API that
knows deferral) is recorded `pending`; the renewal engine applies it just before it writes the next period's
charge, which is then at the new price, and the switch has `succeeded`. Until then the customer may cancel it.

A subscription has at most one pending switch, and while it has one no other switch is made. Cancelling the
subscription (at the period's end or at once) cancels its pending switch: a cancelled subscription has no renewal
to apply it at, and taking the cancel back doesn't bring the switch back (the customer asks for it again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import events, periods
from boxoffice.billing import repository as billing_repo
from boxoffice.billing import switches_repository as repo
from boxoffice.billing.models import PlanSwitch, PlanSwitchStatus, Subscription
from boxoffice.billing.rows import SubscriptionFields
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.events import outbox
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict

# How the money is settled: at once, the unused part of the period credited against the new price's first period;
# or nothing now, the new price charged from the next renewal.
IMMEDIATE = "immediate_prorated"
DEFERRED = "deferred"

# Hours in one period of each unit, a month being a twelfth of a year, so that plans of different periods compare
# by what they cost over the same time.
HOURS = {"hour": 1, "day": 24, "week": 168, "month": 730, "year": 8760}


def _hours(unit: str, quantity: int) -> int:
    return HOURS.get(unit, HOURS["month"]) * quantity


def direction(subscription: Subscription, price: Price) -> str:
    """`upgrade` when `price` costs at least as much per unit of time as the subscription, else `downgrade`.

    The amounts alone would call 99.00 a year dearer than 9.99 a month, though it costs less over the year; what
    makes a plan dearer is the money it takes per unit of time, so each amount is set against the other's period.
    An equal cost counts as an upgrade: switching at once loses the customer nothing."""
    dearer = price.amount * _hours(subscription.period_unit, subscription.period_quantity)
    current = subscription.amount * _hours(price.period_unit, price.period_quantity)
    return "upgrade" if dearer >= current else "downgrade"


def _record(subscription: Subscription, price: Price, algorithm: str, status: PlanSwitchStatus) -> PlanSwitch:
    now = clock.now()
    return PlanSwitch(
        merchant_id=subscription.merchant_id,
        customer_id=subscription.customer_id,
        subscription_id=subscription.id,
        from_price_id=subscription.price_id,
        to_price_id=price.id,
        direction=direction(subscription, price),
        algorithm=algorithm,
        status=status,
        created_at=now,
        updated_at=now,
    )


def record_switched(session: AsyncSession, subscription: Subscription, price: Price) -> None:
    """A switch made at once; called before the subscription moves, while it still names the price left."""
    session.add(_record(subscription, price, IMMEDIATE, PlanSwitchStatus.SUCCEEDED))


async def refuse_if_pending(session: AsyncSession, subscription: Subscription) -> None:
    if await pending_switch(session, subscription.merchant_id, subscription.id) is not None:
        raise Conflict("A switch of this subscription is already pending: cancel it before asking for another")


async def defer(session: AsyncSession, subscription: Subscription, price: Price) -> PlanSwitch:
    """Switch to `price` at the next renewal. The caller holds the subscription locked, so that two requests
    at once can't both leave a pending switch."""
    await refuse_if_pending(session, subscription)
    record = _record(subscription, price, DEFERRED, PlanSwitchStatus.PENDING)
    session.add(record)
    await session.flush()  # its id, for the event
    await outbox.record(session, events.switch_changed(subscription, record))
    return record


async def pending_switch(session: AsyncSession, merchant_id: int, subscription_id: int) -> PlanSwitch | None:
    return (await repo.pending_switches_of(session, merchant_id, [subscription_id])).get(subscription_id)


async def pending_switches(
    session: AsyncSession, merchant_id: int, subscription_ids: Sequence[int]
) -> dict[int, PlanSwitch]:
    """By subscription id, for the subscriptions that have one."""
    return await repo.pending_switches_of(session, merchant_id, subscription_ids)


async def cancel(session: AsyncSession, customer: Customer, record: PlanSwitch, at: datetime) -> PlanSwitch:
    """Cancel the customer's pending switch (the caller found it pending); a Conflict when it was applied or
    cancelled meanwhile."""
    if not await repo.cancel_pending(session, customer.merchant_id, record.id, at):
        raise Conflict("Only a pending switch can be cancelled: this one was applied or cancelled meanwhile")
    cancelled = await repo.switch_of_customer(session, customer.merchant_id, customer.id, record.id)
    subscription = await billing_repo.subscription_by_id(session, customer.merchant_id, record.subscription_id)
    assert cancelled is not None and subscription is not None  # a switch goes with its subscription
    await outbox.record(
        session, events.switch_changed(subscription, cancelled), events.switch_cancelled(subscription, cancelled)
    )
    return cancelled


async def apply_pending(session: AsyncSession, subscriptions: Sequence[SubscriptionFields]) -> None:
    """Before their next period's charge is written: the subscriptions with a pending switch take its price (the
    charge is then at it) and their switches have succeeded."""
    by_merchant: dict[int, dict[int, SubscriptionFields]] = defaultdict(dict)
    for subscription in subscriptions:
        by_merchant[subscription.merchant_id][subscription.id] = subscription
    now = clock.now()
    for merchant_id, mine in by_merchant.items():
        applied = await repo.close_pending_of(session, merchant_id, list(mine), PlanSwitchStatus.SUCCEEDED, now)
        if not applied:
            continue  # no switch was waiting (most renewals): no prices to read
        prices = await catalog_repo.prices_by_ids(session, merchant_id, [s.to_price_id for s in applied])
        for record in applied:
            periods.take_price(mine[record.subscription_id], prices[record.to_price_id])


async def drop_pending(session: AsyncSession, subscription: Subscription) -> None:
    """The subscription was cancelled: so is its pending switch."""
    cancelled = await repo.close_pending_of(
        session, subscription.merchant_id, [subscription.id], PlanSwitchStatus.CANCELLED, clock.now()
    )
    told = [(events.switch_changed(subscription, r), events.switch_cancelled(subscription, r)) for r in cancelled]
    await outbox.record(session, *(event for pair in told for event in pair))
