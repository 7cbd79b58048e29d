"""Orders a merchant places for its customers: open for 15 minutes, in the currency of the price, for its own
customers only, and changed only while open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import orders
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import InvalidInput, Missing, NotFound
from tests import shop

BACK_END = ClientInfo("192.0.2.1", None, Device("desktop", None, None, None), None)


async def test_a_placed_order_is_the_customers_and_lives_fifteen_minutes(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        placed = await orders.place_order(
            session, merchant, customer.id, price.id, client=BACK_END, country_code="FR", currency=price.currency
        )
        assert (placed.customer.id, placed.view.order.customer_id) == (customer.id, customer.id)
        assert placed.view.order.expires_at == frozen.now() + timedelta(minutes=15)
        assert (placed.view.order.amount, placed.view.order.country_code) == (price.amount, "FR")
        frozen.advance(minutes=15)
        with pytest.raises(InvalidInput):
            await orders.update_placed_order(
                session, merchant, placed.view.order.id, client=BACK_END, buy_as_gift=False
            )


async def test_a_placed_order_is_in_the_prices_currency(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        other = "USD" if price.currency != "USD" else "EUR"
        with pytest.raises(InvalidInput):
            await orders.place_order(
                session, merchant, customer.id, price.id, client=BACK_END, country_code=None, currency=other
            )


async def test_another_merchants_customer_and_order_are_not_found(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        customer = await shop.customer(session, merchant.id)
        theirs = await shop.customer(session, other.id, "theirs@example.com")
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        with pytest.raises(NotFound) as refused:
            await orders.place_order(session, merchant, theirs.id, price.id, client=BACK_END, country_code=None)
        assert refused.value.what is Missing.CUSTOMER
        placed = await orders.place_order(session, merchant, customer.id, price.id, client=BACK_END, country_code=None)
        with pytest.raises(NotFound) as refused:
            await orders.update_placed_order(session, other, placed.view.order.id, client=BACK_END, voucher_code=None)
        assert refused.value.what is Missing.ORDER
