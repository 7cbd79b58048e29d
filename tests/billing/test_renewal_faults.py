"""The renewal engine under faults: a worker killed mid-pass, and a gateway whose answer is lost after it charged.

Whatever happens, every due subscription ends up renewed exactly once: one payment per period, one gateway charge
per idempotency key, access extended by exactly one period, and books that balance. Both run on SQLite and on
PostgreSQL; the worker that gets killed is a process of its own (SQLite: one worker at a time).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access.models import Entitlement
from boxoffice.access.service import period_end
from boxoffice.billing import ledger, renewals
from boxoffice.billing.models import LedgerTransaction, Payment, Subscription
from boxoffice.catalog.models import Price, Product
from boxoffice.gateways.models import SandboxCharge, SandboxPaymentMethod
from boxoffice.gateways.protocol import ChargeRequest, ChargeResult, GatewayError
from boxoffice.gateways.registry import Gateways
from boxoffice.gateways.sandbox import SandboxGateway
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

AMOUNT, CURRENCY = 999, "EUR"
BATCH = 20  # small, so that a pass is many commits and a kill lands between them
DECLINE_EVERY = 30  # one card in thirty is declined: dunning runs through the faults too
WAIT = 120.0  # seconds: only ever a ceiling on waiting for a state, never what the test waits for

# A renewal worker of its own: one pass with the sandbox gateway, in batches of argv[3]. With argv[4] = N > 0,
# its N-th batch of charges goes through the gateway, then the worker hangs for good before recording it (and
# says so on stdout): it is then caught with charges made that it never recorded.
WORKER = """
import asyncio, sys
from datetime import datetime

from boxoffice import models  # noqa: F401  (every table)
from boxoffice.billing import renewals
from boxoffice.kit.db import create_engine, session_factory
from boxoffice.gateways.registry import Gateways
from boxoffice.gateways.sandbox import SandboxGateway
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

url, as_of, batch, stall_at = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
original = SandboxGateway.charge_many
batches = 0


async def charge_many(self, requests):
    global batches
    batches += 1
    results = await original(self, requests)
    if batches == stall_at:
        print("stalled", flush=True)
        await asyncio.Event().wait()
    return results


SandboxGateway.charge_many = charge_many


async def main():
    settings = Settings(database_url=url, public_url="http://testserver")
    engine = create_engine(url)
    sessions = session_factory(engine)
    gateways = Gateways(sessions, settings, Sealer([]))
    try:
        report = await renewals.renew_due_subscriptions(
            sessions, gateways, as_of=as_of, retry_days=settings.dunning_retry_days, batch=batch
        )
    finally:
        await gateways.aclose()
        await engine.dispose()
    print(f"done {report.renewed} {report.declined} {report.unknown}", flush=True)


