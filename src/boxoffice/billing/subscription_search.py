"""The merchant's back end reading its subscriptions: one by id, or those a filter names, each with its price and
what its next renewal will charge."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import merchant_subscriptions_repository as repo
from boxoffice.billing import subscriptions, upcoming
from boxoffice.billing.models import BILLED_ELSEWHERE, CHARGING, Subscription, SubscriptionStatus
from boxoffice.billing.switches import pending_switches
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price


@dataclass(frozen=True, slots=True)
class SubscriptionDetails:
    subscription: Subscription
    price: Price | None
    next_charge: int  # what the next renewal charges, in minor units of its currency (nothing, for one not charged)

    @property
    def next_payment_at(self) -> datetime | None:
        """When Boxoffice next charges it, if it will."""
        s = self.subscription
        return s.due_at if s.status in CHARGING and s.gateway not in BILLED_ELSEWHERE else None


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    """What a listing is narrowed to; a filter of nothing finds nothing."""

    payment_id: int | None = None  # the subscription one of its payments belongs to
    customer_id: int | None = None
    price_id: int | None = None
    method_ref: str | None = None  # the payment method a subscription the merchant bills names
    external_id: str | None = None
    statuses: Collection[SubscriptionStatus] | None = None

    @property
    def empty(self) -> bool:
        given = (self.payment_id, self.customer_id, self.price_id, self.method_ref, self.external_id, self.statuses)
        return all(value is None for value in given)


async def details_of(
    session: AsyncSession, merchant_id: int, found: Sequence[Subscription]
) -> list[SubscriptionDetails]:
    prices = await catalog_repo.prices_by_ids(session, merchant_id, [s.price_id for s in found])
    pending = await pending_switches(session, merchant_id, [s.id for s in found])
    charges = await upcoming.next_charges(session, merchant_id, found, pending)
    return [
        SubscriptionDetails(s, prices.get(s.price_id), 0 if s.gateway in BILLED_ELSEWHERE else charges[s.id])
        for s in found
    ]


async def subscription_details(
    session: AsyncSession, merchant_id: int, subscription_id: int, *, to_change: bool = False
) -> SubscriptionDetails:
    """The merchant's subscription (NotFound when it is none of its own); `to_change`: as it is now, and no other
    transaction changes it until this ends."""
    subscription = await subscriptions.subscription_of(session, merchant_id, subscription_id, to_change=to_change)
    [details] = await details_of(session, merchant_id, [subscription])
    return details


async def find_subscriptions(
    session: AsyncSession, merchant_id: int, narrowed: SubscriptionFilter, *, offset: int, limit: int
) -> tuple[int, list[SubscriptionDetails]]:
    """The subscriptions every filter given matches, oldest first, and how many there are in all."""
    if narrowed.empty:
        return 0, []
    subscription_id = None
    if narrowed.payment_id is not None:
        subscription_id = await repo.subscription_of_payment(session, merchant_id, narrowed.payment_id)
        if subscription_id is None:
            return 0, []
    total, found = await repo.subscriptions_found(
        session,
        merchant_id,
        subscription_id=subscription_id,
        customer_id=narrowed.customer_id,
        price_id=narrowed.price_id,
        external_id=narrowed.external_id,
        method_ref=narrowed.method_ref,
        statuses=narrowed.statuses,
        offset=offset,
        limit=limit,
    )
    return total, await details_of(session, merchant_id, found)
