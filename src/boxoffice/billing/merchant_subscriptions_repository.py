"""The SQL of the merchant's back end finding its subscriptions: by its own id for one, and by what names them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import MERCHANT_BILLED, RUNNING, Payment, Subscription, SubscriptionStatus
from boxoffice.kit.db import page_of


async def running_by_external_id(session: AsyncSession, merchant_id: int, external_id: str) -> Subscription | None:
    return await session.scalar(
        select(Subscription)
        .where(
            Subscription.merchant_id == merchant_id,
            Subscription.external_id == external_id,
            Subscription.status.in_(RUNNING),
        )
        .limit(1)
    )


async def subscription_of_payment(session: AsyncSession, merchant_id: int, payment_id: int) -> int | None:
    return await session.scalar(
        select(Payment.subscription_id).where(Payment.merchant_id == merchant_id, Payment.id == payment_id)
    )


async def subscriptions_found(
    session: AsyncSession,
    merchant_id: int,
    *,
    subscription_id: int | None,
    customer_id: int | None,
    price_id: int | None,
    external_id: str | None,
    method_ref: str | None,
    statuses: Collection[SubscriptionStatus] | None,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[Subscription]]:
    """The subscriptions every given filter matches, oldest first; `method_ref` is the payment method a
    subscription the merchant bills names."""
    query = select(Subscription).where(Subscription.merchant_id == merchant_id)
    if subscription_id is not None:
        query = query.where(Subscription.id == subscription_id)
    if customer_id is not None:
        query = query.where(Subscription.customer_id == customer_id)
    if price_id is not None:
        query = query.where(Subscription.price_id == price_id)
    if external_id is not None:
        query = query.where(Subscription.external_id == external_id)
    if method_ref is not None:
        query = query.where(Subscription.gateway == MERCHANT_BILLED, Subscription.gateway_method == method_ref)
    if statuses is not None:
        query = query.where(Subscription.status.in_(statuses))
    return await page_of(session, query.order_by(Subscription.id), offset=offset, limit=limit)
