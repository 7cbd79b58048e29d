"""Country sets: the lists of countries a price or an item is sold or watched in (or not), what one is held to,
and that one still in use cannot go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.restrictions import service
from boxoffice.restrictions.models import CountrySet
from boxoffice.restrictions.service import MAX_NAME
from tests import shop


@dataclass
class Shop:
    session: AsyncSession
    merchant: Merchant

    async def create(
        self, name: str | None = "Europe", type_: str | None = "whitelist", countries: list[str] | None = None
    ) -> CountrySet:
        return await service.create_country_set(
            self.session, self.merchant.id, name=name, type_=type_, countries=["FR"] if countries is None else countries
        )

    async def refusal(self, **given: object) -> dict[str, str]:
        with pytest.raises(InvalidInput) as refused:
            await self.create(**given)  # type: ignore[arg-type]
        return refused.value.errors

    async def sets(self) -> list[CountrySet]:
        _, found = await service.list_country_sets(self.session, self.merchant.id, page=0, limit=100)
        return list(found)


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Shop]:
    async with sessions() as session:
        yield Shop(session, await shop.merchant(session))


# ----------------------------------------------------------------------------------------------------
# Creating


async def test_a_set_is_written_with_its_countries_upper_case_each_once_in_the_order_given(store: Shop) -> None:
    found = await store.create(name="  Benelux ", type_="blacklist", countries=["be", " NL ", "BE", "lu", "nl"])
    assert (found.name, found.type, found.countries) == ("Benelux", "blacklist", ["BE", "NL", "LU"])
    assert [s.id for s in await store.sets()] == [found.id]


async def test_a_new_set_needs_a_name_a_type_and_countries(store: Shop) -> None:
    assert await store.refusal(name=None, type_=None, countries=[]) == {
        "name": "The name is required",
        "type": "The type must be whitelist or blacklist",
        "countries": "A country set names at least one country",
    }
    assert await store.sets() == []


async def test_a_name_is_bounded(store: Shop) -> None:
    assert await store.refusal(name="x" * (MAX_NAME + 1)) == {
        "name": f"The name may not be longer than {MAX_NAME} characters"
    }
    assert (await store.create(name="x" * MAX_NAME)).name == "x" * MAX_NAME


@pytest.mark.parametrize("type_", ["white", "WHITELIST", "allow", ""])
async def test_the_type_is_whitelist_or_blacklist(store: Shop, type_: str) -> None:
    assert await store.refusal(type_=type_) == {"type": "The type must be whitelist or blacklist"}


@pytest.mark.parametrize("code", ["FRA", "F", "XX", "UK", "", "250"])
async def test_countries_are_iso_alpha_2_codes(store: Shop, code: str) -> None:
    assert await store.refusal(countries=["FR", code]) == {
        "countries": f"{code!r} is not an ISO-3166 alpha-2 country code"
    }


# ----------------------------------------------------------------------------------------------------
# Reading, changing, deleting


async def test_another_merchants_set_is_not_found(store: Shop) -> None:
    mine = await store.create()
    other = await shop.merchant(store.session, "Other")
    assert (await service.get_country_set(store.session, store.merchant.id, mine.id)).id == mine.id
    with pytest.raises(NotFound):
        await service.get_country_set(store.session, other.id, mine.id)
    with pytest.raises(NotFound):
        await service.update_country_set(store.session, other.id, mine.id, name="Mine now")
    with pytest.raises(NotFound):
        await service.delete_country_set(store.session, other.id, mine.id, in_use=False)
    assert (await service.list_country_sets(store.session, other.id, page=0, limit=10))[0] == 0


async def test_sets_are_listed_a_page_at_a_time_oldest_first_with_their_total(store: Shop) -> None:
    made = [await store.create(name=f"Set {n}") for n in range(5)]
    total, page = await service.list_country_sets(store.session, store.merchant.id, page=1, limit=2)
    assert total == 5
    assert [s.id for s in page] == [made[2].id, made[3].id]
    total, last = await service.list_country_sets(store.session, store.merchant.id, page=2, limit=2)
    assert (total, [s.id for s in last]) == (5, [made[4].id])


async def test_a_change_changes_only_what_it_names(store: Shop) -> None:
    found = await store.create(name="Europe", countries=["FR", "DE"])
    changed = await service.update_country_set(store.session, store.merchant.id, found.id, type_="blacklist")
    assert (changed.name, changed.type, changed.countries) == ("Europe", "blacklist", ["FR", "DE"])
    changed = await service.update_country_set(store.session, store.merchant.id, found.id, countries=["es", "ES"])
    assert (changed.name, changed.type, changed.countries) == ("Europe", "blacklist", ["ES"])
    changed = await service.update_country_set(store.session, store.merchant.id, found.id, name=" Spain ")
    assert (changed.name, changed.type, changed.countries) == ("Spain", "blacklist", ["ES"])


async def test_a_change_with_any_problem_changes_nothing(store: Shop) -> None:
    found = await store.create(name="Europe", countries=["FR"])
    with pytest.raises(InvalidInput) as refused:
        await service.update_country_set(
            store.session, store.merchant.id, found.id, name=" ", type_="greylist", countries=[]
        )
    assert refused.value.errors == {
        "name": "The name is required",
        "type": "The type must be whitelist or blacklist",
        "countries": "A country set names at least one country",
    }
    with pytest.raises(InvalidInput):
        await service.update_country_set(store.session, store.merchant.id, found.id, name="Ok", countries=["FRA"])
    kept = await service.get_country_set(store.session, store.merchant.id, found.id)
    assert (kept.name, kept.type, kept.countries) == ("Europe", "whitelist", ["FR"])


async def test_a_set_in_use_cannot_be_deleted_and_one_unused_can(store: Shop) -> None:
    found = await store.create()
    with pytest.raises(Conflict):
        await service.delete_country_set(store.session, store.merchant.id, found.id, in_use=True)
    assert [s.id for s in await store.sets()] == [found.id]
    await service.delete_country_set(store.session, store.merchant.id, found.id, in_use=False)
    assert await store.sets() == []
    with pytest.raises(NotFound):
        await service.get_country_set(store.session, store.merchant.id, found.id)
