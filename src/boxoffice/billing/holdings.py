"""What a customer holds: the access they bought or hold, each with the price it came through and its status worked
out, and their running subscriptions with what renews them next (the price a pending switch takes them to, what
the next charge will be)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import service as access
from boxoffice.access.models import Entitlement
from boxoffice.billing import subscriptions, upcoming
from boxoffice.billing.models import CHARGING, RUNNING, PlanSwitch, Subscription, SubscriptionStatus
from boxoffice.billing.switches import pending_switches
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock

# What is listed of a customer's holdings and subscriptions: more than any customer holds at once.
LISTED = 100


class HoldingStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # its access ended (or was revoked)
    CANCELED = "canceled"  # a subscription cancelled, whether or not its period has run out


@dataclass(frozen=True, slots=True)
class Renewal:
    """A subscription beside what it renews with: the switch pending for its next renewal, and the amount its next
    charge will take (in minor units of its currency)."""

    subscription: Subscription
    pending_switch: PlanSwitch | None
    next_charge: int

    @property
    def next_payment_at(self) -> datetime | None:
        """When it next charges: the end of its period, while it charges at all."""
        return self.subscription.current_period_end if self.subscription.status in CHARGING else None

    @property
    def in_trial(self) -> bool:
        return self.subscription.status == SubscriptionStatus.TRIALING


@dataclass(frozen=True, slots=True)
class Holding:
    """Access the customer holds or held through a price, and the subscription behind it, if one is."""

    entitlement: Entitlement
    product: Product
    price: Price
    status: HoldingStatus
    renewal: Renewal | None


@dataclass(frozen=True, slots=True)
class RunningSubscription:
    view: subscriptions.SubscriptionView
    renewal: Renewal


async def _renewals(session: AsyncSession, merchant_id: int, rows: Sequence[Subscription]) -> dict[int, Renewal]:
    """By subscription id."""
    pending = await pending_switches(session, merchant_id, [s.id for s in rows])
    next_charges = await upcoming.next_charges(session, merchant_id, rows, pending)
    return {s.id: Renewal(s, pending.get(s.id), next_charges[s.id]) for s in rows}


def status_of(entitlement: Entitlement, subscription: Subscription | None, now: datetime) -> HoldingStatus:
    if subscription is not None and subscription.status == SubscriptionStatus.CANCELED:
        return HoldingStatus.CANCELED
    if entitlement.revoked_at is not None or entitlement.expires_at <= now:
        return HoldingStatus.EXPIRED
    return HoldingStatus.ACTIVE


async def holdings_of(session: AsyncSession, merchant: Merchant, customer: Customer) -> list[Holding]:
    """What the customer holds or held through a price, newest first (a merchant's grant or an access code, with
    no price behind it, is left out)."""
    _, held = await access.purchase_history(session, merchant, customer, status="all", page=0, limit=LISTED)
    _, rows = await subscriptions.subscriptions_page(
        session, merchant.id, customer_id=customer.id, statuses=None, page=0, limit=LISTED
    )
    by_entitlement = {s.entitlement_id: s for s in rows if s.entitlement_id is not None}
    renewals = await _renewals(session, merchant.id, rows)
    now = clock.now()
    holdings = []
    for line in held:
        if line.price is None:
            continue
        subscription = by_entitlement.get(line.entitlement.id)
        status = status_of(line.entitlement, subscription, now)
        renewal = renewals[subscription.id] if subscription is not None else None
        holdings.append(Holding(line.entitlement, line.product, line.price, status, renewal))
    return holdings


async def _running(session: AsyncSession, customer: Customer) -> Sequence[Subscription]:
    _, rows = await subscriptions.subscriptions_page(
        session, customer.merchant_id, customer_id=customer.id, statuses=RUNNING, page=0, limit=LISTED
    )
    return rows


async def running_subscriptions(session: AsyncSession, customer: Customer) -> list[RunningSubscription]:
    """The customer's running subscriptions (cancelled ones still running included), with their items and prices
    and what renews them next."""
    views = await subscriptions.views_of(session, customer.merchant_id, await _running(session, customer))
    renewals = await _renewals(session, customer.merchant_id, [v.subscription for v in views])
    return [RunningSubscription(view, renewals[view.subscription.id]) for view in views]


async def running_subscription_to(session: AsyncSession, customer: Customer, price_id: int) -> Subscription | None:
    """The customer's running subscription at a price, if they have one."""
    return next((s for s in await _running(session, customer) if s.price_id == price_id), None)
