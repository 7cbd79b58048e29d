"""A subscription whose price bills by a season group: bought during a season it gives access until that season's
end, renews (and is charged) when the next season starts with neither access nor a charge between, and ends when no
season is left. It is not sold between seasons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from boxoffice.billing.models import Payment, Subscription, SubscriptionStatus
from boxoffice.catalog import seasons
from boxoffice.catalog.seasons import SeasonDates
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, count_rows, fetch_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import access_expiry, monthly_fee, only_subscription, renew, subscribe

DAY = timedelta(days=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the seasons these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def seasonal_fee(server: Server, merchant: Merchant, *spans: SeasonDates) -> tuple[int, int]:
    """An item and a monthly fee of it that bills by a group of the seasons instead."""
    item_id, fee_id = await monthly_fee(server, merchant)
    async with server.app.state.sessions() as session:
        group = await seasons.create_season_group(session, merchant.id, "League", spans)
        await seasons.attach_season_group(session, merchant.id, fee_id, group.group.id)
        await session.commit()
    return item_id, fee_id


async def test_bought_mid_season_it_lasts_until_the_seasons_end_and_renews_when_the_next_begins(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    now = clock.now()
    first, second = SeasonDates(now - 10 * DAY, now + 20 * DAY), SeasonDates(now + 40 * DAY, now + 70 * DAY)
    item_id, fee_id = await seasonal_fee(server, merchant, first, second)
    viewer = await sign_up(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    assert (await only_subscription(server, viewer))["next_rebill_date"] == clock.unix(first.ends_at)
    assert await access_expiry(server, viewer, item_id) == clock.unix(first.ends_at)

    frozen._now = first.ends_at  # the season is over: nothing is charged before the next one
    report = await renew(server)
    assert (report.renewed, report.ended) == (0, 0)
    frozen._now = first.ends_at + DAY
    assert await access_expiry(server, viewer, item_id) is None
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert (subscription.status, subscription.due_at) == (SubscriptionStatus.ACTIVE, second.starts_at)
    assert (await renew(server)).handled == 0

    frozen._now = second.starts_at  # the next season begins: renewed for the whole of it
    assert (await renew(server)).renewed == 1
    assert await access_expiry(server, viewer, item_id) == clock.unix(second.ends_at)
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        second.starts_at,
        second.ends_at,
    )
    assert await count_rows(server, Payment, merchant.id) == 2

    frozen._now = second.ends_at  # no season is left: it ends with the last
    assert (await renew(server)).ended == 1
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert (subscription.status, subscription.due_at) == (SubscriptionStatus.ENDED, None)
    assert await count_rows(server, Payment, merchant.id) == 2


async def test_seasons_that_follow_one_another_renew_without_a_gap(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    now = clock.now()
    first, second = SeasonDates(now - DAY, now + 10 * DAY), SeasonDates(now + 10 * DAY, now + 30 * DAY)
    item_id, fee_id = await seasonal_fee(server, merchant, first, second)
    viewer = await sign_up(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    frozen._now = first.ends_at
    assert (await renew(server)).renewed == 1
    assert await access_expiry(server, viewer, item_id) == clock.unix(second.ends_at)


async def test_it_is_not_sold_between_seasons_nor_after_the_last(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    now: datetime = clock.now()
    _, between = await seasonal_fee(server, merchant, SeasonDates(now + 5 * DAY, now + 30 * DAY))
    _, over = await seasonal_fee(server, merchant, SeasonDates(now + DAY, now + 3 * DAY))
    frozen._now = now + 4 * DAY  # the first group's season is yet to come, the second's is over
    viewer = await sign_up(server, merchant)
    for fee_id in (between, over):
        response = await subscribe(server, viewer, fee_id)
        assert response.status_code == 422, response.text
    assert await count_rows(server, Subscription, merchant.id) == 0
    assert await count_rows(server, Payment, merchant.id) == 0
