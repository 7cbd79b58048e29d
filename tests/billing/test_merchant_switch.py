"""The plans a merchant's team may switch its customer's subscription to: another recurring price of the item, each
with why not while it can't; nobody else's subscription."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import merchant_switch
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.kit.errors import NotFound
from tests import shop
from tests.billing.test_listings import a_subscription


async def test_the_plans_offered_are_the_items_other_recurring_prices(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        otto = await shop.customer(session, merchant.id, "otto@example.com")
        film = await shop.product(session, merchant.id)
        monthly = await shop.monthly_price(session, film)
        dearer = await shop.monthly_price(session, film, amount=1999)
        dollars = await shop.monthly_price(session, film, currency="USD")
        held = a_subscription(vera, monthly, SubscriptionStatus.ACTIVE)
        session.add(held)
        await session.flush()

        choice = await merchant_switch.switch_choices(session, merchant, vera.id, held.id)
        assert choice.subscription.id == held.id
        assert {(o.price.id, o.refusal) for o in choice.options} == {(dearer.id, "disabled"), (dollars.id, "disabled")}
        film.plan_switch_enabled = True
        await session.flush()
        choice = await merchant_switch.switch_choices(session, merchant, vera.id, held.id)
        assert {(o.price.id, o.refusal) for o in choice.options} == {(dearer.id, None), (dollars.id, "currency")}
        assert [o.direction for o in choice.options if o.price.id == dearer.id] == ["upgrade"]
        for who, customer_id in ((merchant, otto.id), (other, vera.id)):
            with pytest.raises(NotFound):
                await merchant_switch.switch_choices(session, who, customer_id, held.id)
