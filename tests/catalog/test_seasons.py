"""Season groups and their seasons: made, renamed, changed and deleted by the catalog's rules (no overlaps, nothing
moved into the past, what has happened kept), and the period a seasonal subscription is billed for."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta

import pytest

from boxoffice.catalog import seasons
from boxoffice.catalog.models import Price
from boxoffice.catalog.seasons import GroupInUse, SeasonDates, SeasonRefusal, SeasonRefused
from boxoffice.kit import clock
from boxoffice.kit.errors import Missing, NotFound
from tests import shop
from tests.catalog.conftest import Catalog

DAY = timedelta(days=1)


def days_from_now(start: float, end: float) -> SeasonDates:
    now = clock.now().replace(microsecond=0)
    return SeasonDates(now + start * DAY, now + end * DAY)


def spans(view: seasons.SeasonGroupView) -> list[tuple[datetime, datetime]]:
    return [(s.starts_at, s.ends_at) for s in view.seasons]


async def refused(reason: SeasonRefusal, call: Awaitable[object]) -> None:
    with pytest.raises(SeasonRefused) as caught:
        await call
    assert caught.value.reason == reason


async def test_a_group_is_made_with_its_seasons_in_the_order_they_begin(catalog: Catalog) -> None:
    later, sooner = days_from_now(40, 80), days_from_now(-5, 30)
    made = await seasons.create_season_group(catalog.session, catalog.merchant.id, "  League  ", [later, sooner])
    assert made.group.name == "League"
    assert spans(made) == [(sooner.starts_at, sooner.ends_at), (later.starts_at, later.ends_at)]
    await seasons.create_season_group(catalog.session, catalog.merchant.id, "Cup")
    page = await seasons.list_season_groups(catalog.session, catalog.merchant.id, offset=0, limit=10)
    assert page.total == 2 and [(v.group.name, len(v.seasons)) for v in page.items] == [("League", 2), ("Cup", 0)]
    renamed = await seasons.rename_season_group(catalog.session, catalog.merchant.id, made.group.id, "Premier")
    assert renamed.group.name == "Premier" and len(renamed.seasons) == 2
    kept = await seasons.rename_season_group(catalog.session, catalog.merchant.id, made.group.id, None)
    assert kept.group.name == "Premier"


async def test_seasons_may_follow_one_another_but_never_overlap(catalog: Catalog) -> None:
    session, merchant_id = catalog.session, catalog.merchant.id
    first, touching, overlapping = days_from_now(1, 30), days_from_now(30, 60), days_from_now(29, 45)
    await refused(
        SeasonRefusal.OVERLAPS, seasons.create_season_group(session, merchant_id, "League", [first, overlapping])
    )
    group = await seasons.create_season_group(session, merchant_id, "League", [first, touching])
    await refused(SeasonRefusal.OVERLAPS, seasons.add_season(session, merchant_id, group.group.id, overlapping))
    await refused(
        SeasonRefusal.OVERLAPS, seasons.add_season(session, merchant_id, group.group.id, days_from_now(-10, 100))
    )
    after = await seasons.add_season(session, merchant_id, group.group.id, days_from_now(90, 120))
    assert len(after.seasons) == 3


async def test_a_season_must_end_after_it_starts_and_after_now(catalog: Catalog) -> None:
    session, merchant_id = catalog.session, catalog.merchant.id
    await refused(SeasonRefusal.NO_NAME, seasons.create_season_group(session, merchant_id, "   "))
    await refused(
        SeasonRefusal.ENDS_BEFORE_START,
        seasons.create_season_group(session, merchant_id, "League", [days_from_now(10, 10)]),
    )
    group = await seasons.create_season_group(session, merchant_id, "League")
    await refused(
        SeasonRefusal.IN_THE_PAST, seasons.add_season(session, merchant_id, group.group.id, days_from_now(-9, -1))
    )
    under_way = await seasons.add_season(session, merchant_id, group.group.id, days_from_now(-9, 1))
    assert len(under_way.seasons) == 1
    too_many = [days_from_now(n + 2, n + 3) for n in range(seasons.MAX_SEASONS + 1)]
    await refused(SeasonRefusal.TOO_MANY, seasons.create_season_group(session, merchant_id, "Many", too_many))


async def test_a_season_to_come_moves_but_what_has_happened_stays(catalog: Catalog, frozen: clock.FrozenClock) -> None:
    session, merchant_id = catalog.session, catalog.merchant.id
    made = await seasons.create_season_group(
        session, merchant_id, "League", [days_from_now(1, 10), days_from_now(20, 30), days_from_now(40, 50)]
    )
    group_id = made.group.id
    first, second, third = (s.id for s in made.seasons)
    moved = await seasons.change_season(session, merchant_id, group_id, third, starts_at=days_from_now(35, 0).starts_at)
    assert moved.seasons[2].starts_at == days_from_now(35, 0).starts_at
    await refused(
        SeasonRefusal.OVERLAPS,
        seasons.change_season(session, merchant_id, group_id, second, ends_at=days_from_now(0, 36).ends_at),
    )
    await refused(
        SeasonRefusal.ENDS_BEFORE_START,
        seasons.change_season(session, merchant_id, group_id, second, ends_at=days_from_now(0, 19).ends_at),
    )
    await refused(
        SeasonRefusal.IN_THE_PAST,
        seasons.change_season(session, merchant_id, group_id, second, starts_at=days_from_now(-1, 0).starts_at),
    )
    frozen.advance(days=5)  # the first season is under way
    await refused(
        SeasonRefusal.STARTED,
        seasons.change_season(session, merchant_id, group_id, first, starts_at=days_from_now(1, 0).starts_at),
    )
    await refused(SeasonRefusal.STARTED, seasons.delete_season(session, merchant_id, group_id, first))
    longer = await seasons.change_season(session, merchant_id, group_id, first, ends_at=days_from_now(0, 10).ends_at)
    assert longer.seasons[0].ends_at == days_from_now(0, 10).ends_at
    await refused(
        SeasonRefusal.IN_THE_PAST,
        seasons.change_season(session, merchant_id, group_id, first, ends_at=days_from_now(0, -1).ends_at),
    )
    frozen.advance(days=11)  # the first season is over
    await refused(
        SeasonRefusal.OVER,
        seasons.change_season(session, merchant_id, group_id, first, ends_at=days_from_now(0, 1).ends_at),
    )
    await refused(SeasonRefusal.OVER, seasons.delete_season(session, merchant_id, group_id, first))
    left = await seasons.delete_season(session, merchant_id, group_id, second)
    assert [s.id for s in left.seasons] == [first, third]


async def test_a_group_an_offer_bills_by_is_not_deleted(catalog: Catalog) -> None:
    session, merchant_id = catalog.session, catalog.merchant.id
    made = await seasons.create_season_group(session, merchant_id, "League", [days_from_now(1, 10)])
    price = await shop.monthly_price(session, catalog.product)
    attached = await seasons.attach_season_group(session, merchant_id, price.id, made.group.id)
    assert attached.season_group_id == made.group.id
    with pytest.raises(GroupInUse):
        await seasons.delete_season_group(session, merchant_id, made.group.id)
    await seasons.attach_season_group(session, merchant_id, price.id, None)
    await seasons.delete_season_group(session, merchant_id, made.group.id)
    with pytest.raises(NotFound) as caught:
        await seasons.find_season_group(session, merchant_id, made.group.id)
    assert caught.value.what == Missing.SEASON_GROUP


async def test_only_a_subscription_bills_by_seasons(catalog: Catalog) -> None:
    session, merchant_id = catalog.session, catalog.merchant.id
    made = await seasons.create_season_group(session, merchant_id, "League")
    single = Price(
        merchant_id=merchant_id,
        product_id=catalog.product.id,
        kind="one_time",
        amount=500,
        currency="EUR",
        period_unit="day",
        country_set=None,
    )
    session.add(single)
    await session.flush()
    await refused(
        SeasonRefusal.NOT_A_SUBSCRIPTION, seasons.attach_season_group(session, merchant_id, single.id, made.group.id)
    )


async def test_another_merchants_groups_and_seasons_are_not_found(catalog: Catalog) -> None:
    session, merchant_id = catalog.session, catalog.merchant.id
    other = await shop.merchant(session, "Other")
    theirs = await seasons.create_season_group(session, other.id, "Theirs", [days_from_now(1, 10)])
    ours = await seasons.create_season_group(session, merchant_id, "Ours", [days_from_now(1, 10)])
    for call in (
        seasons.find_season_group(session, merchant_id, theirs.group.id),
        seasons.rename_season_group(session, merchant_id, theirs.group.id, "Mine"),
        seasons.delete_season_group(session, merchant_id, theirs.group.id),
        seasons.add_season(session, merchant_id, theirs.group.id, days_from_now(20, 30)),
    ):
        with pytest.raises(NotFound) as caught:
            await call
        assert caught.value.what == Missing.SEASON_GROUP
    with pytest.raises(NotFound) as missing:
        await seasons.delete_season(session, merchant_id, ours.group.id, theirs.seasons[0].id)
    assert missing.value.what == Missing.SEASON
    assert (await seasons.find_season_group(session, other.id, theirs.group.id)).group.name == "Theirs"


def test_bought_mid_season_it_ends_at_the_seasons_end() -> None:
    first, second = days_from_now(-10, 10), days_from_now(30, 60)
    now = clock.now().replace(microsecond=0)
    assert seasons.season_period([second, first], now) == SeasonDates(now, first.ends_at)


def test_it_renews_at_the_next_seasons_start() -> None:
    first, second = days_from_now(-10, 10), days_from_now(30, 60)
    assert seasons.season_period([first, second], first.ends_at) == second
    between = first.ends_at + 5 * DAY
    assert seasons.season_period([first, second], between) == second
    following = days_from_now(10, 20)
    assert seasons.season_period([first, following], first.ends_at) == following


def test_with_no_season_left_it_ends() -> None:
    past = days_from_now(-30, -10)
    assert seasons.season_period([past], clock.now()) is None
    assert seasons.season_period([], clock.now()) is None
