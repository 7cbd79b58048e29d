"""Access a merchant grants through one of its offers until a date, and the end of a one-time purchase's access
moved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.access.price_grants import grant_through_price
from boxoffice.access.rentals import move_access_end
from boxoffice.catalog.models import Price
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, NotFound
from tests import shop


async def test_a_grant_through_an_offer_runs_until_the_date_given(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        customer = await shop.customer(session, merchant.id)
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        theirs = await shop.monthly_price(session, await shop.product(session, other.id))
        until = clock.now() + timedelta(days=30)
        granted = await grant_through_price(session, merchant, customer, price.id, until)
        entitlement = granted.grant.entitlement
        assert (entitlement.source, entitlement.price_id, entitlement.expires_at) == ("grant", price.id, until)
        with pytest.raises(NotFound):
            await grant_through_price(session, merchant, customer, theirs.id, until)
        with pytest.raises(InvalidInput):
            await grant_through_price(session, merchant, customer, price.id, clock.now() - timedelta(days=1))


async def test_a_one_time_purchases_end_is_moved(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer, other = await shop.customer(session, merchant.id), await shop.customer(session, merchant.id, "o@x.io")
        product = await shop.product(session, merchant.id)
        week = Price(
            merchant_id=merchant.id,
            product_id=product.id,
            kind="one_time",
            amount=500,
            currency="EUR",
            period_unit="week",
            period_quantity=1,
        )
        session.add(week)
        await session.flush()
        monthly = await shop.monthly_price(session, product)
        bought = await access.grant_access(session, merchant, customer, product, source="purchase", price=week)
        later = bought.expires_at + timedelta(days=10)
        moved = await move_access_end(session, customer, week.id, later)
        assert (moved.entitlement.id, moved.entitlement.expires_at, moved.price.id) == (bought.id, later, week.id)
        with pytest.raises(InvalidInput):
            await move_access_end(session, customer, week.id, bought.starts_at)
        with pytest.raises(InvalidInput):
            await move_access_end(session, customer, monthly.id, later)
        with pytest.raises(NotFound):
            await move_access_end(session, other, week.id, later)
        with pytest.raises(NotFound):
            await move_access_end(session, customer, week.id + 1000, later)
