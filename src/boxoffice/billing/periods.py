"""A subscription's life from one period to the next, on a subscription loaded in the caller's transaction (the
renewal engine's rules take its plain copies too, billing.rows): started by its first charge, renewed, switched to
another price, failed into dunning, cancelled, ended.

Money for a period is what `charge_for_next_period` says: the period's amount, less the voucher's discount while
it lasts (its `rebill_discount` on charges after the first, when it has one), less the customer's credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as access_repo
from boxoffice.access import service as access_service
from boxoffice.billing import books
from boxoffice.billing.models import CHARGING, Payment, Subscription, SubscriptionStatus
from boxoffice.billing.rows import SubscriptionFields
from boxoffice.catalog.models import Price, Product
from boxoffice.catalog.seasons import SeasonDates
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.promotions import vouchers
from boxoffice.promotions.models import Voucher

INCOMPLETE_FOR = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PeriodCharge:
    """What the next period costs: `amount` to charge after `discount` (voucher) and `credit_used`."""

    amount: int
    discount: int
    credit_used: int


def charge_for_next_period(
    subscription: SubscriptionFields, voucher: Voucher | None, *, first: bool, amount: int | None = None
) -> PeriodCharge:
    """`amount`: the period's price when it isn't the subscription's own yet (a switch waiting for the renewal)."""
    amount, discount = subscription.amount if amount is None else amount, 0
    if voucher is not None and subscription.discounted_charges_left != 0:
        if not first and voucher.rebill_percent_off is not None:
            discount = min(amount, (amount * voucher.rebill_percent_off + 50) // 100)
        else:
            discount = vouchers.amount_off(voucher, amount)
    credit_used = min(subscription.credit, amount - discount)
    return PeriodCharge(amount - discount - credit_used, discount, credit_used)


def used_discount(subscription: SubscriptionFields, charge: PeriodCharge) -> None:
    if charge.discount and subscription.discounted_charges_left is not None:
        subscription.discounted_charges_left -= 1


def begin_period(subscription: SubscriptionFields, start: datetime) -> None:
    """The period from `start` to its end on the billing anchor's day; the first paid period sets the anchor."""
    if subscription.billing_anchor is None:
        subscription.billing_anchor = start
    subscription.current_period_start = start
    subscription.current_period_end = anchored_period_end(
        subscription.billing_anchor, start, subscription.period_unit, subscription.period_quantity
    )


def begin_season(subscription: SubscriptionFields, season: SeasonDates) -> None:
    """A seasonal price's period: `season` (catalog.seasons.season_period), the rest of the season under way or the
    next season whole; no anchor moves it."""
    subscription.billing_anchor = None
    subscription.current_period_start, subscription.current_period_end = season.starts_at, season.ends_at


def anchored_period_end(anchor: datetime, start: datetime, unit: str, quantity: int) -> datetime:
    """The end of the period that begins at `start`: months and years end on the anchor's day of the month where
    the month has it (31 Jan → 28 Feb → 31 Mar → 30 Apr), as Stripe's billing cycle anchor does, rather than on
    the day a short month pushed the previous end to. Hours, days and weeks have no such drift."""
    if unit in ("hour", "day", "week") or anchor >= start:
        return access_service.period_end(start, unit, quantity)
    months = quantity * (12 if unit == "year" else 1)
    since = (start.year - anchor.year) * 12 + start.month - anchor.month
    count = max(1, since // months)
    while (end := access_service.period_end(anchor, "month", months * count)) <= start:
        count += 1
    return end


async def start(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    subscription: Subscription,
    product: Product,
    price: Price,
    payment: Payment,
) -> None:
    """The first charge went through (or there was nothing to charge): access opens for the trial or the first
    period. A subscription that expired while its first charge was being authenticated starts all the same: it
    was paid for (unless another attempt replaced it, when the money is refunded instead: billing.fulfilment)."""
    trial = subscription.trial_ends_at is not None
    await _grant_period(session, merchant, customer, subscription, product, price, trial=trial)
    subscription.status = SubscriptionStatus.TRIALING if trial else SubscriptionStatus.ACTIVE
    subscription.due_at = subscription.current_period_end
    subscription.updated_at = clock.now()
    if not trial:
        subscription.cycle = 1
        subscription.period_paid = max(0, payment.amount - (price.setup_fee_amount or 0))
        if payment.discount and subscription.discounted_charges_left is not None:
            subscription.discounted_charges_left -= 1


def unused_part(subscription: Subscription, at: datetime) -> int:
    """What is left of what the current period was paid, in proportion to the time left of it (rounded down)."""
    total = (subscription.current_period_end - subscription.current_period_start).total_seconds()
    left = (subscription.current_period_end - at).total_seconds()
    if total <= 0 or left <= 0 or subscription.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELED):
        return 0
    return int(subscription.period_paid * min(left, total) // total)


async def switch(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    subscription: Subscription,
    product: Product,
    price: Price,
    payment: Payment,
) -> None:
    """Move to `price` from now: the unused part of the current period becomes credit, the new period starts at
    once, paid by `payment` and the credit it used."""
    now = payment.created_at
    unused = unused_part(subscription, now)
    if unused:
        await books.book_credit(
            session, merchant.id, customer.id, unused, subscription.currency, f"switch:{subscription.id}"
        )
    subscription.credit += unused - payment.credit_used
    take_price(subscription, price)
    begin_period(subscription, now)
    subscription.period_paid = payment.amount
    subscription.cycle += 1
    subscription.status, subscription.due_at = SubscriptionStatus.ACTIVE, subscription.current_period_end
    subscription.canceled_at, subscription.trial_ends_at, subscription.dunning_attempts = None, None, 0
    subscription.updated_at = clock.now()
    await open_new_entitlement(session, merchant, customer, subscription, product, price)


def take_price(subscription: SubscriptionFields, price: Price) -> None:
    """Charge `price` for the periods from now on (what a period costs and how long it lasts)."""
    subscription.price_id, subscription.product_id = price.id, price.product_id
    subscription.amount, subscription.currency = price.amount, price.currency
    subscription.period_unit, subscription.period_quantity = price.period_unit, price.period_quantity
    # The new plan's periods are anchored on its first one.
    subscription.billing_anchor = None
    subscription.updated_at = clock.now()


async def open_new_entitlement(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    subscription: SubscriptionFields,
    product: Product,
    price: Price,
) -> None:
    """Close the entitlement of what came before (a trial, the old plan) and open one for the paid period."""
    if subscription.entitlement_id is not None:
        await access_repo.end_entitlement(
            session, merchant.id, customer.id, subscription.entitlement_id, subscription.current_period_start
        )
    await _grant_period(session, merchant, customer, subscription, product, price, trial=False)


async def _grant_period(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    subscription: SubscriptionFields,
    product: Product,
    price: Price,
    *,
    trial: bool,
) -> None:
    """Access for the subscription's current period, the entitlement its renewals then extend."""
    entitlement = await access_service.grant_access(
        session,
        merchant,
        customer,
        product,
        source="subscription",
        starts_at=subscription.current_period_start,
        expires_at=subscription.current_period_end,
        price=price,
        source_ref=str(subscription.id),
        is_trial=trial,
    )
    subscription.entitlement_id = entitlement.id


def resume(subscription: Subscription) -> None:
    """Undo a cancel at the period's end before that end: renewed again when the period (or trial) runs out."""
    now = clock.now()
    in_trial = subscription.trial_ends_at is not None and subscription.trial_ends_at > now
    subscription.status = SubscriptionStatus.TRIALING if in_trial else SubscriptionStatus.ACTIVE
    subscription.canceled_at, subscription.updated_at = None, now
    subscription.due_at = subscription.current_period_end


def cancel(subscription: Subscription, *, immediately: bool) -> None:
    """At the period's end (access runs until then), or at once (access ends now)."""
    now = clock.now()
    subscription.canceled_at, subscription.updated_at = now, now
    if immediately or subscription.status not in CHARGING:
        subscription.status, subscription.ended_at, subscription.due_at = SubscriptionStatus.ENDED, now, None
        return
    subscription.status, subscription.due_at = SubscriptionStatus.CANCELED, subscription.current_period_end


def begin_pause(subscription: SubscriptionFields) -> None:
    """The period paid for is over and a pause was asked for: nothing is charged, and no access given, until
    `resumes_at` (the access of the period paid for ends with it)."""
    subscription.status, subscription.due_at = SubscriptionStatus.PAUSED, subscription.resumes_at
    subscription.updated_at = clock.now()


def end_pause(subscription: SubscriptionFields, at: datetime) -> None:
    """A pause over at `at` (its end, or earlier when the merchant resumes it): renewed from then, as a period that
    ends at `at` would be, its periods anchored anew on that day. The access the pause withheld is not given back:
    the renewal opens access anew from `at`."""
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.current_period_end = subscription.due_at = at
    subscription.billing_anchor = None
    subscription.pause_starts_at = subscription.resumes_at = None
    subscription.updated_at = clock.now()


def expire(subscription: SubscriptionFields) -> None:
    """An `incomplete` subscription given up: its first charge was never paid, and nothing more is due."""
    subscription.status, subscription.due_at = SubscriptionStatus.INCOMPLETE_EXPIRED, None
    subscription.ended_at = subscription.updated_at = clock.now()
