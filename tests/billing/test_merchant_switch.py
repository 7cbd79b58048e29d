"""The plans a merchant's team may switch its customer's subscription to: another recurring price of the item, each
with why not while it can't; nobody else's subscription."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import merchant_switch, plan_switch, switches
from boxoffice.billing.models import MERCHANT_BILLED, Payment, PlanSwitchStatus, SubscriptionStatus
from boxoffice.billing.refusals import SubscriptionRefused
from boxoffice.events.models import Event
from boxoffice.gateways.connectors import EXTERNAL
from boxoffice.gateways.registry import Gateways
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
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


async def test_a_subscription_is_named_by_its_id_or_by_its_customer_and_price(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        film = await shop.product(session, merchant.id)
        monthly = await shop.monthly_price(session, film)
        dearer = await shop.monthly_price(session, film, amount=1999)
        held = a_subscription(vera, monthly, SubscriptionStatus.ACTIVE)
        session.add(held)
        await session.flush()
        by_price = await merchant_switch.switch_choices_named(
            session, merchant, customer_id=vera.id, from_price_id=monthly.id
        )
        by_id = await merchant_switch.switch_choices_named(session, merchant, customer_id=None, subscription_id=held.id)
        assert by_price.subscription.id == by_id.subscription.id == held.id
        assert [o.price.id for o in by_id.options] == [dearer.id]
        with pytest.raises(InvalidInput):
            await merchant_switch.switch_choices_named(session, merchant, customer_id=vera.id)
        with pytest.raises(InvalidInput):
            await merchant_switch.switch_choices_named(
                session, merchant, customer_id=None, subscription_id=held.id, from_price_id=dearer.id
            )
        with pytest.raises(NotFound):
            await merchant_switch.switch_choices_named(session, merchant, customer_id=vera.id, from_price_id=dearer.id)
        with pytest.raises(NotFound):
            await merchant_switch.switch_choices_named(session, other, customer_id=None, subscription_id=held.id)


async def test_a_pending_switch_cancelled_by_the_merchant_is_told(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        film = await shop.product(session, merchant.id)
        dearer = await shop.monthly_price(session, film, amount=1999)
        cheaper = await shop.monthly_price(session, film, amount=499)
        held = a_subscription(vera, dearer, SubscriptionStatus.ACTIVE)
        session.add(held)
        await session.flush()
        pending = await switches.defer(session, held, cheaper)
        with pytest.raises(NotFound):
            await merchant_switch.cancel_switch_for_customer(session, other, pending.id)
        cancelled = await merchant_switch.cancel_switch_for_customer(session, merchant, pending.id)
        assert cancelled.record.status == PlanSwitchStatus.CANCELLED
        with pytest.raises(Conflict):
            await merchant_switch.cancel_switch_for_customer(session, merchant, pending.id)
        told = await session.scalars(
            select(Event).where(Event.merchant_id == merchant.id, Event.type == "subscription.switch.cancelled")
        )
        [event] = told.all()
        assert event.resource["switch"]["switch_id"] == pending.id and event.resource["subscription_id"] == held.id


@pytest.mark.parametrize("gateway", [MERCHANT_BILLED, EXTERNAL])
async def test_a_subscription_boxoffices_gateways_dont_charge_switches_no_plan_and_writes_nothing(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, gateway: str
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        film = await shop.product(session, merchant.id)
        film.plan_switch_enabled = True
        monthly = await shop.monthly_price(session, film)
        dearer = await shop.monthly_price(session, film, amount=1999)
        held = a_subscription(vera, monthly, SubscriptionStatus.ACTIVE)
        held.gateway = gateway
        session.add(held)
        await session.flush()
        assert (await merchant_switch.switch_choices(session, merchant, vera.id, held.id)).options == []
        held_id, vera_id, dearer_id = held.id, vera.id, dearer.id
    with pytest.raises(SubscriptionRefused) as refused:
        await merchant_switch.switch_for_customer(
            sessions,
            Gateways(sessions, settings, Sealer([])),
            merchant,
            customer_id=vera_id,
            subscription_id=held_id,
            price_id=dearer_id,
            idempotency_key="switch-1",
        )
    assert refused.value.reason == plan_switch.NOT_OURS[gateway]
    async with sessions() as session:
        assert (await session.scalars(select(Payment).where(Payment.merchant_id == merchant.id))).all() == []
