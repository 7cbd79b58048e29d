"""Fixed-window attempt counters kept in the database, so every app process shares the same limits."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, transaction
from boxoffice.kit.errors import RateLimited
from boxoffice.kit.settings import parse_rate

KEY_LENGTH = 200


# The longest window a rate may use (settings refuse longer ones); older rows can't matter to any limit.
MAX_WINDOW = timedelta(days=1)


class ThrottleWindow(Base):
    __tablename__ = "throttle_windows"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(default=0)


def _stored_key(key: str) -> str:
    """Keys carry user input (usernames): one too long for the column keeps a readable head and a digest."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_LENGTH - len(digest) - 1]}#{digest}"


async def _count(session: AsyncSession, key: str, start: datetime) -> int:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    upsert = (
        insert(ThrottleWindow)
        .values(key=key, window_start=start, hits=1)
        .on_conflict_do_update(index_elements=["key", "window_start"], set_={"hits": ThrottleWindow.hits + 1})
        .returning(ThrottleWindow.hits)
    )
    hits = int((await session.execute(upsert)).scalar_one())
    if hits == 1:
        # A new window is a good moment to forget windows nobody can be limited by any more, of every key:
        # addresses that came once and never again would otherwise stay forever.
        await session.execute(delete(ThrottleWindow).where(ThrottleWindow.window_start < start - MAX_WINDOW))
    return hits


async def hit(factory: async_sessionmaker[AsyncSession], rates: dict[str, str]) -> None:
    """Count one attempt against every `{key: "N/SECONDS"}`; raise RateLimited when any is over its limit.

    Counted in a transaction of its own: a refused or failed request still counts.
    """
    async with transaction(factory) as session:
        retry_after = await _counted(session, rates)
    if retry_after:
        raise RateLimited(retry_after=retry_after)


async def count(session: AsyncSession, rates: dict[str, str]) -> None:
    """`hit`, counted in the caller's transaction: for a part of a request that already holds the database's write
    lock (a JSON-RPC call's savepoint on SQLite), where a transaction of its own would wait for that lock. A refusal
    that follows must keep the count (`DomainError.keep_changes`)."""
    retry_after = await _counted(session, rates)
    if retry_after:
        raise RateLimited(retry_after=retry_after)


async def _counted(session: AsyncSession, rates: dict[str, str]) -> int:
    """Seconds until every limit `rates` is over lets another attempt in; 0 when none is over."""
    now = clock.now()
    retry_after = 0
    # Always in the same order, so two requests counting the same keys cannot deadlock on PostgreSQL.
    for key, rate in sorted(rates.items()):
        limit, seconds = parse_rate(rate)
        epoch = clock.unix(now)
        start = clock.from_unix(epoch - epoch % seconds)
        if await _count(session, _stored_key(key), start) > limit:
            until = start + timedelta(seconds=seconds)
            retry_after = max(retry_after, math.ceil((until - now).total_seconds()))
    return max(retry_after, 1) if retry_after else 0