asyncio.run(main())
"""


@dataclass(frozen=True)
class Seeded:
    subscription_id: int
    entitlement_id: int
    period_end: datetime  # of the period paid before the pass: the renewal pays the one after it
    declines: bool


@dataclass
class Shop:
    merchant_id: int
    product_id: int
    price_id: int
    seeded: list[Seeded]


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, public_url="http://testserver")


async def open_shop(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    async with sessions() as session, session.begin():
        merchant = Merchant(
            uuid=str(uuid.uuid4()),
            email="renewals@example.com",
            full_name="Renewals",
            password_hash="x",
            client_secret="s",
        )
        session.add(merchant)
        await session.flush()
        product = Product(merchant_id=merchant.id, title="Channel")
        session.add(product)
        await session.flush()
        price = Price(
            merchant_id=merchant.id,
            product_id=product.id,
            access_type_id=7,
            kind="subscription",
            amount=AMOUNT,
            currency=CURRENCY,
            description="Monthly",
            period_unit="month",
            period_quantity=1,
        )
        session.add(price)
    return Shop(merchant.id, product.id, price.id, [])


async def seed_due(sessions: async_sessionmaker[AsyncSession], shop: Shop, count: int, now: datetime) -> list[Seeded]:
    """`count` customers, each with a saved sandbox card, access until an hour ago and a monthly subscription in
    its first paid period (cycle 1) that has been due since then."""
    end = now - timedelta(hours=1)
    start = end - timedelta(days=31)
    first = len(shop.seeded)
    numbers = range(first, first + count)
    async with sessions() as session, session.begin():
        customers = [
            Customer(merchant_id=shop.merchant_id, uuid=str(uuid.uuid4()), email=f"viewer{n}@example.com")
            for n in numbers
        ]
        session.add_all(customers)
        session.add_all(
            SandboxPaymentMethod(
                merchant_id=shop.merchant_id,
                token=f"pm_{shop.merchant_id}_{n}",
                customer_ref=f"cus_{n}",
                brand="visa",
                last4="4242",
                exp_month=12,
                exp_year=now.year + 3,
                behaviour="card_declined" if n % DECLINE_EVERY == DECLINE_EVERY - 1 else "succeeds",
            )
            for n in numbers
        )
        await session.flush()
        entitlements = [
            Entitlement(
                merchant_id=shop.merchant_id,
                customer_id=customer.id,
                product_id=shop.product_id,
                price_id=shop.price_id,
                source="subscription",
                starts_at=start,
                expires_at=end,
            )
            for customer in customers
        ]
        session.add_all(entitlements)
        await session.flush()
        subscriptions = [
            Subscription(
                merchant_id=shop.merchant_id,
                customer_id=customer.id,
                product_id=shop.product_id,
                price_id=shop.price_id,
                status="active",
                amount=AMOUNT,
                currency=CURRENCY,
                period_unit="month",
                period_quantity=1,
                cycle=1,
                period_paid=AMOUNT,
                current_period_start=start,
                current_period_end=end,
                due_at=end,
                entitlement_id=entitlement.id,
                gateway="sandbox",
                gateway_customer_ref=f"cus_{n}",
                gateway_method=f"pm_{shop.merchant_id}_{n}",
                cancel_token=uuid.uuid4().hex,
            )
            for n, customer, entitlement in zip(numbers, customers, entitlements, strict=True)
        ]
        session.add_all(subscriptions)
        await session.flush()
        for subscription in subscriptions:
            entitlement = next(e for e in entitlements if e.id == subscription.entitlement_id)
            entitlement.source_ref = str(subscription.id)
    added = [
        Seeded(s.id, e.id, end, n % DECLINE_EVERY == DECLINE_EVERY - 1)
        for n, s, e in zip(numbers, subscriptions, entitlements, strict=True)
    ]
    shop.seeded.extend(added)
    return added


async def count(sessions: async_sessionmaker[AsyncSession], model: Any, merchant_id: int, *where: Any) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(model).where(model.merchant_id == merchant_id, *where)
        return int(await session.scalar(query) or 0)


async def renewal_payments(sessions: async_sessionmaker[AsyncSession], merchant_id: int) -> int:
    """Renewals recorded: paid or declined (not those written before the gateway was asked and not yet settled)."""
    return await count(
        sessions, Payment, merchant_id, Payment.kind == "renewal", Payment.status.in_(("succeeded", "declined"))
    )


def after_the_lease(as_of: datetime) -> datetime:
    """When a dead worker's subscriptions may be taken up again."""
    return max(as_of, clock.now()) + renewals.LEASE + timedelta(seconds=1)


async def start_worker(url: str, as_of: datetime, *, stall_at: int = 0) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        url,
        as_of.isoformat(),
        str(BATCH),
        str(stall_at),
        stdout=asyncio.subprocess.PIPE,
        env=os.environ | {"BOXOFFICE_LOG_LEVEL": "WARNING"},
    )


