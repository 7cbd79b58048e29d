"""What a customer holds, with its status worked out, and whether subscribing would begin with a trial."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.access.models import Entitlement
from boxoffice.billing import holdings, subscriptions
from boxoffice.billing.holdings import HoldingStatus
from boxoffice.billing.models import Subscription
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock

NOW = datetime(2026, 3, 1, 12, 0)


def _entitlement(expires_at: datetime, revoked_at: datetime | None = None) -> Entitlement:
    return Entitlement(starts_at=NOW - timedelta(days=30), expires_at=expires_at, revoked_at=revoked_at)


def test_a_holding_is_active_until_its_access_ends_or_is_revoked() -> None:
    later, earlier = NOW + timedelta(days=1), NOW - timedelta(days=1)
    assert holdings.status_of(_entitlement(later), None, NOW) == HoldingStatus.ACTIVE
    assert holdings.status_of(_entitlement(NOW), None, NOW) == HoldingStatus.EXPIRED
    assert holdings.status_of(_entitlement(earlier), None, NOW) == HoldingStatus.EXPIRED
    assert holdings.status_of(_entitlement(later, revoked_at=earlier), None, NOW) == HoldingStatus.EXPIRED


def test_a_cancelled_subscription_is_cancelled_whether_or_not_its_period_ran_out() -> None:
    cancelled, running = Subscription(status="canceled"), Subscription(status="active")
    assert holdings.status_of(_entitlement(NOW + timedelta(days=1)), cancelled, NOW) == HoldingStatus.CANCELED
    assert holdings.status_of(_entitlement(NOW - timedelta(days=1)), cancelled, NOW) == HoldingStatus.CANCELED
    assert holdings.status_of(_entitlement(NOW + timedelta(days=1)), running, NOW) == HoldingStatus.ACTIVE


async def _shop(session: AsyncSession) -> tuple[Merchant, Customer, Product]:
    merchant = Merchant(uuid="m-1", email="shop@example.com", full_name="Shop", password_hash="x", client_secret="s")
    session.add(merchant)
    await session.flush()
    customer = Customer(merchant_id=merchant.id, uuid="c-1", email="viewer@example.com")
    product = Product(merchant_id=merchant.id, title="Channel")
    session.add_all([customer, product])
    await session.flush()
    return merchant, customer, product


def _price(product: Product, kind: str = "one_time", **fields: object) -> Price:
    return Price(
        merchant_id=product.merchant_id,
        product_id=product.id,
        kind=kind,
        amount=500,
        currency="EUR",
        period_unit="month",
        period_quantity=1,
        **fields,
    )


async def test_holdings_are_what_came_through_a_price_with_their_status(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, product = await _shop(session)
        price = _price(product)
        session.add(price)
        await session.flush()
        now = clock.now()
        ended = await access.grant_access(
            session, merchant, customer, product, source="purchase", price=price, starts_at=now - timedelta(days=40)
        )
        current = await access.grant_access(session, merchant, customer, product, source="purchase", price=price)
        # A merchant's grant has no price behind it: not a holding.
        await access.grant_access(
            session, merchant, customer, product, source="grant", expires_at=now + timedelta(days=1)
        )
        held = await holdings.holdings_of(session, merchant, customer)
    assert {(h.entitlement.id, h.status) for h in held} == {
        (ended.id, HoldingStatus.EXPIRED),
        (current.id, HoldingStatus.ACTIVE),
    }
    assert all(h.price.id == price.id and h.product.id == product.id and h.renewal is None for h in held)


async def test_a_trial_is_available_once_per_customer_and_item(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, product = await _shop(session)
        with_trial = _price(product, "subscription", trial_period_unit="day", trial_period_quantity=7)
        without = _price(product, "subscription")
        session.add_all([with_trial, without])
        await session.flush()
        assert await subscriptions.trial_available(session, customer, with_trial)
        assert not await subscriptions.trial_available(session, customer, without)
        await access.grant_access(
            session, merchant, customer, product, source="subscription", price=with_trial, is_trial=True
        )
        assert not await subscriptions.trial_available(session, customer, with_trial)
