"""The sums behind the monthly recurring revenue and its movement: each subscription's money per period now and at
the start of a window, summed by the database per shape of period (see analytics.mrr for what counts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from boxoffice.billing.models import PlanSwitch, PlanSwitchStatus, Subscription, SubscriptionStatus
from boxoffice.billing.switches import HOURS
from boxoffice.catalog.models import Price

# Statuses in which a subscription that has paid a period is still paid for: past due while dunning retries it,
# cancelled until its period ends.
PAYING = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.CANCELED)


@dataclass(frozen=True, slots=True)
class Shape:
    """Subscriptions alike in what they paid then and pay now: the sums of their amounts per period."""

    currency: str  # now
    unit: str
    quantity: int
    amount: int  # summed, minor units per period
    then_currency: str
    then_unit: str
    then_quantity: int
    then_amount: int
    paying: bool  # now
    paid_then: bool
    direction: int  # 1: each costs more per unit of time now than then, -1: less, 0: the same
    count: int


def _hours(
    unit: ColumnElement[str] | InstrumentedAttribute[str], quantity: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[int]:
    return case(HOURS, value=unit, else_=HOURS["month"]) * quantity


async def mrr_shapes(session: AsyncSession, merchant_id: int, then: datetime) -> list[Shape]:
    """Every subscription paid for now or at `then`, summed per shape. Its price at `then` is the one it was
    switched from by the first switch applied since (a switch's record names the prices; the subscription keeps
    only the price it has now)."""
    s = Subscription
    first_switch = (
        select(PlanSwitch.subscription_id, func.min(PlanSwitch.id).label("id"))
        .where(
            PlanSwitch.merchant_id == merchant_id,
            PlanSwitch.status == PlanSwitchStatus.SUCCEEDED,
            PlanSwitch.updated_at > then,
        )
        .group_by(PlanSwitch.subscription_id)
        .subquery()
    )
    switch, before = aliased(PlanSwitch), aliased(Price)
    amount0 = func.coalesce(before.amount, s.amount)
    currency0 = func.coalesce(before.currency, s.currency)
    unit0 = func.coalesce(before.period_unit, s.period_unit)
    quantity0 = func.coalesce(before.period_quantity, s.period_quantity)
    # A subscription has paid once it has paid a period (a trial is none); it pays from the end of its trial.
    has_paid = s.cycle >= 1
    paying = and_(has_paid, s.status.in_(PAYING), s.ended_at.is_(None))
    paid_then = and_(
        has_paid,
        func.coalesce(s.trial_ends_at, s.created_at) <= then,
        or_(s.ended_at.is_(None), s.ended_at > then),
    )
    # Money per unit of time compared without dividing: now's amount over its period against then's.
    gain = s.amount * _hours(unit0, quantity0) - amount0 * _hours(s.period_unit, s.period_quantity)
    direction = case((gain > 0, 1), (gain < 0, -1), else_=0)
    paying_flag = case((paying, 1), else_=0)
    paid_then_flag = case((paid_then, 1), else_=0)
    keys = (s.currency, s.period_unit, s.period_quantity, currency0, unit0, quantity0)
    found = await session.execute(
        select(*keys, paying_flag, paid_then_flag, direction, func.sum(s.amount), func.sum(amount0), func.count())
        .select_from(s)
        .outerjoin(first_switch, first_switch.c.subscription_id == s.id)
        .outerjoin(switch, and_(switch.id == first_switch.c.id, switch.merchant_id == merchant_id))
        .outerjoin(before, and_(before.id == switch.from_price_id, before.merchant_id == merchant_id))
        .where(s.merchant_id == merchant_id, s.cycle >= 1, or_(paying, paid_then))
        .group_by(*keys, paying_flag, paid_then_flag, direction)
    )
    return [
        Shape(
            currency=str(cur),
            unit=str(unit),
            quantity=int(quantity),
            amount=int(amount or 0),
            then_currency=str(cur0),
            then_unit=str(unit0_),
            then_quantity=int(q0),
            then_amount=int(amount0_ or 0),
            paying=bool(now_),
            paid_then=bool(then_),
            direction=int(sign),
            count=int(n),
        )
        for cur, unit, quantity, cur0, unit0_, q0, now_, then_, sign, amount, amount0_, n in found
    ]
