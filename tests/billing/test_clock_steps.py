"""A test clock moved on by a step: a month keeps the day of the month where it can, as a subscription's period
does; an unknown step, or another merchant's clock, moves nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import sandbox_clocks
from boxoffice.gateways.registry import Gateways
from boxoffice.kit.errors import InvalidInput, NotFound
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from tests import shop


async def test_a_clock_moves_on_a_step_at_a_time(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    gateways = Gateways(sessions, settings, Sealer([]))
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        made = await sandbox_clocks.create_clock(session, merchant.id, "Steps", datetime(2025, 1, 31, 9))

    async def step(by: str, merchant_id: int = merchant.id) -> datetime:
        moved, report = await sandbox_clocks.advance_by(sessions, gateways, merchant_id, made.id, by, [1])
        assert report.handled == 0  # no customer on it: nothing to bill
        return moved.clock.frozen_time

    assert await step("month") == datetime(2025, 2, 28, 9)
    assert await step("week") == datetime(2025, 3, 7, 9)
    assert await step("day") == datetime(2025, 3, 8, 9)
    assert await step("year") == datetime(2026, 3, 8, 9)
    with pytest.raises(InvalidInput):
        await step("fortnight")
    with pytest.raises(NotFound):
        await step("day", other.id)
    async with sessions() as session:
        assert (await sandbox_clocks.get_clock(session, merchant.id, made.id)).frozen_time == datetime(2026, 3, 8, 9)