async def run_cli_pass(url: str, as_of: datetime) -> tuple[int, int, int]:
    """`boxoffice renewals run --as-of …` to completion; (renewed, declined, without an answer) as it reports."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "boxoffice.cli",
        "renewals",
        "run",
        "--as-of",
        as_of.replace(microsecond=0).isoformat(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ | {"BOXOFFICE_DATABASE_URL": url, "BOXOFFICE_LOG_LEVEL": "WARNING", "COLUMNS": "400"},
    )
    out, err = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode == 0, err.decode()
    found = re.search(r"(\d+) renewed, (\d+) declined, .* (\d+) without an answer", out.decode())
    assert found, out.decode()
    renewed, declined, unknown = (int(group) for group in found.groups())
    return renewed, declined, unknown


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def until_unlocked(sessions: async_sessionmaker[AsyncSession], merchant_id: int, as_of: datetime) -> None:
    """Wait until PostgreSQL has rolled back a killed worker's transaction. The kill closes its connection at
    once, but its backend lets go of the rows it claimed only when it notices; a pass started before that would
    skip them (SKIP LOCKED) and leave them for the next one."""
    due = select(Subscription.id).where(Subscription.merchant_id == merchant_id, Subscription.due_at <= as_of)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        async with sessions() as session, session.begin():
            if session.get_bind().dialect.name != "postgresql":
                return  # SQLite: the dead process's file locks went with it
            everything = len((await session.scalars(due)).all())
            claimable = len((await session.scalars(due.with_for_update(skip_locked=True))).all())
        if claimable == everything:
            return
        assert loop.time() < deadline, "the killed worker's rows are still locked"
        await asyncio.sleep(0.01)  # the pace of polling only


async def assert_renewed_exactly_once(sessions: async_sessionmaker[AsyncSession], shop: Shop) -> None:
    """Every seeded subscription renewed (or, its card declining, declined) once: nothing missing, nothing twice."""
    merchant = shop.merchant_id
    async with sessions() as session:
        payments = (
            await session.scalars(select(Payment).where(Payment.merchant_id == merchant, Payment.kind == "renewal"))
        ).all()
        charges = {
            c.idempotency_key: c
            for c in (await session.scalars(select(SandboxCharge).where(SandboxCharge.merchant_id == merchant))).all()
        }
        charge_rows = await count(sessions, SandboxCharge, merchant)
        subscriptions = {
            s.id: s
            for s in (await session.scalars(select(Subscription).where(Subscription.merchant_id == merchant))).all()
        }
        entitlements = {
            e.id: e
            for e in (await session.scalars(select(Entitlement).where(Entitlement.merchant_id == merchant))).all()
        }
        transactions = {
            t.id: t
            for t in (
                await session.scalars(select(LedgerTransaction).where(LedgerTransaction.merchant_id == merchant))
            ).all()
        }
        unbalanced = await ledger.unbalanced_transactions(session, merchant)
        clearing = await ledger.balance(session, merchant, "gateway_clearing", CURRENCY)

    by_subscription: dict[int, list[Payment]] = {}
    for payment in payments:
        assert payment.subscription_id is not None
        by_subscription.setdefault(payment.subscription_id, []).append(payment)
    assert sorted(by_subscription) == sorted(s.subscription_id for s in shop.seeded), "a renewal missing or extra"
    # One charge per idempotency key, and no key but the one each renewal was paid (or declined) with.
    assert charge_rows == len(charges) == len(shop.seeded)
    for seeded in shop.seeded:
        [payment] = by_subscription[seeded.subscription_id]
        key = f"subscription-{seeded.subscription_id}-period-2-try-0"
        assert payment.idempotency_key == key
        assert charges[key].charge_id == payment.gateway_charge_id
        assert charges[key].amount == payment.amount == AMOUNT
        subscription = subscriptions[seeded.subscription_id]
        entitlement = entitlements[seeded.entitlement_id]
        if seeded.declines:
            assert (payment.status, payment.decline_code) == ("declined", "card_declined")
            assert (subscription.status, subscription.cycle, subscription.dunning_attempts) == ("past_due", 1, 1)
            assert subscription.due_at == seeded.period_end + timedelta(days=1)
            assert entitlement.expires_at == seeded.period_end, "a declined renewal extended access"
            assert payment.ledger_transaction_id is None
        else:
            next_end = period_end(seeded.period_end, "month", 1)
            assert payment.status == "succeeded"
            assert (subscription.status, subscription.cycle) == ("active", 2)
            assert (subscription.current_period_start, subscription.current_period_end) == (
                seeded.period_end,
                next_end,
            )
            assert subscription.due_at == next_end
            assert entitlement.expires_at == next_end, "access not extended by exactly one period"
            assert payment.ledger_transaction_id is not None
            assert transactions[payment.ledger_transaction_id].reference == f"payment:{payment.id}"
    succeeded = [p for p in payments if p.status == "succeeded"]
    assert len(transactions) == len(succeeded), "a ledger transaction without its payment, or one twice"
    assert unbalanced == []
    assert clearing == sum(p.amount for p in succeeded) == AMOUNT * sum(not s.declines for s in shop.seeded)


@pytest.fixture
async def shop(sessions: async_sessionmaker[AsyncSession]) -> Shop:
    return await open_shop(sessions)


async def test_a_worker_killed_while_charges_are_unrecorded_is_finished_by_the_next_pass_once(
    sessions: async_sessionmaker[AsyncSession], migrated_database_url: str, shop: Shop
) -> None:
    """Killed with one batch committed and the next one charged at the gateway but not recorded: the next pass
    asks again with the same keys, is answered with the charges already made, and records each once."""
    now = clock.now()
    total = len(await seed_due(sessions, shop, 10 * BATCH, now))
    worker = await start_worker(migrated_database_url, now, stall_at=2)
    try:
        assert worker.stdout is not None
        said = b"-"
        while said and said.strip() != b"stalled":  # whatever else it may print (logs) comes first
            said = await asyncio.wait_for(worker.stdout.readline(), WAIT)
        assert said, "the worker ended without reaching its second batch"
        # The state the kill lands in: the first batch recorded, the second charged at the gateway and written
        # pending, but not recorded.
        assert await renewal_payments(sessions, shop.merchant_id) == BATCH
        assert await count(sessions, SandboxCharge, shop.merchant_id) == 2 * BATCH
        assert await count(sessions, Payment, shop.merchant_id, Payment.status == "pending") == BATCH
    finally:
        await kill(worker)
    assert worker.returncode == -signal.SIGKILL
    assert await renewal_payments(sessions, shop.merchant_id) == BATCH
    await until_unlocked(sessions, shop.merchant_id, now)

    # Before the lease ends, the dead worker's subscriptions are left alone; the rest are renewed.
    renewed, declined, unknown = await run_cli_pass(migrated_database_url, now)
    assert (renewed + declined, unknown) == (total - 2 * BATCH, 0)
    renewed, declined, unknown = await run_cli_pass(migrated_database_url, after_the_lease(now))
    assert (renewed + declined, unknown) == (BATCH, 0), "the second pass did work twice or left some"
    await assert_renewed_exactly_once(sessions, shop)
    assert await count(sessions, SandboxCharge, shop.merchant_id) == total


async def test_a_worker_killed_at_any_point_mid_pass_is_finished_by_the_next_pass_once(
    sessions: async_sessionmaker[AsyncSession], migrated_database_url: str, shop: Shop
) -> None:
    """Killed wherever it happens to be once it has committed a batch. Should a pass outrun the kill, more
    subscriptions fall due and another worker runs; what it leaves is checked either way."""
    landed: list[tuple[int, int]] = []  # (renewal payments committed when killed, due in that pass)
    for size in (15 * BATCH, 60 * BATCH):
        now = clock.now()
        before = await renewal_payments(sessions, shop.merchant_id)
        due = len(await seed_due(sessions, shop, size, now))
        worker = await start_worker(migrated_database_url, now)
        try:
            committed = 0
            while worker.returncode is None and committed == 0:
                committed = await renewal_payments(sessions, shop.merchant_id) - before
                await asyncio.sleep(0.005)  # the pace of polling only: the kill waits on the count above
        finally:
            await kill(worker)
        assert worker.returncode in (0, -signal.SIGKILL), "the worker failed on its own"
        await until_unlocked(sessions, shop.merchant_id, now)
        committed = await renewal_payments(sessions, shop.merchant_id) - before
        if worker.returncode == -signal.SIGKILL and committed < due:
            assert committed % BATCH == 0, "a batch was recorded in part"
            landed.append((committed, due))
        renewed, declined, unknown = await run_cli_pass(migrated_database_url, after_the_lease(now))
        assert (renewed + declined, unknown) == (due - committed, 0)
        await assert_renewed_exactly_once(sessions, shop)
        if landed:
            break
    assert landed, "every pass finished before it could be killed, even the larger one"
    committed, due = landed[0]
    assert 0 < committed < due


async def test_a_worker_that_outlives_its_lease_records_nothing_its_successor_recorded(
    sessions: async_sessionmaker[AsyncSession],
    migrated_database_url: str,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker stalls once the gateway has charged its batch, until its lease is over; the next pass takes the
    subscriptions up, is answered with the charges already made and records them. When the stalled worker goes
    on, every payment it was to record is settled: it records none of them a second time."""
    now = clock.now()
    seeded = await seed_due(sessions, shop, BATCH, now)
    charged, wake = asyncio.Event(), asyncio.Event()
    original = SandboxGateway.charge_many

    async def charge_then_stall(
        self: SandboxGateway, requests: Sequence[ChargeRequest]
    ) -> list[ChargeResult | GatewayError]:
        results = await original(self, requests)
        if not charged.is_set():
            charged.set()
            await wake.wait()
        return results

    monkeypatch.setattr(SandboxGateway, "charge_many", charge_then_stall)
    settings = settings_for(migrated_database_url)
    gateways = Gateways(sessions, settings, Sealer([]))

    async def renew(as_of: datetime) -> renewals.PassReport:
        return await renewals.renew_due_subscriptions(
            sessions, gateways, as_of=as_of, retry_days=settings.dunning_retry_days, batch=BATCH
        )

    try:
        stalled = asyncio.create_task(renew(now))
        await asyncio.wait_for(charged.wait(), WAIT)
        successor = await renew(after_the_lease(now))
        assert (successor.renewed + successor.declined, successor.unknown) == (len(seeded), 0)
        wake.set()
        late = await asyncio.wait_for(stalled, WAIT)
    finally:
        wake.set()
        await gateways.aclose()
    assert late.handled == 0, "the stalled worker recorded outcomes its successor had recorded"
    await assert_renewed_exactly_once(sessions, shop)


