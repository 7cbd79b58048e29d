"""Idempotency-Key claims and their leases: a running request keeps its key however long it runs, a claim nobody
renews is taken over once, and only the claim that holds the key keeps its answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import idempotency
from boxoffice.errors import Conflict

LEASE = timedelta(seconds=1)


async def test_a_claim_is_kept_while_renewed_and_taken_over_once_it_lapses(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    begin = partial(
        idempotency.begin, sessions, credential=b"auth:x", key="k-1", method="POST", target=b"/x", body=b"", lease=LEASE
    )
    first = await begin()
    assert isinstance(first, idempotency.Claim)
    async with idempotency.hold(sessions, first, LEASE):
        await asyncio.sleep(2.5 * LEASE.total_seconds())  # the request runs on, for longer than two leases
        with pytest.raises(Conflict):
            await begin()
    # No longer renewed, as when its process has died: once the lease has run out, one retry takes it over.
    await asyncio.sleep(LEASE.total_seconds() + 0.1)
    taken = await asyncio.gather(begin(), begin(), return_exceptions=True)
    [second] = [t for t in taken if isinstance(t, idempotency.Claim)]
    assert [type(t) for t in taken].count(Conflict) == 1 and second.record_id == first.record_id
    # The first request, had it been slow rather than dead, is not the one whose answer is kept.
    await idempotency.finish(sessions, first, 201, "application/json", b'{"first": true}')
    await idempotency.finish(sessions, second, 201, "application/json", b'{"second": true}')
    assert await begin() == idempotency.Stored(201, "application/json", b'{"second": true}')
