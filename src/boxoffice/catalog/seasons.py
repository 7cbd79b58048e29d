"""Season groups: a merchant's named schedules of seasons, each season from a start until an end. A subscription
price attached to a group is seasonal: it is billed season by season (`season_period`): bought during a season, it
gives access until that season's end; it renews when the next season starts; between seasons there is neither
access nor a charge; and when no season is left it ends.

The seasons of a group never overlap (one may begin the moment another ends). What has happened stays as it was: a
season that has ended is neither changed nor deleted, one under way keeps its start and is not deleted, and no
season is moved into the past. A group a price bills by is not deleted.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import localizations_repository as localizations_repo
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog import seasons_repository as repo
from boxoffice.catalog.models import Price, Season, SeasonGroup
from boxoffice.kit import clock
from boxoffice.kit.db import Page
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound

MAX_SEASONS = 100  # in one group
MAX_NAME = 250


class SeasonRefusal(StrEnum):
    NO_NAME = "no_name"  # a group is named
    ENDS_BEFORE_START = "ends_before_start"  # a season ends after it starts
    OVERLAPS = "overlaps"  # two seasons of a group would share a moment
    IN_THE_PAST = "in_the_past"  # a new season already over, or a season moved to start or end before now
    OVER = "over"  # the season has ended: it stays as it was
    STARTED = "started"  # the season is under way: its start stays, and it stays in its group
    TOO_MANY = "too_many"  # a group holds at most MAX_SEASONS
    NOT_A_SUBSCRIPTION = "not_a_subscription"  # only a subscription's price bills by seasons


MESSAGES = {
    SeasonRefusal.NO_NAME: "A season group needs a name",
    SeasonRefusal.ENDS_BEFORE_START: "A season must end after it starts",
    SeasonRefusal.OVERLAPS: "The seasons of a group may not overlap",
    SeasonRefusal.IN_THE_PAST: "A season may not start or end in the past",
    SeasonRefusal.OVER: "A season that has ended can't be changed or deleted",
    SeasonRefusal.STARTED: "A season under way keeps its start and can't be deleted",
    SeasonRefusal.TOO_MANY: f"A season group holds at most {MAX_SEASONS} seasons",
    SeasonRefusal.NOT_A_SUBSCRIPTION: "Only a subscription is billed by seasons",
}


class SeasonRefused(InvalidInput):
    """A season group or season not made or changed as asked; `reason` says why."""

    def __init__(self, reason: SeasonRefusal) -> None:
        self.reason = reason
        super().__init__({"season": MESSAGES[reason]})


class GroupInUse(Conflict):
    """A season group a price bills by, which stays while it does."""

    default_message = "The season group is used by an offer"


class Dated(Protocol):
    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class SeasonDates:
    """When a season starts, and when it ends (that moment excluded)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class SeasonGroupView:
    """A group with its seasons in the order they begin."""

    group: SeasonGroup
    seasons: list[Season]


def season_period(seasons: Sequence[Dated], at: datetime) -> SeasonDates | None:
    """The period a seasonal subscription bought or renewed at `at` is billed for: the rest of the season under way
    (from `at` until its end), else the next season whole (access begins, and the charge is due, at its start);
    None when no season is left."""
    ahead = sorted((s for s in seasons if s.ends_at > at), key=lambda s: s.starts_at)
    if not ahead:
        return None
    season = ahead[0]
    return SeasonDates(max(at, season.starts_at), season.ends_at)


async def seasons_by_price(
    session: AsyncSession, merchant_id: int, price_ids: Sequence[int]
) -> dict[int, list[Season]]:
    """The seasons each seasonal price among `price_ids` bills by, in the order they begin (a price that isn't
    seasonal is left out)."""
    groups = await repo.season_groups_of_prices(session, merchant_id, sorted(set(price_ids)))
    found = await repo.seasons_of(session, merchant_id, sorted(set(groups.values())))
    return {price_id: [s for s in found if s.season_group_id == group_id] for price_id, group_id in groups.items()}


async def list_season_groups(
    session: AsyncSession, merchant_id: int, *, offset: int, limit: int
) -> Page[SeasonGroupView]:
    page = await repo.groups_page(session, merchant_id, offset=offset, limit=limit)
    seasons = await repo.seasons_of(session, merchant_id, [group.id for group in page.items])
    return Page(page.total, [SeasonGroupView(g, [s for s in seasons if s.season_group_id == g.id]) for g in page.items])


async def find_season_group(
    session: AsyncSession, merchant_id: int, group_id: int, *, to_change: bool = False
) -> SeasonGroupView:
    """`to_change`: as it is now, and no other transaction changes the group until this ends."""
    return await _view(session, merchant_id, await _group(session, merchant_id, group_id, to_change=to_change))


async def create_season_group(
    session: AsyncSession, merchant_id: int, name: str, seasons: Sequence[SeasonDates] = ()
) -> SeasonGroupView:
    """A new group, with its first seasons (none, or some, each ending after now)."""
    group = SeasonGroup(merchant_id=merchant_id, name=_name(name))
    if len(seasons) > MAX_SEASONS:
        raise SeasonRefused(SeasonRefusal.TOO_MANY)
    now = clock.now()
    for dates in seasons:
        _check_new(dates, now)
    _check_apart(seasons)
    session.add(group)
    await session.flush()
    session.add_all(
        Season(merchant_id=merchant_id, season_group_id=group.id, starts_at=d.starts_at, ends_at=d.ends_at)
        for d in seasons
    )
    await session.flush()
    return await _view(session, merchant_id, group)


