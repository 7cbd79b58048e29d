"""The MRR per currency and its movement over the overview's 30 days, and the subscribers and trials beside it:
from subscriptions made, renewed, cancelled and switched through the billing use cases on a clock the test
moves, read on the last day of a year and on a leap day."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, time, timedelta
from fractions import Fraction

import pytest

from boxoffice.analytics import overview
from boxoffice.analytics.mrr import Movement, per_month
from boxoffice.analytics.subscribers import Subscribers
from boxoffice.billing import plan_switch, renewals, subscriptions
from boxoffice.billing.models import Subscription, SubscriptionStatus
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Customer
from boxoffice.kit.settings import Settings
from tests import shop
from tests.analytics.conftest import DECLINED, Shop, client

NOW = [datetime(2026, 12, 31, 23, 30), datetime(2028, 2, 29, 12, 0)]


def move_to(store: Shop, moment: datetime) -> None:
    store.clock.advance(seconds=(moment - store.clock.now()).total_seconds())


async def priced(store: Shop, product: Product, amount: int, unit: str = "month", currency: str = "EUR") -> Price:
    async with store.sessions() as session, session.begin():
        price = await shop.monthly_price(session, product, amount=amount, currency=currency)
        price.period_unit = unit
        return price


async def started(store: Shop, email: str, price: Price, **given: object) -> tuple[Customer, Subscription]:
    customer = await store.customer(email)
    found = await store.subscribe(customer, price, **given)  # type: ignore[arg-type]
    return customer, found.subscription


async def cancel(store: Shop, subscription: Subscription, *, immediately: bool) -> None:
    async with store.sessions() as session, session.begin():
        found = await subscriptions.subscription_of(session, store.merchant.id, subscription.id)
        await subscriptions.cancel(session, store.merchant.id, found, immediately=immediately)


async def switch(store: Shop, customer: Customer, subscription: Subscription, price: Price) -> None:
    paid = await plan_switch.switch_plan(
        store.sessions,
        store.gateways,
        store.merchant,
        customer,
        subscription_id=subscription.id,
        price_id=price.id,
        idempotency_key=uuid.uuid4().hex,
        client=client(),
    )
    assert paid.status == "succeeded"


async def renew(store: Shop, settings: Settings) -> None:
    await renewals.renew_due_subscriptions(
        store.sessions,
        store.gateways,
        as_of=store.clock.now(),
        retry_days=settings.dunning_retry_days,
        merchant_id=store.merchant.id,
    )


@pytest.mark.parametrize("now", NOW, ids=["31-december", "29-february"])
async def test_mrr_moves_by_new_expansion_contraction_and_churn(store: Shop, settings: Settings, now: datetime) -> None:
    async with store.sessions() as session, session.begin():
        channel = await shop.product(session, store.merchant.id, "Channel")
        channel.plan_switch_enabled = True
    monthly, dearer = await priced(store, channel, 999), await priced(store, channel, 1999)
    yearly, dollars = await priced(store, channel, 9900, "year"), await priced(store, channel, 999, currency="USD")
    trial = await shop_trial(store, channel)
    window = datetime.combine(now.date() - timedelta(days=29), time())

    move_to(store, now - timedelta(days=45))  # before the window
    await started(store, "steady@example.com", monthly)
    await started(store, "yearly@example.com", yearly)
    _, churning = await started(store, "churning@example.com", monthly)
    _, leaving = await started(store, "leaving@example.com", monthly)
    upgrader, up = await started(store, "upgrader@example.com", monthly)
    downgrader, down = await started(store, "downgrader@example.com", dearer)
    await started(store, "dollars@example.com", dollars)
    _, late = await started(store, "late@example.com", monthly)
    await started(store, "declined@example.com", monthly, number=DECLINED)  # never started
    move_to(store, now - timedelta(days=20))
    await started(store, "converts@example.com", trial)
    _, lost = await started(store, "lost@example.com", trial)
    move_to(store, now - timedelta(days=18))
    await cancel(store, lost, immediately=False)
    move_to(store, now - timedelta(days=13))  # the trials' end: one pays, one ends; the others renew
    await renew(store, settings)
    move_to(store, now - timedelta(days=10))
    await cancel(store, churning, immediately=True)
    await started(store, "undecided@example.com", trial)  # its trial ends 3 days ago, not charged yet
    async with store.sessions() as session, session.begin():
        (await subscriptions.subscription_of(session, store.merchant.id, late.id)).status = SubscriptionStatus.PAST_DUE
    move_to(store, now - timedelta(days=5))
    await started(store, "new@example.com", monthly)
    await cancel(store, leaving, immediately=False)  # runs to its period's end: still paid for
    move_to(store, now - timedelta(days=3))
    await switch(store, upgrader, up, dearer)
    await switch(store, downgrader, down, monthly)
    move_to(store, now - timedelta(days=2))
    await started(store, "trying@example.com", trial)
    async with store.sessions() as session, session.begin():
        other = Shop(store.sessions, store.gateways, await shop.merchant(session, "Other"), store.clock)
    await started(other, "elsewhere@example.com", await priced(other, await other.product(), 50000))
    move_to(store, now)

    async with store.sessions() as session:
        found = await overview.overview(session, store.merchant.id, now)
    [eur, usd] = found.mrr
    # Then: steady, yearly (825 a month), churning, leaving, upgrader (9.99), downgrader (19.99), late.
    # Now: steady, yearly, leaving, upgrader (19.99), downgrader (9.99), late, converts, new.
    assert eur == Movement(
        "EUR", mrr=8818, then=7819, new=999 * 2, expansion=1000, contraction=1000, churn=999, subscriptions=8
    )
    assert eur.mrr == eur.then + eur.new + eur.expansion - eur.contraction - eur.churn
    assert usd == Movement("USD", mrr=999, then=999, new=0, expansion=0, contraction=0, churn=0, subscriptions=1)

    assert found.since == window.date()
    assert found.subscribers == Subscribers(
        active=7, active_customers=7, trialing=2, past_due=1, about_to_churn=1, trials_converted=1, trials_lost=1
    )
    assert found.subscribers.conversion_percent == 50


async def shop_trial(store: Shop, product: Product) -> Price:
    async with store.sessions() as session, session.begin():
        return await shop.monthly_price(session, product, amount=999, trial_days=7)


def test_a_period_is_set_against_a_month_of_730_hours() -> None:
    assert per_month(999, "month", 1) == 999
    assert per_month(9900, "year", 1) == 825
    assert per_month(200, "week", 1) == Fraction(200 * 730, 168)
    assert per_month(999, "month", 3) == 333
    assert per_month(999, "custom", 1) == 999  # a custom period is read as a month, as switches read it


async def test_no_subscription_no_mrr_and_no_conversion_yet(store: Shop) -> None:
    now = datetime(2028, 2, 29, 12, 0)
    move_to(store, now)
    async with store.sessions() as session:
        found = await overview.overview(session, store.merchant.id, now)
    assert found.mrr == [] and found.revenue == [] and found.refunded == {}
    assert found.subscribers == Subscribers(0, 0, 0, 0, 0, 0, 0)
    assert found.subscribers.conversion is None and replace(found.subscribers, trials_lost=3).conversion == 0


@pytest.mark.parametrize("now", NOW, ids=["31-december", "29-february"])
async def test_a_subscription_switched_there_and_back_has_not_moved(store: Shop, now: datetime) -> None:
    """Its price then is the one the window's first switch moved it from, however many switches followed."""
    async with store.sessions() as session, session.begin():
        channel = await shop.product(session, store.merchant.id, "Channel")
        channel.plan_switch_enabled = True
    monthly, yearly = await priced(store, channel, 999), await priced(store, channel, 9900, "year")
    move_to(store, now - timedelta(days=45))
    viewer, subscription = await started(store, "fickle@example.com", monthly)
    move_to(store, now - timedelta(days=10))
    await switch(store, viewer, subscription, yearly)
    move_to(store, now - timedelta(days=5))
    await switch(store, viewer, subscription, monthly)
    move_to(store, now)
    async with store.sessions() as session:
        found = await overview.overview(session, store.merchant.id, now)
    assert found.mrr == [Movement("EUR", 999, 999, 0, 0, 0, 0, 1)]


async def test_a_dear_yearly_plan_switched_to_is_compared_in_64_bits(store: Shop) -> None:
    """¥3,000,000 a year against ¥300,000 a month: each times the other's hours is past a 32-bit integer."""
    now = NOW[0]
    async with store.sessions() as session, session.begin():
        channel = await shop.product(session, store.merchant.id, "Channel")
        channel.plan_switch_enabled = True
    monthly = await priced(store, channel, 300_000, currency="JPY")
    yearly = await priced(store, channel, 3_000_000, "year", currency="JPY")
    move_to(store, now - timedelta(days=45))
    viewer, subscription = await started(store, "patron@example.com", monthly)
    move_to(store, now - timedelta(days=10))
    await switch(store, viewer, subscription, yearly)
    move_to(store, now)
    async with store.sessions() as session:
        found = await overview.overview(session, store.merchant.id, now)
    [moved] = found.mrr
    assert (moved.currency, moved.then, moved.contraction) == ("JPY", 300_000, 300_000 - 3_000_000 * 730 // 8_760)
