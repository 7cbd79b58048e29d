"""A merchant's restriction settings: nothing restricted until set, what a change is held to, and that a change
leaves alone what it does not name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import InvalidInput
from boxoffice.restrictions import repository as repo
from boxoffice.restrictions import service
from boxoffice.restrictions.models import RestrictionSettings
from tests import shop


@dataclass
class Shop:
    session: AsyncSession
    merchant: Merchant

    async def update(self, **given: Any) -> RestrictionSettings:
        changes: dict[str, Any] = {
            "age_verification_enabled": None,
            "age_verification_type": None,
            "allowed_domains": None,
            "max_concurrent_sessions": None,
        } | given
        return await service.update_restriction_settings(self.session, self.merchant.id, **changes)

    async def refusal(self, **given: Any) -> dict[str, str]:
        with pytest.raises(InvalidInput) as refused:
            await self.update(**given)
        return refused.value.errors

    async def stored(self) -> RestrictionSettings | None:
        return await repo.settings_of(self.session, self.merchant.id)


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Shop]:
    async with sessions() as session:
        yield Shop(session, await shop.merchant(session))


async def test_a_merchant_that_never_set_any_restricts_nothing_and_nothing_is_written(store: Shop) -> None:
    found = await service.restriction_settings(store.session, store.merchant.id)
    assert (
        found.merchant_id,
        found.age_verification_enabled,
        found.age_verification_type,
        found.allowed_domains,
        found.max_concurrent_sessions,
    ) == (store.merchant.id, False, "pin_code", [], None)
    assert await store.stored() is None


async def test_the_first_change_writes_the_settings_and_later_ones_change_the_same_row(store: Shop) -> None:
    first = await store.update(age_verification_enabled=True)
    assert (first.age_verification_enabled, first.allowed_domains, first.max_concurrent_sessions) == (True, [], None)
    second = await store.update(max_concurrent_sessions=3)
    assert second.id == first.id
    stored = await store.stored()
    assert stored is not None
    assert (stored.age_verification_enabled, stored.max_concurrent_sessions) == (True, 3)
    assert (await service.restriction_settings(store.session, store.merchant.id)).id == first.id


async def test_every_problem_is_named_at_once_and_nothing_is_written(store: Shop) -> None:
    assert await store.refusal(
        age_verification_type="birth_date", allowed_domains=["ok.example", "not a host"], max_concurrent_sessions=0
    ) == {
        "age_verification_type": "The age verification type must be pin_code",
        "domains": "'not a host' is not a host name",
        "max_concurrent_sessions": "The session limit must be from 1 to 1000",
    }
    assert await store.stored() is None


@pytest.mark.parametrize("limit", [0, -1, 1001])
async def test_a_session_limit_is_from_1_to_1000(store: Shop, limit: int) -> None:
    assert await store.refusal(max_concurrent_sessions=limit) == {
        "max_concurrent_sessions": "The session limit must be from 1 to 1000"
    }


@pytest.mark.parametrize("limit", [1, 1000])
async def test_the_ends_of_the_session_limit_are_allowed(store: Shop, limit: int) -> None:
    assert (await store.update(max_concurrent_sessions=limit)).max_concurrent_sessions == limit


@pytest.mark.parametrize(
    "host",
    ["https://shop.example", "shop.example/path", "*.", "*shop.example", "shop..example", "-shop.example", "a" * 64],
)
async def test_an_allowed_domain_is_a_bare_host_name(store: Shop, host: str) -> None:
    assert await store.refusal(allowed_domains=[host]) == {"domains": f"{host.lower()!r} is not a host name"}


async def test_domains_are_kept_trimmed_lower_case_and_without_blanks(store: Shop) -> None:
    found = await store.update(allowed_domains=["  Shop.Example.COM ", "", "   ", "*.cdn.example", "localhost"])
    assert found.allowed_domains == ["shop.example.com", "*.cdn.example", "localhost"]


async def test_a_change_leaves_alone_what_it_does_not_name(store: Shop) -> None:
    await store.update(age_verification_enabled=True, allowed_domains=["shop.example"], max_concurrent_sessions=2)
    found = await store.update(age_verification_type="pin_code")
    assert (found.age_verification_enabled, found.allowed_domains, found.max_concurrent_sessions) == (
        True,
        ["shop.example"],
        2,
    )
    # Named, they change: an empty list of domains lifts the domain rule, False turns verification off.
    found = await store.update(age_verification_enabled=False, allowed_domains=[])
    assert (found.age_verification_enabled, found.allowed_domains, found.max_concurrent_sessions) == (False, [], 2)


async def test_the_session_limit_is_lifted_only_when_asked(store: Shop) -> None:
    await store.update(max_concurrent_sessions=2)
    assert (await store.update(max_concurrent_sessions=None)).max_concurrent_sessions == 2
    assert (await store.update(clear_session_limit=True)).max_concurrent_sessions is None


async def test_each_merchant_has_its_own_settings(store: Shop) -> None:
    await store.update(allowed_domains=["shop.example"])
    other = await shop.merchant(store.session, "Other")
    assert (await service.restriction_settings(store.session, other.id)).allowed_domains == []