async def test_a_charge_whose_answer_was_lost_is_asked_again_later_and_never_charged_twice(
    sessions: async_sessionmaker[AsyncSession],
    migrated_database_url: str,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gateway charged, but the engine heard a timeout: the subscription stays due, a little later
    (RETRY_UNKNOWN), nothing is recorded; the pass after that asks again with the same key and records the
    charge the gateway had made."""
    now = clock.now()
    seeded = await seed_due(sessions, shop, 3 * BATCH, now)
    lost = {s.subscription_id for s in seeded[2::3]}  # a third, among them cards that decline
    assert any(s.declines for s in seeded[2::3])
    made: dict[str, ChargeResult] = {}
    timed_out: set[str] = set()
    original = SandboxGateway.charge_many

    async def charge_then_lose_the_answer(
        self: SandboxGateway, requests: Sequence[ChargeRequest]
    ) -> list[ChargeResult | GatewayError]:
        results = await original(self, requests)
        answered: list[ChargeResult | GatewayError] = []
        for request, result in zip(requests, results, strict=True):
            key = request.idempotency_key
            if int(key.split("-")[1]) in lost and key not in timed_out and isinstance(result, ChargeResult):
                timed_out.add(key)
                made[key] = result
                answered.append(GatewayError("timed out waiting for the gateway's answer"))
            else:
                answered.append(result)
        return answered

    monkeypatch.setattr(SandboxGateway, "charge_many", charge_then_lose_the_answer)
    settings = settings_for(migrated_database_url)
    gateways = Gateways(sessions, settings, Sealer([]))
    retry_days = settings.dunning_retry_days

    async def renew(as_of: datetime) -> renewals.PassReport:
        return await renewals.renew_due_subscriptions(
            sessions, gateways, as_of=as_of, retry_days=retry_days, batch=BATCH
        )

    try:
        first = await renew(now)
        after_first = clock.now()
        assert first.unknown == len(lost) == len(timed_out)
        assert first.renewed + first.declined == len(seeded) - len(lost)
        assert await count(sessions, SandboxCharge, shop.merchant_id) == len(seeded)  # the lost ones were charged
        async with sessions() as session:
            waiting = (
                await session.scalars(
                    select(Subscription).where(Subscription.merchant_id == shop.merchant_id, Subscription.id.in_(lost))
                )
            ).all()
            untouched = (
                await session.scalars(
                    select(Entitlement).where(
                        Entitlement.merchant_id == shop.merchant_id,
                        Entitlement.id.in_([s.entitlement_id for s in seeded if s.subscription_id in lost]),
                    )
                )
            ).all()
            unrecorded = (
                await session.scalars(
                    select(Payment.status).where(
                        Payment.merchant_id == shop.merchant_id, Payment.subscription_id.in_(lost)
                    )
                )
            ).all()
        assert unrecorded == ["pending"] * len(lost)  # written before the gateway was asked, still open
        for subscription in waiting:
            assert (subscription.status, subscription.cycle, subscription.dunning_attempts) == ("active", 1, 0)
            assert subscription.due_at is not None
            assert now + renewals.RETRY_UNKNOWN <= subscription.due_at <= after_first + renewals.RETRY_UNKNOWN
        assert all(e.expires_at == now - timedelta(hours=1) for e in untouched)

        assert (await renew(now)).handled == 0  # not due again before RETRY_UNKNOWN has passed
        later = max(s.due_at for s in waiting if s.due_at is not None)
        second = await renew(later)
        assert second.unknown == 0
        assert second.renewed + second.declined == len(lost)
        assert second.declined == sum(s.declines for s in seeded if s.subscription_id in lost)
    finally:
        await gateways.aclose()

    assert await count(sessions, SandboxCharge, shop.merchant_id) == len(seeded), "a lost answer charged twice"
    async with sessions() as session:
        recorded = {
            p.idempotency_key: p.gateway_charge_id
            for p in (
                await session.scalars(
                    select(Payment).where(Payment.merchant_id == shop.merchant_id, Payment.subscription_id.in_(lost))
                )
            ).all()
        }
    assert recorded == {key: result.charge_id for key, result in made.items()}
    await assert_renewed_exactly_once(sessions, shop)