async def rename_season_group(
    session: AsyncSession, merchant_id: int, group_id: int, name: str | None
) -> SeasonGroupView:
    """Give a group another name (None: keep its own)."""
    group = await _group(session, merchant_id, group_id, to_change=True)
    if name is not None:
        group.name = _name(name)
        await session.flush()
    return await _view(session, merchant_id, group)


async def delete_season_group(session: AsyncSession, merchant_id: int, group_id: int) -> None:
    """Delete a group and its seasons, unless a price bills by it (GroupInUse)."""
    await _group(session, merchant_id, group_id, to_change=True)
    if await repo.group_in_use(session, merchant_id, group_id):
        raise GroupInUse()
    await repo.delete_group(session, merchant_id, group_id)


async def add_season(session: AsyncSession, merchant_id: int, group_id: int, dates: SeasonDates) -> SeasonGroupView:
    """One more season in a group: ending after now, overlapping none of the group's."""
    group = await _group(session, merchant_id, group_id, to_change=True)
    seasons = list(await repo.seasons_of(session, merchant_id, [group_id]))
    if len(seasons) >= MAX_SEASONS:
        raise SeasonRefused(SeasonRefusal.TOO_MANY)
    _check_new(dates, clock.now())
    _check_apart([*seasons, dates])
    session.add(
        Season(merchant_id=merchant_id, season_group_id=group_id, starts_at=dates.starts_at, ends_at=dates.ends_at)
    )
    _touch(group)
    await session.flush()
    return await _view(session, merchant_id, group)


async def change_season(
    session: AsyncSession,
    merchant_id: int,
    group_id: int,
    season_id: int,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> SeasonGroupView:
    """Move a season's start or end (None: as it is). Neither moves into the past; a season under way keeps its
    start, and one that has ended stays as it was."""
    group = await _group(session, merchant_id, group_id, to_change=True)
    seasons = list(await repo.seasons_of(session, merchant_id, [group_id]))
    season = _season_of(seasons, season_id)
    now = clock.now()
    if season.ends_at <= now:
        raise SeasonRefused(SeasonRefusal.OVER)
    start = season.starts_at if starts_at is None else starts_at
    end = season.ends_at if ends_at is None else ends_at
    if start != season.starts_at and season.starts_at <= now:
        raise SeasonRefused(SeasonRefusal.STARTED)
    if start >= end:
        raise SeasonRefused(SeasonRefusal.ENDS_BEFORE_START)
    if (start != season.starts_at and start < now) or end <= now:
        raise SeasonRefused(SeasonRefusal.IN_THE_PAST)
    _check_apart([*(s for s in seasons if s.id != season_id), SeasonDates(start, end)])
    season.starts_at, season.ends_at = start, end
    _touch(group)
    await session.flush()
    return await _view(session, merchant_id, group)


async def delete_season(session: AsyncSession, merchant_id: int, group_id: int, season_id: int) -> SeasonGroupView:
    """Take a season that has not begun out of its group."""
    group = await _group(session, merchant_id, group_id, to_change=True)
    season = _season_of(await repo.seasons_of(session, merchant_id, [group_id]), season_id)
    now = clock.now()
    if season.ends_at <= now:
        raise SeasonRefused(SeasonRefusal.OVER)
    if season.starts_at <= now:
        raise SeasonRefused(SeasonRefusal.STARTED)
    await repo.delete_season(session, merchant_id, season_id)
    _touch(group)
    await session.flush()
    return await _view(session, merchant_id, group)


async def attach_season_group(session: AsyncSession, merchant_id: int, price_id: int, group_id: int | None) -> Price:
    """Bill a subscription price, and its localizations, season by season, by the seasons of a group of the
    merchant's (None: by its own period again)."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE, key=price_id)
    if group_id is not None:
        await _group(session, merchant_id, group_id, to_change=True)
        if price.kind != "subscription":
            raise SeasonRefused(SeasonRefusal.NOT_A_SUBSCRIPTION)
    price.season_group_id = group_id
    for _, localized in await localizations_repo.localizations_of(session, merchant_id, price_id):
        localized.season_group_id = group_id
    await session.flush()
    return price


async def _group(session: AsyncSession, merchant_id: int, group_id: int, *, to_change: bool = False) -> SeasonGroup:
    group = await repo.group_by_id(session, merchant_id, group_id, for_update=to_change)
    if group is None:
        raise NotFound(what=Missing.SEASON_GROUP, key=group_id)
    return group


async def _view(session: AsyncSession, merchant_id: int, group: SeasonGroup) -> SeasonGroupView:
    return SeasonGroupView(group, list(await repo.seasons_of(session, merchant_id, [group.id])))


def _season_of(seasons: Sequence[Season], season_id: int) -> Season:
    found = next((s for s in seasons if s.id == season_id), None)
    if found is None:
        raise NotFound(what=Missing.SEASON, key=season_id)
    return found


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise SeasonRefused(SeasonRefusal.NO_NAME)
    return name[:MAX_NAME]


def _check_new(dates: SeasonDates, now: datetime) -> None:
    if dates.starts_at >= dates.ends_at:
        raise SeasonRefused(SeasonRefusal.ENDS_BEFORE_START)
    if dates.ends_at <= now:
        raise SeasonRefused(SeasonRefusal.IN_THE_PAST)


def _check_apart(seasons: Sequence[Dated]) -> None:
    """Refused when two of the seasons share a moment (one may begin the moment another ends)."""
    ordered = sorted(seasons, key=lambda s: s.starts_at)
    for earlier, later in itertools.pairwise(ordered):
        if later.starts_at < earlier.ends_at:
            raise SeasonRefused(SeasonRefusal.OVERLAPS)


def _touch(group: SeasonGroup) -> None:
    group.updated_at = clock.now()
