"""The sums behind the overview's MRR, its movement and its subscribers, from one pass over the merchant's
subscriptions (see analytics.mrr and analytics.subscribers for what counts), and the few switched since a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from boxoffice.billing.models import NOT_STARTED, PlanSwitch, PlanSwitchStatus, Subscription, SubscriptionStatus
from boxoffice.billing.switches import HOURS
from boxoffice.catalog.models import Price
from boxoffice.kit.db import within


@dataclass(frozen=True, slots=True)
class Tally:
    """Subscriptions alike in all the overview asks of them, counted, with their amounts per period summed."""

    status: SubscriptionStatus
    currency: str
    unit: str
    quantity: int
    has_paid: bool  # a period paid (a trial is none)
    paid_then: bool  # paid for at the window's start
    trial_ended: bool  # its trial ended within the window
    amount: int  # minor units per period, summed
    count: int


@dataclass(frozen=True, slots=True)
class Switched:
    """Subscriptions moved to another price since the window's start, alike as a Tally is, and in the price they
    were moved from: their amounts per period then, and whether each costs more (1), less (-1) or the same (0) per
    unit of time now."""

    now: Tally
    then_currency: str
    then_unit: str
    then_quantity: int
    then_amount: int
    direction: int


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _keys(since: datetime, until: datetime) -> tuple[Any, ...]:
    s = Subscription
    has_paid = s.cycle >= 1
    # Paid for from the end of its trial (its creation when it had none) until it ended.
    paid_then = and_(
        has_paid,
        func.coalesce(s.trial_ends_at, s.created_at) <= since,
        or_(s.ended_at.is_(None), s.ended_at > since),
    )
    trial_ended = and_(*within(s.trial_ends_at, since, until))
    return (
        s.status,
        s.currency,
        s.period_unit,
        s.period_quantity,
        _flag(has_paid),
        _flag(paid_then),
        _flag(trial_ended),
    )


def _tally(row: tuple[object, ...]) -> Tally:
    status, currency, unit, quantity, has_paid, paid_then, trial_ended, amount, count = row
    return Tally(
        SubscriptionStatus(str(status)),
        str(currency),
        str(unit),
        int(str(quantity)),
        bool(has_paid),
        bool(paid_then),
        bool(trial_ended),
        int(str(amount or 0)),
        int(str(count)),
    )


async def tallies(session: AsyncSession, merchant_id: int, since: datetime, until: datetime) -> list[Tally]:
    """Every started subscription of the merchant, counted per Tally, for the window [since, until)."""
    keys = _keys(since, until)
    found = await session.execute(
        select(*keys, func.sum(Subscription.amount), func.count())
        .where(Subscription.merchant_id == merchant_id, Subscription.status.not_in(NOT_STARTED))
        .group_by(*keys)
    )
    return [_tally(tuple(row)) for row in found]


def _hours(
    unit: ColumnElement[str] | InstrumentedAttribute[str], quantity: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[int]:
    return case(HOURS, value=unit, else_=HOURS["month"]) * quantity


async def switched_since(session: AsyncSession, merchant_id: int, since: datetime, until: datetime) -> list[Switched]:
    """The subscriptions a plan switch applied after `since` moved, with the price the first such switch moved
    them from (a switch's record names its prices; the subscription keeps only the one it has now)."""
    s = Subscription
    first = (
        select(PlanSwitch.subscription_id, func.min(PlanSwitch.id).label("id"))
        .where(
            PlanSwitch.merchant_id == merchant_id,
            PlanSwitch.status == PlanSwitchStatus.SUCCEEDED,
            PlanSwitch.updated_at > since,
        )
        .group_by(PlanSwitch.subscription_id)
        .subquery()
    )
    # Money per unit of time compared without dividing: now's amount over then's period against then's over now's,
    # in 64 bits (a yearly ¥250,000 times its 8,760 hours is past a 32-bit integer, which PostgreSQL refuses).
    gain = cast(s.amount, BigInteger) * _hours(Price.period_unit, Price.period_quantity) - cast(
        Price.amount, BigInteger
    ) * _hours(s.period_unit, s.period_quantity)
    then = (Price.currency, Price.period_unit, Price.period_quantity, case((gain > 0, 1), (gain < 0, -1), else_=0))
    keys = (*_keys(since, until), *then)
    found = await session.execute(
        select(*keys, func.sum(s.amount), func.count(), func.sum(Price.amount))
        .select_from(first)
        .join(s, and_(s.id == first.c.subscription_id, s.merchant_id == merchant_id))
        .join(PlanSwitch, and_(PlanSwitch.id == first.c.id, PlanSwitch.merchant_id == merchant_id))
        .join(Price, and_(Price.id == PlanSwitch.from_price_id, Price.merchant_id == merchant_id))
        .where(s.status.not_in(NOT_STARTED))
        .group_by(*keys)
    )
    return [
        Switched(
            _tally((*row[:7], row[11], row[12])),
            str(row[7]),
            str(row[8]),
            int(row[9]),
            int(row[13] or 0),
            int(row[10]),
        )
        for row in found
    ]
