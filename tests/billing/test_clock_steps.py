"""A test clock moved on by a step: a month keeps the day of the month where it can, as a subscription's period
does; an unknown step, or another merchant's clock, moves nothing. Its customers are attached by address too, and
its page shows what they were charged."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import sandbox_clocks
from boxoffice.billing.models import Payment, PaymentStatus
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
    async with sessions() as session, session.begin():
        last = await sandbox_clocks.create_clock(session, merchant.id, "End of time", datetime(9999, 12, 15))
    with pytest.raises(InvalidInput):
        await sandbox_clocks.advance_by(sessions, gateways, merchant.id, last.id, "month", [1])
    async with sessions() as session:
        assert (await sandbox_clocks.get_clock(session, merchant.id, made.id)).frozen_time == datetime(2026, 3, 8, 9)


async def test_a_customer_is_attached_by_address_and_listed_with_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        viewer = await shop.customer(session, merchant.id, "vera@example.com")
        await shop.customer(session, other.id, "olga@example.com")
        made = await sandbox_clocks.create_clock(session, merchant.id, "Steps", None)
    attached = await sandbox_clocks.attach_customer_by_email(sessions, merchant.id, made.id, " VERA@example.com")
    assert attached.customers == [viewer.id]
    with pytest.raises(NotFound):  # another merchant's customer is no customer of this one
        await sandbox_clocks.attach_customer_by_email(sessions, merchant.id, made.id, "olga@example.com")
    async with sessions() as session:
        shown = await sandbox_clocks.customers_on(session, merchant.id, made.id)
    assert [(c.id, c.email) for c in shown] == [(viewer.id, "vera@example.com")]


async def test_a_clock_shows_its_customers_decided_payments_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        on, off = await shop.customer(session, merchant.id, "on@example.com"), await shop.customer(session, merchant.id)
        film = await shop.product(session, merchant.id)
        made = await sandbox_clocks.create_clock(session, merchant.id, "Payments", datetime(2025, 1, 1))
    await sandbox_clocks.attach_customer(sessions, merchant.id, made.id, on.id)
    async with sessions() as session, session.begin():
        for key, (customer, status) in enumerate(
            [(on, PaymentStatus.SUCCEEDED), (on, PaymentStatus.PENDING), (off, PaymentStatus.SUCCEEDED)]
        ):
            session.add(
                Payment(
                    merchant_id=merchant.id,
                    customer_id=customer.id,
                    product_id=film.id,
                    kind="renewal",
                    idempotency_key=f"k{key}",
                    amount=999,
                    currency="EUR",
                    gateway="sandbox",
                    gateway_customer_ref="c",
                    gateway_method="m",
                    status=status,
                )
            )
    async with sessions() as session:
        [shown] = await sandbox_clocks.payments_on(session, merchant.id, made.id)
        assert (shown.customer_id, shown.status) == (on.id, PaymentStatus.SUCCEEDED)
        with pytest.raises(NotFound):
            await sandbox_clocks.payments_on(session, other.id, made.id)
