"""The limits on how many addresses and devices a customer's access is asked from within three hours."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access.models import AccessSighting
from boxoffice.access.sightings import (
    LIMITS,
    MAX_DEVICES,
    MAX_IP_ADDRESSES,
    WINDOW,
    Place,
    Sighting,
    TooManyPlaces,
    note_sighting,
)
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput
from tests import shop


def test_the_limits_are_cleengs() -> None:
    assert (MAX_IP_ADDRESSES, MAX_DEVICES, WINDOW.total_seconds()) == (4, 3, 3 * 3600)


@pytest.mark.parametrize("place", list(Place))
async def test_one_more_than_the_limit_is_refused_until_the_window_passes(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock, place: Place
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer, other = await shop.customer(session, merchant.id), await shop.customer(session, merchant.id, "o@x.io")
        limit = LIMITS[place]
        for number in range(limit):
            await note_sighting(session, merchant.id, customer.id, Sighting(place, f"place-{number}"))
            frozen.advance(minutes=10)
        with pytest.raises(TooManyPlaces) as refused:
            await note_sighting(session, merchant.id, customer.id, Sighting(place, "one-more"))
        assert refused.value.place is place
        # Those already seen are let in again, and another customer has limits of their own.
        await note_sighting(session, merchant.id, customer.id, Sighting(place, "place-0"))
        await note_sighting(session, merchant.id, other.id, Sighting(place, "one-more"))
        # Three hours after place-1 was last seen (place-0 was seen again just now), one place is free.
        frozen.advance(seconds=WINDOW.total_seconds() - 10 * 60 * (limit - 1))
        await note_sighting(session, merchant.id, customer.id, Sighting(place, "one-more"))
        with pytest.raises(TooManyPlaces):
            await note_sighting(session, merchant.id, customer.id, Sighting(place, "yet-another"))


async def test_a_place_seen_long_ago_counts_as_new(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        await note_sighting(session, merchant.id, customer.id, Sighting(Place.DEVICE, "old", "tv"))
        frozen.advance(hours=4)
        for number in range(MAX_DEVICES):
            await note_sighting(session, merchant.id, customer.id, Sighting(Place.DEVICE, f"new-{number}"))
        with pytest.raises(TooManyPlaces):
            await note_sighting(session, merchant.id, customer.id, Sighting(Place.DEVICE, "old", "tv"))


async def test_an_empty_or_overlong_place_is_invalid(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        for seen in (
            Sighting(Place.DEVICE, ""),
            Sighting(Place.DEVICE, "x" * 201),
            Sighting(Place.DEVICE, "d", "t" * 51),
        ):
            with pytest.raises(InvalidInput):
                await note_sighting(session, merchant.id, customer.id, seen)


async def test_two_first_checks_from_one_new_place_at_once_both_pass(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    """The second check's insert waits for the first's transaction and then moves the row it added, rather than
    failing on it (on SQLite the second transaction waits for the first to begin with)."""
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        merchant_id, customer_id = merchant.id, (await shop.customer(session, merchant.id)).id
    first = sessions()
    async with first.begin():
        await note_sighting(first, merchant_id, customer_id, Sighting(Place.DEVICE, "tv-1", "tv"))

        # The second check's backend goes by a name of its own, so that the wait looked for is its wait.
        name = f"second-check-{uuid.uuid4().hex}"

        async def second() -> None:
            async with sessions() as session, session.begin():
                if on_postgres(session):
                    await session.execute(text("SELECT set_config('application_name', :name, true)"), {"name": name})
                await note_sighting(session, merchant_id, customer_id, Sighting(Place.DEVICE, "tv-1"))

        racing = asyncio.create_task(second())
        if on_postgres(first):
            await waiting_for_a_lock(sessions, name)
    await first.close()
    await asyncio.wait_for(racing, 30)
    async with sessions() as session:
        rows = (await session.scalars(select(AccessSighting).where(AccessSighting.merchant_id == merchant_id))).all()
    assert [(row.value, row.device_type) for row in rows] == [("tv-1", "tv")]


def on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def waiting_for_a_lock(sessions: async_sessionmaker[AsyncSession], application_name: str) -> None:
    """Until the backend going by `application_name` waits on a lock (bounded)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND application_name = :name"
    )
    for _ in range(3000):
        async with sessions() as session:
            if await session.scalar(waiting, {"name": application_name}):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second check never waited for the first's row")
