"""Idempotency-Key claims and their leases: a running request keeps its key however long it runs, a claim nobody
renews is taken over once, and only the claim that holds the key keeps its answer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import clock, idempotency
from boxoffice.kit.errors import Conflict

# Renewals come every third of a lease of real time; whether a lease has run out is read from the frozen clock,
# so only the test's own moves of the clock can make one lapse, however slowly this machine runs.
LEASE = timedelta(seconds=0.3)


async def lease_until(sessions: async_sessionmaker[AsyncSession], claim: idempotency.Claim) -> datetime | None:
    async with sessions() as session:
        return await session.scalar(
            select(idempotency.IdempotencyRecord.lease_until).where(idempotency.IdempotencyRecord.id == claim.record_id)
        )


async def renewed(sessions: async_sessionmaker[AsyncSession], claim: idempotency.Claim) -> None:
    """Wait for the holder's next renewal: its lease then runs a whole lease from the clock's present."""
    async with asyncio.timeout(30):
        # The renewal is another task's write to the database: nothing to wait on but the row itself.
        while await lease_until(sessions, claim) != clock.now() + LEASE:  # noqa: ASYNC110
            await asyncio.sleep(LEASE.total_seconds() / 10)


async def test_a_claim_is_kept_while_renewed_and_taken_over_once_it_lapses(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    begin = partial(
        idempotency.begin, sessions, credential=b"auth:x", key="k-1", method="POST", target=b"/x", body=b"", lease=LEASE
    )
    first = await begin()
    assert isinstance(first, idempotency.Claim)
    async with idempotency.hold(sessions, first, LEASE):
        # The request runs on for three times its lease: each renewal carries the claim past the clock's moves.
        for _ in range(3):
            frozen.advance(seconds=LEASE.total_seconds() * 0.9)
            await renewed(sessions, first)
            with pytest.raises(Conflict):
                await begin()
    # No longer renewed, as when its process has died: it holds to the end of its lease, then one retry takes it over.
    frozen.advance(seconds=LEASE.total_seconds() * 0.99)
    with pytest.raises(Conflict):
        await begin()
    frozen.advance(seconds=LEASE.total_seconds() * 0.02)
    taken = await asyncio.gather(begin(), begin(), return_exceptions=True)
    [second] = [t for t in taken if isinstance(t, idempotency.Claim)]
    assert [type(t) for t in taken].count(Conflict) == 1 and second.record_id == first.record_id
    # The first request, had it been slow rather than dead, is not the one whose answer is kept.
    await idempotency.finish(sessions, first, 201, "application/json", b'{"first": true}')
    await idempotency.finish(sessions, second, 201, "application/json", b'{"second": true}')
    assert await begin() == idempotency.Stored(201, "application/json", b'{"second": true}')
