"""A merchant's subscriptions counted per state, per price, item or country, and within one country.

Cancelled by the customer is `canceled` whether it still runs (then also `about_to_churn`) or has ended; ended
otherwise is `ended`; never started is not counted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from boxoffice.analytics import subscriptions as analytics
from boxoffice.analytics.subscriptions import Group, StateTotal, SubscriptionAnalytics
from boxoffice.billing import subscriptions
from boxoffice.billing.models import Subscription, SubscriptionStatus
from boxoffice.catalog.models import Price, Product
from boxoffice.kit.errors import InvalidInput
from boxoffice.promotions import vouchers
from boxoffice.promotions.vouchers import VoucherFields
from tests.analytics.conftest import DECLINED, Shop

ACTIVE, TRIALING, PAST_DUE, CANCELED, ENDED = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.CANCELED,
    SubscriptionStatus.ENDED,
)


@dataclass
class Seeded:
    channel: Product
    news: Product
    monthly: Price  # on the channel, 9.99 EUR
    trial: Price  # on the news, with 7 days free


async def _subscription(store: Shop, email: str, price: Price, **given: object) -> Subscription:
    started = await store.subscribe(await store.customer(email), price, **given)  # type: ignore[arg-type]
    return started.subscription


async def _cancel(store: Shop, subscription: Subscription, *, immediately: bool) -> None:
    async with store.sessions() as session, session.begin():
        found = await subscriptions.subscription_of(session, store.merchant.id, subscription.id)
        await subscriptions.cancel(session, store.merchant.id, found, immediately=immediately)


async def _left_by_renewals(store: Shop, subscription: Subscription, status: SubscriptionStatus) -> None:
    """What the renewal engine leaves a subscription whose renewal is declined (past due), or whose dunning gave
    up (ended, not by the customer): written as it writes it, the sandbox having no card that declines later."""
    async with store.sessions() as session, session.begin():
        found = await subscriptions.subscription_of(session, store.merchant.id, subscription.id)
        found.status = status


@pytest.fixture
async def seeded(store: Shop) -> AsyncIterator[Seeded]:
    """On the channel: two active (one bought with a voucher), one past due, one cancelled still running, one
    cancelled at once, one ended unpaid, one never started; on the news: one trialing, in France."""
    channel, news = await store.product("Channel"), await store.product("News")
    monthly, trial = await store.monthly_price(channel), await store.monthly_price(news, trial_days=7)
    async with store.sessions() as session, session.begin():
        await vouchers.create_voucher(
            session, store.merchant.id, VoucherFields(name="Half", code="half", percent_off=50)
        )
    await _subscription(store, "active@example.com", monthly)
    await _subscription(store, "voucher@example.com", monthly, voucher="half")
    await _left_by_renewals(store, await _subscription(store, "late@example.com", monthly), PAST_DUE)
    await _cancel(store, await _subscription(store, "leaving@example.com", monthly, country="FR"), immediately=False)
    await _cancel(store, await _subscription(store, "gone@example.com", monthly, country="FR"), immediately=True)
    await _left_by_renewals(store, await _subscription(store, "unpaid@example.com", monthly), ENDED)
    assert (await _subscription(store, "declined@example.com", monthly, number=DECLINED)).status == "incomplete"
    assert (await _subscription(store, "trying@example.com", trial, country="FR")).status == "trialing"
    yield Seeded(channel, news, monthly, trial)


async def figures(
    store: Shop, *, grouped_by: str | None = None, country_code: str | None = None, state: str | None = None
) -> SubscriptionAnalytics:
    async with store.sessions() as session:
        return await analytics.count_subscriptions(
            session, store.merchant.id, grouped_by=grouped_by, country_code=country_code, state=state
        )


async def test_no_subscriptions_count_nothing(store: Shop) -> None:
    assert await figures(store) == SubscriptionAnalytics("", "", "", 0, [])
    assert await figures(store, grouped_by="item", country_code="FR") == SubscriptionAnalytics(
        "FR", "France", "item", 0, []
    )


async def test_subscriptions_are_counted_per_state_and_an_unstarted_one_not_at_all(store: Shop, seeded: Seeded) -> None:
    assert await figures(store) == SubscriptionAnalytics(
        "",
        "",
        "",
        7,
        [
            Group(
                0,
                "All subscriptions",
                1,
                7,
                [
                    StateTotal(ACTIVE, 2, 0),
                    StateTotal(TRIALING, 1, 0),
                    StateTotal(PAST_DUE, 1, 0),
                    StateTotal(CANCELED, 2, 1),  # both cancelled by the customer; one still runs
                    StateTotal(ENDED, 1, 0),
                ],
            )
        ],
    )


async def test_one_state_alone_and_those_about_to_churn(store: Shop, seeded: Seeded) -> None:
    [canceled] = (await figures(store, state="canceled")).groups
    assert (canceled.total, canceled.per_state) == (2, [StateTotal(CANCELED, 2, 1)])
    churning = await figures(store, state="about_to_churn")
    assert churning.total == 1
    assert churning.groups[0].per_state == [StateTotal(CANCELED, 1, 1)]
    ended = await figures(store, state="ended")
    assert (ended.total, ended.groups[0].per_state) == (1, [StateTotal(ENDED, 1, 0)])
    [active] = (await figures(store, state="active")).groups
    assert (active.total, active.with_voucher) == (2, 1)


async def test_grouped_by_item_or_price_largest_first_with_their_names(store: Shop, seeded: Seeded) -> None:
    by_item = await figures(store, grouped_by="item")
    assert [(g.id, g.description, g.total, g.with_voucher) for g in by_item.groups] == [
        (seeded.channel.id, "Channel", 6, 1),
        (seeded.news.id, "News", 1, 0),
    ]
    assert by_item.groups[1].per_state == [StateTotal(TRIALING, 1, 0)]
    by_price = await figures(store, grouped_by="price")
    assert [(g.id, g.total) for g in by_price.groups] == [(seeded.monthly.id, 6), (seeded.trial.id, 1)]


async def test_grouped_by_country_named_by_its_iso_numeric_code(store: Shop, seeded: Seeded) -> None:
    by_country = await figures(store, grouped_by="country")
    assert [(g.id, g.description, g.total) for g in by_country.groups] == [
        (826, "United Kingdom of Great Britain and Northern Ireland", 4),
        (250, "France", 3),
    ]


@pytest.mark.parametrize("code", ["FR", "fra", "fr"])
async def test_within_one_country_named_by_either_iso_code(store: Shop, seeded: Seeded, code: str) -> None:
    in_france = await figures(store, country_code=code)
    assert (in_france.country_code, in_france.country_name, in_france.total) == ("FR", "France", 3)
    assert in_france.groups[0].per_state == [StateTotal(TRIALING, 1, 0), StateTotal(CANCELED, 2, 1)]
    assert (await figures(store, country_code="DE")).groups == []


async def test_every_wrong_filter_is_named_at_once(store: Shop) -> None:
    with pytest.raises(InvalidInput) as refused:
        await figures(store, grouped_by="customer", country_code="ZZ", state="incomplete")
    assert refused.value.errors == {
        "grouped_by": "Subscriptions are grouped by price, item, country",
        "action_type": ("The action type is one of active, trialing, past_due, canceled, ended, about_to_churn"),
        "country_code": "The country code is an ISO 3166 code such as MK or MKD",
    }
