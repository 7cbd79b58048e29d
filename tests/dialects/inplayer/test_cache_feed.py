"""The feed that tells each process what the others changed: a change committed anywhere reaches the caches of
every process, whatever order the changes commit in, and after the feed's old rows are purged."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from boxoffice.kit import cache, clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, sign_up
from tests.dialects.inplayer.test_access import add_product, grant

# Another Boxoffice process revoking the viewer's access through the core: its session writes the feed row with
# the change. With "hold" it prints the id its flush took and commits only when told to (a line on stdin).
REVOKE_ELSEWHERE = """
import asyncio, sys
from sqlalchemy import func, select
from boxoffice.kit import clock
from boxoffice import models
from boxoffice.access import repository
from boxoffice.kit.cache import CacheInvalidation
from boxoffice.kit.db import create_engine, session_factory

async def revoke(url, merchant_id, customer_id, product_id, hold):
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await repository.revoke_current(session, merchant_id, customer_id, product_id, clock.now(), "elsewhere")
        await session.flush()
        print(await session.scalar(select(func.max(CacheInvalidation.id))), flush=True)
        if hold:
            sys.stdin.readline()
    await engine.dispose()

asyncio.run(revoke(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "hold"))
"""


async def revoke_elsewhere(
    server: Server, merchant: Merchant, viewer: Viewer, product_id: int, *, hold: bool
) -> tuple[asyncio.subprocess.Process, int]:
    """The other process, started; and the id of the feed row it wrote (committed unless `hold`)."""
    args = [server.settings.database_url, str(merchant.id), str(viewer.id), str(product_id), "hold" if hold else "-"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", REVOKE_ELSEWHERE, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert line.strip().isdigit(), f"the other process failed (exit {await process.wait()})"
    return process, int(line)


async def granted_and_followed(
    server: Server, merchant: Merchant, viewer: Viewer
) -> tuple[int, cache.InvalidationFeed]:
    """A product granted to the viewer, and this process's feed, which has read up to the grant."""
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    feed: cache.InvalidationFeed = server.app.state.cache_feed
    await feed.poll(server.app.state.sessions)
    return film.id, feed


async def newest_feed_id(server: Server) -> int:
    async with server.app.state.sessions() as session:
        return int(await session.scalar(select(func.max(cache.CacheInvalidation.id))) or 0)


async def test_a_change_committed_after_a_later_one_was_read_still_reaches_this_process(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    if server.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one transaction write at a time: its feed ids commit in the order they are taken")
    film_id, feed = await granted_and_followed(server, merchant, viewer)
    url = f"/items/{film_id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200  # remembered here

    # The other process takes id N for its revocation and has not committed when this one commits N+1 …
    other, taken = await revoke_elsewhere(server, merchant, viewer, film_id, hold=True)
    await sign_up(server, merchant, "later@example.com")
    assert await newest_feed_id(server) > taken
    # … which the feed reads; the revocation is not committed yet, so access still holds.
    assert await feed.poll(server.app.state.sessions) >= 1
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200

    assert other.stdin is not None
    other.stdin.write(b"commit\n")
    await other.stdin.drain()
    assert await asyncio.wait_for(other.wait(), timeout=60) == 0
    assert await feed.poll(server.app.state.sessions) == 1
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 402


async def test_a_change_after_the_feed_was_purged_still_reaches_this_process(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    film_id, feed = await granted_and_followed(server, merchant, viewer)
    url = f"/items/{film_id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    # Every row of the feed grows old and the feed's own housekeeping (every 120th poll) deletes them all.
    frozen.advance(seconds=(cache.KEEP_FEED + timedelta(minutes=1)).total_seconds())
    for _ in range(120):
        await feed.poll(server.app.state.sessions)
    async with server.app.state.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(cache.CacheInvalidation)) == 0

    other, written = await revoke_elsewhere(server, merchant, viewer, film_id, hold=False)
    assert await asyncio.wait_for(other.wait(), timeout=60) == 0
    assert written > (feed.last_id or 0)  # ids are never taken again, even once their rows are gone
    assert await feed.poll(server.app.state.sessions) == 1
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 402


async def test_an_id_whose_transaction_died_is_looked_for_only_while_it_could_matter(
    server: Server, merchant: Merchant, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if server.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one transaction write at a time: no id is passed over while its transaction runs")
    film_id, feed = await granted_and_followed(server, merchant, viewer)
    other, taken = await revoke_elsewhere(server, merchant, viewer, film_id, hold=True)
    await sign_up(server, merchant, "later@example.com")
    await feed.poll(server.app.state.sessions)
    assert taken in feed.missing
    other.kill()  # its transaction is rolled back: the id will never be committed
    await other.wait()
    await feed.poll(server.app.state.sessions)
    assert taken in feed.missing
    later = cache.now() + cache.STALE_AFTER + 0.01
    monkeypatch.setattr(cache, "now", lambda: later)
    await feed.poll(server.app.state.sessions)
    assert feed.missing == {}
    url = f"/items/{film_id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200  # nothing was revoked


async def test_a_renewal_tells_the_feed_whose_access_it_extended(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    # The renewal engine writes a batch's entitlements back as one executemany: every process's caches must still
    # learn, through the feed, which customer's access changed.
    from tests.dialects.inplayer.test_subscriptions import monthly_fee, renew, subscribe

    _, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    before = await newest_feed_id(server)
    frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    async with server.app.state.sessions() as session:
        told = await session.execute(
            select(cache.CacheInvalidation.scope_merchant_id, cache.CacheInvalidation.scope_customer_id).where(
                cache.CacheInvalidation.id > before
            )
        )
        assert (merchant.id, viewer.id) in [tuple(row) for row in told.all()]
