"""The analytics page's figures in one call: audience, payments in a period (a day's end and a leap day as its
edges), subscriptions per state; a period that ends before it starts is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from boxoffice.analytics.figures import figures
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.kit.errors import InvalidInput
from tests.analytics.conftest import Shop

EDGES = [datetime(2027, 1, 1), datetime(2028, 2, 29), datetime(2028, 3, 1)]


@pytest.mark.parametrize("midnight", EDGES, ids=["new-year", "leap-day", "after-leap-day"])
async def test_a_day_holds_what_was_paid_in_it_and_the_subscriptions_are_counted_now(
    store: Shop, midnight: datetime
) -> None:
    store.clock.advance(seconds=(midnight - timedelta(minutes=1) - store.clock.now()).total_seconds())
    channel = await store.product("Channel")
    await store.subscribe(await store.customer("late@example.com"), await store.monthly_price(channel))
    store.clock.advance(minutes=1)
    await store.buy(await store.customer("early@example.com"), await store.one_time_price(channel, 500))

    async with store.sessions() as session:
        found = await figures(session, store.merchant.id, since=midnight - timedelta(days=1), until=midnight)
        every = await figures(session, store.merchant.id, since=None, until=None)
    assert found.payments.payments.count == 1
    assert found.payments.payments.per_method["card"].per_currency == {"EUR": 999}
    assert every.payments.payments.count == 2 and every.payments.refunds.count == 0
    [group] = found.subscriptions.groups
    assert [(s.state, s.total) for s in group.per_state] == [(SubscriptionStatus.ACTIVE, 1)]
    assert found.logins.total == 0 and found.registrations.total == 0


async def test_a_period_that_ends_before_it_starts_is_refused(store: Shop) -> None:
    async with store.sessions() as session:
        with pytest.raises(InvalidInput):
            await figures(session, store.merchant.id, since=datetime(2028, 3, 1), until=datetime(2028, 2, 29))
