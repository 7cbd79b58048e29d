"""Passes: access through a one-time price that the merchant grants, reads, lists, moves the end of, terminates and
transfers; never a subscription's access, never another merchant's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import passes
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from tests import shop


async def test_a_pass_is_granted_changed_transferred_and_terminated(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        otto = await shop.customer(session, merchant.id, "otto@example.com")
        product = await shop.product(session, merchant.id)
        week = await shop.monthly_price(session, product)
        week.kind, week.access_type_id, week.period_unit, week.period_quantity = "one_time", 3, "day", 7
        monthly = await shop.monthly_price(session, product)
        await session.flush()

        made = await passes.create_pass(session, merchant, vera.id, week.id, None)
        assert made.entitlement.expires_at == made.entitlement.starts_at + timedelta(days=7)
        with pytest.raises(InvalidInput):
            await passes.create_pass(session, merchant, vera.id, monthly.id, None)
        with pytest.raises(InvalidInput):
            await passes.create_pass(session, merchant, vera.id, week.id, clock.now() - timedelta(days=1))
        with pytest.raises(NotFound):
            await passes.create_pass(session, other, vera.id, week.id, None)
        with pytest.raises(NotFound):
            await passes.merchant_pass(session, other, made.entitlement.id)

        later = clock.now() + timedelta(days=20)
        assert (
            await passes.change_pass_expiry(session, merchant, made.entitlement.id, later)
        ).entitlement.expires_at == later
        with pytest.raises(InvalidInput):
            await passes.change_pass_expiry(session, merchant, made.entitlement.id, made.entitlement.starts_at)
        moved = await passes.transfer_pass(session, merchant, made.entitlement.id, otto.id)
        assert (moved.entitlement.customer_id, moved.entitlement.expires_at) == (otto.id, later)
        assert (await passes.merchant_pass(session, merchant, made.entitlement.id)).terminated
        total, listed = await passes.passes_page(session, merchant, None, offset=0, limit=10)
        assert (total, [p.entitlement.id for p in listed]) == (2, [moved.entitlement.id, made.entitlement.id])
        assert (await passes.passes_page(session, merchant, otto.id, offset=0, limit=10))[0] == 1
        ended = await passes.terminate_pass(session, merchant, moved.entitlement.id)
        assert ended.terminated
        with pytest.raises(Conflict):
            await passes.terminate_pass(session, merchant, moved.entitlement.id)
        with pytest.raises(NotFound):
            await passes.passes_page(session, other, vera.id, offset=0, limit=10)
