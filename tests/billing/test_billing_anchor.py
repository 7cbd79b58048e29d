"""Monthly and yearly periods keep the day they were anchored on, however short the months between."""

from __future__ import annotations

from datetime import datetime

import pytest

from boxoffice.billing.periods import anchored_period_end
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import monthly_fee, only_subscription, renew, subscribe


def periods_from(anchor: datetime, unit: str, quantity: int, count: int) -> list[datetime]:
    """The ends of `count` periods in a row, each starting where the one before ended."""
    ends, start = [], anchor
    for _ in range(count):
        start = anchored_period_end(anchor, start, unit, quantity)
        ends.append(start)
    return ends


def test_a_month_begun_on_the_31st_comes_back_to_the_31st_after_a_short_month() -> None:
    assert periods_from(datetime(2027, 1, 31, 9, 30), "month", 1, 5) == [
        datetime(2027, 2, 28, 9, 30),
        datetime(2027, 3, 31, 9, 30),
        datetime(2027, 4, 30, 9, 30),
        datetime(2027, 5, 31, 9, 30),
        datetime(2027, 6, 30, 9, 30),
    ]


def test_a_year_begun_on_29_february_renews_on_the_28th_until_the_next_leap_year() -> None:
    assert periods_from(datetime(2028, 2, 29), "year", 1, 4) == [
        datetime(2029, 2, 28),
        datetime(2030, 2, 28),
        datetime(2031, 2, 28),
        datetime(2032, 2, 29),
    ]


def test_a_quarter_keeps_its_day_across_the_turn_of_the_year() -> None:
    assert periods_from(datetime(2026, 11, 30), "month", 3, 3) == [
        datetime(2027, 2, 28),
        datetime(2027, 5, 30),
        datetime(2027, 8, 30),
    ]


def test_a_period_that_starts_late_ends_on_the_anchors_next_day_after_its_start() -> None:
    # A renewal paid after dunning still starts where the unpaid period ended; the anchor's day is kept.
    assert anchored_period_end(datetime(2027, 1, 31), datetime(2027, 3, 31), "month", 1) == datetime(2027, 4, 30)
    # Days and weeks never drift: they run from their start.
    assert anchored_period_end(datetime(2027, 1, 31), datetime(2027, 2, 7), "week", 1) == datetime(2027, 2, 14)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the months these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def test_a_subscription_started_on_31_january_renews_on_the_last_days_and_back_on_the_31st(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    frozen._now = datetime(2027, 1, 31, 18, 0)
    viewer: Viewer = await sign_up(server, merchant)
    _, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    rebills = [(await only_subscription(server, viewer))["next_rebill_date"]]
    for _ in range(3):
        frozen._now = clock.from_unix(rebills[-1])
        assert (await renew(server)).renewed == 1
        rebills.append((await only_subscription(server, viewer))["next_rebill_date"])
    assert [clock.from_unix(moment) for moment in rebills] == [
        datetime(2027, 2, 28, 18, 0),
        datetime(2027, 3, 31, 18, 0),
        datetime(2027, 4, 30, 18, 0),
        datetime(2027, 5, 31, 18, 0),
    ]
