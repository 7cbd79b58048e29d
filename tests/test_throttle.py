"""Rate limits kept in the database, and how the InPlayer dialect answers when one is hit (429)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import clock, throttle
from boxoffice.kit.db import create_engine, session_factory
from boxoffice.kit.errors import RateLimited
from boxoffice.kit.settings import Settings
from tests.http_harness import serve

# ----------------------------------------------------------------------------------------------------
# The counters themselves.


@pytest.fixture
async def sessions(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_database_url)
    try:
        yield session_factory(engine)
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(throttle.ThrottleWindow))
        await engine.dispose()


async def _hits(sessions: async_sessionmaker[AsyncSession], key: str) -> list[int]:
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(throttle.ThrottleWindow.hits).where(throttle.ThrottleWindow.key.startswith(key[:100]))
                )
            ).all()
        )


async def test_attempts_over_the_limit_are_refused_until_the_window_ends(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60) + 20)  # 20 s into a 60 s window
    for _ in range(3):
        await throttle.hit(sessions, {"unit:a": "3/60"})
    with pytest.raises(RateLimited) as refused:
        await throttle.hit(sessions, {"unit:a": "3/60"})
    assert refused.value.retry_after == 40
    frozen.advance(seconds=39)
    with pytest.raises(RateLimited) as again:
        await throttle.hit(sessions, {"unit:a": "3/60"})
    assert again.value.retry_after == 1
    # Refused attempts were counted too.
    assert await _hits(sessions, "unit:a") == [5]
    frozen.advance(seconds=1)
    await throttle.hit(sessions, {"unit:a": "3/60"})
    # The new window starts from one.
    assert sorted(await _hits(sessions, "unit:a")) == [1, 5]


async def test_windows_older_than_a_day_are_forgotten_for_every_key(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    await throttle.hit(sessions, {"unit:once": "3/60", "unit:often": "3/60"})
    frozen.advance(days=1, minutes=2)
    await throttle.hit(sessions, {"unit:often": "3/60"})
    # The address that never came back leaves no row behind once its window can't matter.
    assert await _hits(sessions, "unit:once") == []
    assert await _hits(sessions, "unit:often") == [1]


async def test_every_key_counts_and_the_longest_wait_is_reported(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 3600) + 600)  # 10 min into an hour
    rates = {"unit:ip": "1/60", "unit:account": "1/3600"}
    await throttle.hit(sessions, rates)
    with pytest.raises(RateLimited) as refused:
        await throttle.hit(sessions, rates)
    assert refused.value.retry_after == 3000
    assert await _hits(sessions, "unit:ip") == [2]
    assert await _hits(sessions, "unit:account") == [2]


async def test_a_very_long_key_is_counted(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Keys carry user input (a username); one longer than the column must not break the request."""
    key = "auth:account:" + "x" * 500
    await throttle.hit(sessions, {key: "1/60"})
    with pytest.raises(RateLimited):
        await throttle.hit(sessions, {key: "1/60"})
    other = "auth:account:" + "x" * 499 + "y"  # same long prefix, different key
    await throttle.hit(sessions, {other: "1/60"})


async def test_concurrent_attempts_are_counted_exactly(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=-(clock.unix(frozen.now()) % 60))

    async def attempt() -> bool:
        try:
            await throttle.hit(sessions, {"unit:race": "5/60"})
        except RateLimited:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt() for _ in range(12)))
    assert outcomes.count(True) == 5
    assert await _hits(sessions, "unit:race") == [12]


# ----------------------------------------------------------------------------------------------------
# Over HTTP: the InPlayer 429.


def _assert_429(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["code"] == 429 and isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "errors"}
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and 0 < int(retry_after) <= window, retry_after


async def test_the_fourth_login_from_one_ip_is_429(settings: Settings, frozen: clock.FrozenClock) -> None:
    async with serve(settings, auth_rate_per_ip="3/60") as server:
        first = await server.login("203.0.113.1", "viewer@example.com")
        assert first.status_code == 200, first.text
        # Wrong passwords are attempts too.
        for _ in range(2):
            assert (await server.login("203.0.113.1", "viewer@example.com", "wrong")).status_code == 403
        _assert_429(await server.login("203.0.113.1", "viewer@example.com"), 60)
        # Another address is not held back by this one.
        assert (await server.login("203.0.113.2", "viewer@example.com")).status_code == 200
        frozen.advance(seconds=60)
        assert (await server.login("203.0.113.1", "viewer@example.com")).status_code == 200


async def test_the_per_account_limit_holds_across_addresses(settings: Settings, frozen: clock.FrozenClock) -> None:
    async with serve(settings, auth_rate_per_account="3/60") as server:
        for n in range(3):
            response = await server.login(f"203.0.113.{10 + n}", "viewer@example.com")
            assert response.status_code == 200, response.text
        _assert_429(await server.login("203.0.113.20", "viewer@example.com"), 60)
        # The account is what is limited, not the addresses: another account from the same address passes.
        assert (await server.login("203.0.113.20", "other@example.com")).status_code == 200
        frozen.advance(seconds=60)
        assert (await server.login("203.0.113.20", "viewer@example.com")).status_code == 200


async def test_a_refused_attempt_still_counts(settings: Settings, frozen: clock.FrozenClock) -> None:
    async with serve(settings, auth_rate_per_ip="3/60", auth_rate_per_account="5/60") as server:
        for _ in range(3):
            assert (await server.login("203.0.113.30", "viewer@example.com")).status_code == 200
        _assert_429(await server.login("203.0.113.30", "viewer@example.com"), 60)  # 4th on the account
        assert (await server.login("203.0.113.31", "viewer@example.com")).status_code == 200  # 5th
        # Had the refused 4th not counted, this would be the 5th and pass.
        _assert_429(await server.login("203.0.113.32", "viewer@example.com"), 60)


async def test_forgot_password_is_limited(settings: Settings, frozen: clock.FrozenClock) -> None:
    async with serve(settings, reset_rate_per_ip="2/3600", reset_rate_per_account="3/3600") as server:
        for _ in range(2):
            response = await server.forgot("203.0.113.40", "viewer@example.com")
            assert response.status_code == 200, response.text
        _assert_429(await server.forgot("203.0.113.40", "other@example.com"), 3600)
        # The account limit: a 4th request for the same account from a fresh address.
        assert (await server.forgot("203.0.113.41", "viewer@example.com")).status_code == 200
        _assert_429(await server.forgot("203.0.113.42", "viewer@example.com"), 3600)
        frozen.advance(seconds=3600)
        assert (await server.forgot("203.0.113.40", "viewer@example.com")).status_code == 200


async def test_an_overlong_username_is_refused_not_crashed(settings: Settings) -> None:
    async with serve(settings) as server:
        response = await server.login("203.0.113.50", "x" * 400 + "@example.com")
        assert response.status_code == 403, response.text
