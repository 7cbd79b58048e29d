"""Streaming a statement's rows in batches (`kit.db.stream_batches`), as the exports read millions of them: the
same rows and values as the session's own query, in order, inside the session's transaction, refused when not
scoped to a merchant, and the session usable again after stopping early."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity.models import Customer
from boxoffice.kit.db import TenantLeak, stream_batches
from tests import shop

START = datetime(2026, 1, 2, 3, 4, 5, 678901)


async def merchant_with_customers(sessions: async_sessionmaker[AsyncSession], count: int) -> int:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        session.add_all(
            Customer(
                merchant_id=merchant.id,
                uuid=str(uuid.uuid4()),
                email=f"c{i}@example.com",
                attributes={"n": i, "tags": ["a"]} if i % 2 else {},
                active=i != 3,
                created_at=START + timedelta(seconds=i),
            )
            for i in range(count)
        )
        return merchant.id


def customers_of(merchant_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Customer.id, Customer.email, Customer.attributes, Customer.active, Customer.created_at)
        .where(Customer.merchant_id == merchant_id)
        .order_by(Customer.created_at)
    )


async def test_batches_hold_the_rows_and_values_the_session_would_read(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    merchant_id = await merchant_with_customers(sessions, 5)
    async with sessions() as session:
        expected = [tuple(row) for row in (await session.execute(customers_of(merchant_id))).all()]
    async with sessions() as session:  # no statement yet: the stream opens a transaction of its own
        batches = [list(batch) async for batch in stream_batches(session, customers_of(merchant_id), 2)]
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert [tuple(row) for batch in batches for row in batch] == expected
    assert expected[1][2:] == ({"n": 1, "tags": ["a"]}, True, START + timedelta(seconds=1))
    assert expected[3][3] is False


async def test_a_stream_sees_what_its_transaction_wrote_and_the_session_goes_on_after_stopping_early(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    merchant_id = await merchant_with_customers(sessions, 7)
    async with sessions() as session, session.begin():
        earliest = START - timedelta(days=1)
        session.add(
            Customer(merchant_id=merchant_id, uuid=str(uuid.uuid4()), email="new@example.com", created_at=earliest)
        )
        await session.flush()
        async with contextlib.aclosing(stream_batches(session, customers_of(merchant_id), 3)) as batches:
            async for batch in batches:
                assert batch[0][1] == "new@example.com"  # first by time, not yet committed
                break  # with the next batch asked for: closing waits for it, so the connection is free again
        found = await session.scalar(select(Customer.email).where(Customer.merchant_id == merchant_id).limit(1))
        assert found is not None


async def test_a_statement_not_scoped_to_a_merchant_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    await merchant_with_customers(sessions, 1)
    async with sessions() as session:
        with pytest.raises(TenantLeak):
            async for _ in stream_batches(session, select(Customer.id, Customer.email), 10):
                pass
