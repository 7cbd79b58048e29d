"""Fixed-window attempt counters kept in the database, so every app process shares the same limits."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice import clock
from boxoffice.db import Base, transaction
from boxoffice.errors import RateLimited
from boxoffice.settings import parse_rate


class ThrottleWindow(Base):
    __tablename__ = "throttle_windows"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)


async def _count(session: AsyncSession, key: str, start: datetime) -> int:
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ThrottleWindow).values(key=key, window_start=start, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"hits": ThrottleWindow.hits + 1}
    ).returning(ThrottleWindow.hits)
    hits = int((await session.execute(statement)).scalar_one())
    if hits == 1:
        await session.execute(
            delete(ThrottleWindow).where(ThrottleWindow.key == key, ThrottleWindow.window_start < start)
        )
    return hits


async def hit(factory: async_sessionmaker[AsyncSession], rates: dict[str, str]) -> None:
    """Count one attempt against every `{key: "N/SECONDS"}`; raise RateLimited when any is over its limit.

    Counted in a transaction of its own: a refused or failed request still counts.
    """
    now = clock.now()
    retry_after = 0
    async with transaction(factory) as session:
        for key, rate in rates.items():
            limit, seconds = parse_rate(rate)
            epoch = clock.unix(now)
            start = clock.from_unix(epoch - epoch % seconds)
            if await _count(session, key, start) > limit:
                until = start + timedelta(seconds=seconds)
                retry_after = max(retry_after, math.ceil((until - now).total_seconds()))
    if retry_after:
        raise RateLimited(retry_after=max(retry_after, 1))
