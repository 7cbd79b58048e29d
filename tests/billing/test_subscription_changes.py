"""A merchant changing its customer's running subscription: cancel, resume, and the period's end moved with the
access it keeps open and the renewal it is due for."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.access import service as access
from boxoffice.billing.models import Subscription, SubscriptionStatus
from boxoffice.billing.subscription_changes import change_subscription
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, NotFound
from tests import shop


async def running(
    session: AsyncSession, status: SubscriptionStatus = SubscriptionStatus.ACTIVE
) -> tuple[Subscription, Customer]:
    """A monthly subscription begun today, with the access it keeps open."""
    merchant = await shop.merchant(session)
    customer = await shop.customer(session, merchant.id)
    product = await shop.product(session, merchant.id)
    price = await shop.monthly_price(session, product)
    now = clock.now()
    ends = now + timedelta(days=30)
    entitlement = await access.grant_access(
        session, merchant, customer, product, source="subscription", price=price, expires_at=ends
    )
    subscription = Subscription(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=product.id,
        price_id=price.id,
        status=status,
        amount=price.amount,
        currency=price.currency,
        period_unit="month",
        period_quantity=1,
        current_period_start=now,
        current_period_end=ends,
        billing_anchor=now,
        due_at=ends,
        entitlement_id=entitlement.id,
        gateway="sandbox",
        gateway_customer_ref="cus",
        gateway_method="pm",
        cancel_token=secrets.token_hex(8),
    )
    session.add(subscription)
    await session.flush()
    return subscription, customer


async def test_cancel_resume_and_move_the_periods_end(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        subscription, customer = await running(session)
        price_id = subscription.price_id
        await change_subscription(session, customer, price_id, cancel=True, ends_at=None)
        assert subscription.status == SubscriptionStatus.CANCELED
        await change_subscription(session, customer, price_id, cancel=False, ends_at=None)
        assert subscription.status == SubscriptionStatus.ACTIVE
        later = frozen.now() + timedelta(days=45)
        await change_subscription(session, customer, price_id, cancel=None, ends_at=later)
        assert (subscription.current_period_end, subscription.due_at, subscription.billing_anchor) == (
            later,
            later,
            later,
        )
        assert subscription.entitlement_id is not None
        kept = await access_repo.entitlements_by_ids(session, subscription.merchant_id, [subscription.entitlement_id])
        assert kept[subscription.entitlement_id].expires_at == later
        # Sooner works as well, and the trial of a trialing subscription ends with it.
        sooner = frozen.now() + timedelta(days=2)
        subscription.status = SubscriptionStatus.TRIALING
        await change_subscription(session, customer, price_id, cancel=None, ends_at=sooner)
        assert (subscription.current_period_end, subscription.trial_ends_at) == (sooner, sooner)
        assert kept[subscription.entitlement_id].expires_at == sooner


async def test_an_end_in_the_past_or_a_subscription_not_running_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        subscription, customer = await running(session)
        with pytest.raises(InvalidInput):
            await change_subscription(
                session, customer, subscription.price_id, cancel=None, ends_at=clock.now() - timedelta(minutes=1)
            )
        with pytest.raises(NotFound):
            await change_subscription(session, customer, subscription.price_id + 1000, cancel=True, ends_at=None)
        other = await shop.customer(session, subscription.merchant_id, "other@example.com")
        with pytest.raises(NotFound):
            await change_subscription(session, other, subscription.price_id, cancel=True, ends_at=None)
    async with sessions() as session, session.begin():
        retrying, customer = await running(session, SubscriptionStatus.PAST_DUE)
        with pytest.raises(InvalidInput):
            await change_subscription(
                session,
                customer,
                retrying.price_id,
                cancel=None,
                ends_at=clock.now() + timedelta(days=3),
            )
