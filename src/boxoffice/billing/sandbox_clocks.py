"""Test clocks, as Stripe's and Kill Bill's: a merchant testing with the sandbox gateway attaches test customers
to a clock and moves it forward; those customers' subscriptions start, renew, retry and end as of the clock's
time, at once, instead of over months. Access checks still run on real time: a clock moves billing, not the
player."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access.service import period_end
from boxoffice.billing import renewals
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, SandboxClock, SandboxClockMember
from boxoffice.gateways import repository as gateways_repo
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import repository as identity_repo
from boxoffice.kit import clock
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import Conflict, Forbidden, InvalidInput, NotFound

MAX_ADVANCE = timedelta(days=3 * 366)  # a pass renews period by period: bounded, so one call stays bounded
STEPS = ("day", "week", "month", "year")  # what a clock is moved on by, a step at a time


@dataclass(frozen=True, slots=True)
class ClockView:
    """A clock with the ids of the customers attached to it."""

    clock: SandboxClock
    customers: list[int]


async def now_for(session: AsyncSession, merchant_id: int, customer_id: int) -> datetime | None:
    """The time the customer's billing runs at: their test clock's, or None for real time."""
    found = await repo.clock_of_customer(session, merchant_id, customer_id)
    return found.frozen_time if found is not None else None


async def clock_id_for(session: AsyncSession, merchant_id: int, customer_id: int) -> int | None:
    found = await repo.clock_of_customer(session, merchant_id, customer_id)
    return found.id if found is not None else None


async def _require_sandbox(session: AsyncSession, merchant_id: int) -> None:
    chosen = await gateways_repo.merchant_gateway(session, merchant_id)
    if chosen is not None and chosen.gateway != "sandbox":
        raise Forbidden("Test clocks are for merchants taking payments through the sandbox gateway")


async def create_clock(
    session: AsyncSession, merchant_id: int, name: str, frozen_time: datetime | None
) -> SandboxClock:
    await _require_sandbox(session, merchant_id)
    if len(name) > 250:
        raise InvalidInput({"name": "The name may not be longer than 250 characters"})
    created = SandboxClock(merchant_id=merchant_id, name=name, frozen_time=frozen_time or clock.now())
    session.add(created)
    await session.flush()
    return created


async def get_clock(session: AsyncSession, merchant_id: int, clock_id: int) -> SandboxClock:
    found = await repo.clock_by_id(session, merchant_id, clock_id)
    if found is None:
        raise NotFound("Test clock not found")
    return found


async def list_clocks(session: AsyncSession, merchant_id: int) -> Sequence[SandboxClock]:
    return await repo.clocks_of(session, merchant_id)


async def members_of(session: AsyncSession, merchant_id: int, clock_id: int) -> list[int]:
    return await repo.clock_members(session, merchant_id, clock_id)


@dataclass(frozen=True, slots=True)
class ClockCustomer:
    id: int
    email: str


async def customers_on(session: AsyncSession, merchant_id: int, clock_id: int) -> list[ClockCustomer]:
    """The clock's customers with their addresses, as a merchant knows them."""
    ids = await repo.clock_members(session, merchant_id, clock_id)
    emails = await identity_repo.customer_emails(session, merchant_id, ids)
    return [ClockCustomer(customer_id, emails.get(customer_id, "")) for customer_id in ids]


async def _view(sessions: async_sessionmaker[AsyncSession], merchant_id: int, clock_id: int) -> ClockView:
    async with sessions() as session:
        return ClockView(
            await get_clock(session, merchant_id, clock_id), await members_of(session, merchant_id, clock_id)
        )


async def attach_customer(
    sessions: async_sessionmaker[AsyncSession], merchant_id: int, clock_id: int, customer_id: int
) -> ClockView:
    """A customer joins a clock before their first subscription: what already runs on real time stays there.
    The clock is answered with its customers after."""
    async with sessions() as session:
        await get_clock(session, merchant_id, clock_id)
        if await identity_repo.customer_by_id(session, merchant_id, customer_id) is None:
            raise NotFound("Customer not found")
        total, _ = await repo.subscriptions_page(
            session, merchant_id, customer_id=customer_id, statuses=None, offset=0, limit=1
        )
    if total:
        raise InvalidInput({"customer_id": "Only a customer without subscriptions can be attached to a test clock"})
    try:
        async with transaction(sessions) as session:
            session.add(SandboxClockMember(merchant_id=merchant_id, clock_id=clock_id, customer_id=customer_id))
    except IntegrityError as exc:
        raise Conflict("This customer is already attached to a test clock") from exc
    return await _view(sessions, merchant_id, clock_id)


async def payments_on(session: AsyncSession, merchant_id: int, clock_id: int, limit: int = 20) -> Sequence[Payment]:
    """What the clock's customers were charged, latest first, each dated by the clock: what moving it did."""
    await get_clock(session, merchant_id, clock_id)
    return await repo.clock_payments(session, merchant_id, clock_id, limit)


async def attach_customer_by_email(
    sessions: async_sessionmaker[AsyncSession], merchant_id: int, clock_id: int, email: str
) -> ClockView:
    """`attach_customer`, naming the customer by their e-mail address."""
    async with sessions() as session:
        found = await identity_repo.customer_by_email(session, merchant_id, email.strip())
    if found is None:
        raise NotFound("No customer has this e-mail address")
    return await attach_customer(sessions, merchant_id, clock_id, found.id)


async def advance(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant_id: int,
    clock_id: int,
    to: datetime,
    retry_days: Sequence[int],
) -> tuple[ClockView, renewals.PassReport]:
    """Move the clock to `to` and run, as of then, everything of its customers' billing that fell due."""
    async with transaction(sessions) as session:
        moved = await get_clock(session, merchant_id, clock_id)
        await _require_sandbox(session, merchant_id)
        if to <= moved.frozen_time:
            raise InvalidInput({"frozen_time": "A test clock only moves forward"})
        if to - moved.frozen_time > MAX_ADVANCE:
            raise InvalidInput({"frozen_time": "A test clock moves at most three years at a time"})
        moved.frozen_time = to
    report = await renewals.renew_due_subscriptions(
        sessions, gateways, as_of=to, retry_days=retry_days, merchant_id=merchant_id, clock_id=clock_id
    )
    async with sessions() as session:
        return ClockView(moved, await members_of(session, merchant_id, clock_id)), report


async def advance_by(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant_id: int,
    clock_id: int,
    step: str,
    retry_days: Sequence[int],
) -> tuple[ClockView, renewals.PassReport]:
    """Move the clock on by one `step` and bill as `advance` does. A month or a year keeps the day of the month,
    as a subscription's period does: a month on is when a monthly subscription started now renews."""
    if step not in STEPS:
        raise InvalidInput({"step": "A test clock moves on by a day, a week, a month or a year"})
    async with sessions() as session:
        moved = await get_clock(session, merchant_id, clock_id)
    try:
        to = period_end(moved.frozen_time, step, 1)
    except (ValueError, OverflowError):  # past the year 9999, where no calendar goes
        raise InvalidInput({"step": "The clock can't move that far"}) from None
    return await advance(sessions, gateways, merchant_id, clock_id, to, retry_days)
