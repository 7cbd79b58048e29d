"""Money taken and given back in a period: counted per way of paying, summed per currency (never added across
currencies), each in the period it happened in, from `since` up to but not including `until`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.analytics import payments
from boxoffice.analytics.payments import MethodTotal, MoneyTotals, PaymentAnalytics
from boxoffice.billing.payment_methods import Nothing
from boxoffice.kit.errors import InvalidInput
from tests import shop
from tests.analytics.conftest import DECLINED, Shop, card

NOTHING = MoneyTotals(0, {})


async def figures(
    store: Shop, since: datetime | None = None, until: datetime | None = None, merchant_id: int | None = None
) -> PaymentAnalytics:
    async with store.sessions() as session:
        return await payments.count_payments(session, merchant_id or store.merchant.id, since=since, until=until)


async def test_a_merchant_with_no_payments_counts_nothing(store: Shop) -> None:
    assert await figures(store) == PaymentAnalytics(NOTHING, NOTHING)
    now = store.clock.now()
    assert await figures(store, now - timedelta(days=1), now) == PaymentAnalytics(NOTHING, NOTHING)


async def test_payments_are_counted_per_method_and_summed_per_currency(store: Shop) -> None:
    ada, bob = await store.customer("ada@example.com"), await store.customer("bob@example.com")
    film, show, free = await store.product("Film"), await store.product("Show"), await store.product("Trailer")
    euros, dollars = await store.one_time_price(film, 999, "EUR"), await store.one_time_price(show, 700, "USD")
    for buyer in (ada, bob):
        assert (await store.buy(buyer, euros)).status == "succeeded"
    assert (await store.buy(ada, dollars)).status == "succeeded"
    assert (await store.buy(bob, dollars, card(DECLINED))).status == "declined"  # not money taken
    assert (await store.buy(ada, await store.one_time_price(free, 0, "EUR"), Nothing())).status == "succeeded"
    assert await figures(store) == PaymentAnalytics(
        MoneyTotals(
            4,
            {
                "card": MethodTotal(3, {"EUR": 1998, "USD": 700}),
                "free": MethodTotal(1, {"EUR": 0}),
            },
        ),
        NOTHING,
    )


async def test_only_the_merchants_own_payments_count(store: Shop, sessions: async_sessionmaker[AsyncSession]) -> None:
    await store.buy(await store.customer(), await store.one_time_price(await store.product()))
    async with sessions() as session, session.begin():
        other = await shop.merchant(session, "Other")
    assert await figures(store, merchant_id=other.id) == PaymentAnalytics(NOTHING, NOTHING)


async def test_a_period_holds_its_start_and_not_its_end(store: Shop) -> None:
    viewer = await store.customer()
    start = store.clock.now()
    for day in range(3):  # a payment at the start, one day and two days later
        store.clock.advance(days=day and 1)
        await store.buy(viewer, await store.one_time_price(await store.product(f"Day {day}"), 100 * (day + 1)))
    day_one, day_two = start + timedelta(days=1), start + timedelta(days=2)

    def card_total(count: int, eur: int) -> MoneyTotals:
        return MoneyTotals(count, {"card": MethodTotal(count, {"EUR": eur})}) if count else NOTHING

    assert (await figures(store, start, day_two)).payments == card_total(2, 300)
    assert (await figures(store, day_one, day_two)).payments == card_total(1, 200)
    assert (await figures(store, day_one - timedelta(seconds=1), day_one)).payments == NOTHING
    assert (await figures(store, day_two)).payments == card_total(1, 300)  # open at its end
    assert (await figures(store, until=day_one)).payments == card_total(1, 100)  # open at its start
    assert (await figures(store, until=start)).payments == NOTHING


@pytest.mark.parametrize("length", [timedelta(0), -timedelta(seconds=1)])
async def test_a_period_ends_after_it_starts(store: Shop, length: timedelta) -> None:
    since = store.clock.now()
    with pytest.raises(InvalidInput) as refused:
        await figures(store, since, since + length)
    assert refused.value.errors == {"end_date": "The end date must be after the start date"}


async def test_refunds_are_counted_when_paid_out_by_the_method_of_their_payment(store: Shop) -> None:
    viewer = await store.customer()
    euros = await store.buy(viewer, await store.one_time_price(await store.product("Film"), 999, "EUR"))
    dollars = await store.buy(viewer, await store.one_time_price(await store.product("Show"), 700, "USD"))
    bought = store.clock.now()
    store.clock.advance(days=3)
    assert (await store.refund(euros, 300)).status == "succeeded"
    assert (await store.refund(dollars)).status == "succeeded"
    refunded = store.clock.now()
    everything = await figures(store)
    # A refund takes nothing off the payments: it is counted apart, in its own currency.
    assert everything.payments == MoneyTotals(2, {"card": MethodTotal(2, {"EUR": 999, "USD": 700})})
    assert everything.refunds == MoneyTotals(2, {"card": MethodTotal(2, {"EUR": 300, "USD": 700})})
    when_bought = await figures(store, bought, bought + timedelta(days=1))
    assert (when_bought.payments.count, when_bought.refunds) == (2, NOTHING)
    when_refunded = await figures(store, refunded, refunded + timedelta(days=1))
    assert (when_refunded.payments, when_refunded.refunds.count) == (NOTHING, 2)
