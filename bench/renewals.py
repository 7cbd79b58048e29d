"""Renewals per second of the renewal engine, against the same row work done as plain SQL in the same run.

    python bench/renewals.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
                             [--subscriptions 100000] [--workers 2] [--batch 500] [--profile DIR]

Seeds a throwaway PostgreSQL database with server-side bulk INSERT … SELECT: one merchant, a monthly price,
N customers, each with a sandbox card (one in fifty declines, so dunning is exercised), an entitlement and an
active subscription in its first period (cycle 1) that fell due within the last hour, its first charge already on
the books (sandbox charge, payment, ledger transaction: the history renewals add to; without it PostgreSQL plans
the foreign-key checks against the then empty ledger as sequential scans, and the plain-SQL side slows down
quadratically). A second database is copied from it (CREATE DATABASE … TEMPLATE) before anything runs, so both
sides start from the same rows.

Engine: `--workers` processes each run `renew_due_subscriptions` with the sandbox gateway, set up as `boxoffice
renewals run` sets it up (same engine and pool), until nothing is due; the wall clock runs from the moment all of
them are told to start until the last one is done. Baseline: the same number of processes claim the same
batches (SELECT … FOR UPDATE SKIP LOCKED) and do, per subscription, the rows the engine writes, in plain SQL with
asyncpg's executemany, one transaction per batch: read the card, insert the sandbox charge, insert the payment,
the ledger transaction and its two entries, extend the entitlement, move the subscription on (or into dunning),
and write the outbox's events.
The engine additionally writes each renewal's payment pending before the gateway is asked and settles it after,
and the sandbox keeps its charges in a transaction of its own per batch (the gateway's records live apart from
the caller's transaction), as any real gateway's would.

Afterwards both databases are checked: every subscription charged exactly once, one renewal payment per
succeeding subscription, one decline per declining one, sandbox charges unique per key, every ledger
transaction balanced and the clearing account equal to what the payments took. Each side also reports its
workers' own CPU time per renewal, and the load average before it starts: the machine's other work skews a run.
`--profile DIR` runs each engine worker under py-spy (pip install py-spy) and writes its collapsed stacks there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import admin, py_spy, raw_connection

from boxoffice.migrate import upgrade

AMOUNT, CURRENCY = 999, "EUR"
DECLINE_EVERY = 50  # one card in fifty is declined: 2 %
RETRY_DAYS = [1, 3, 5]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


async def seed(url: str, count: int, now: datetime) -> None:
    """Every row in one INSERT … SELECT per table, with ids 1..N so the tables line up by id."""
    period_end = now - timedelta(minutes=5)  # due a little while ago; a retry (a day later) is not due yet
    period_start = period_end - timedelta(days=31)
    connection = await raw_connection(url)
    try:
        async with connection.transaction():
            merchant_id = await connection.fetchval(
                "INSERT INTO merchants (uuid, email, full_name, password_hash, client_secret, active, created_at,"
                " updated_at) VALUES ($1, 'bench@example.com', 'Bench', 'x', 'secret', true, $2, $2) RETURNING id",
                str(uuid.uuid4()),
                now,
            )
            product_id = await connection.fetchval(
                "INSERT INTO products (merchant_id, kind, asset_type, title, access_control, content, metadata, active,"
                " plan_switch_enabled, custom_price_enabled, created_at, updated_at)"
                " VALUES ($1, 'asset', 'html_asset', 'Channel', 'paid', '<p>x</p>', '{}', true, false, false, $2, $2)"
                " RETURNING id",
                merchant_id,
                now,
            )
            price_id = await connection.fetchval(
                "INSERT INTO prices (merchant_id, product_id, kind, amount, currency, description, period_unit,"
                " period_quantity, active, access_type_id, created_at, updated_at)"
                " VALUES ($1, $2, 'subscription', $3, $4, 'Monthly', 'month', 1, true, 7, $5, $5) RETURNING id",
                merchant_id,
                product_id,
                AMOUNT,
                CURRENCY,
                now,
            )
            args = (merchant_id, count, now)
            await connection.execute(
                "INSERT INTO customers (id, merchant_id, uuid, email, full_name, metadata, register_source, active,"
                " created_at, updated_at)"
                " SELECT g, $1, md5('customer' || g)::uuid::text, 'viewer' || g || '@example.com', 'Viewer ' || g,"
                " '{}', 'signup', true, $3, $3 FROM generate_series(1, $2) AS g",
                *args,
            )
            await connection.execute(
                "INSERT INTO sandbox_payment_methods (id, merchant_id, token, customer_ref, brand, last4, exp_month,"
                " exp_year, behaviour, created_at)"
                " SELECT g, $1, 'pm_' || g, 'cus_' || g, 'visa', '4242', 12, $4, "
                f" CASE WHEN g % {DECLINE_EVERY} = 0 THEN 'card_declined' ELSE 'succeeds' END, $3"
                " FROM generate_series(1, $2) AS g",
                *args,
                now.year + 3,
            )
            await connection.execute(
                "INSERT INTO entitlements (id, merchant_id, customer_id, product_id, price_id, source, source_ref,"
                " is_trial, starts_at, expires_at, created_at)"
                " SELECT g, $1, g, $4, $5, 'subscription', g::text, false, $6, $7, $3 FROM generate_series(1, $2) AS g",
                *args,
                product_id,
                price_id,
                period_start,
                period_end,
            )
            await connection.execute(
                "INSERT INTO subscriptions (id, merchant_id, customer_id, product_id, price_id, status, amount,"
                " currency, period_unit, period_quantity, credit, cycle, period_paid, current_period_start,"
                " current_period_end, due_at, dunning_attempts, entitlement_id, gateway, gateway_customer_ref,"
                " gateway_method, cancel_token, created_at, updated_at)"
                " SELECT g, $1, g, $4, $5, 'active', $6, $7, 'month', 1, 0, 1, $6, $8, $9, $9, 0, g, 'sandbox',"
                " 'cus_' || g, 'pm_' || g, md5('cancel' || g), $3, $3 FROM generate_series(1, $2) AS g",
                *args,
                product_id,
                price_id,
                AMOUNT,
                CURRENCY,
                period_start,
                period_end,
            )
            # Each subscription's first charge, as the purchase left it: the gateway's record, the payment and its
            # ledger transaction. History the renewals add to, as in any running system (and without it the
            # foreign-key checks against empty, freshly analysed tables would be planned as sequential scans).
            await connection.execute(
                "INSERT INTO sandbox_charges (id, merchant_id, charge_id, idempotency_key, customer_ref, method_token,"
                " amount, currency, status, refunded, created_at)"
                " SELECT g, $1, 'pi_first_' || g, 'first-' || g, 'cus_' || g, 'pm_' || g, $4, $5, 'succeeded', 0, $3"
                " FROM generate_series(1, $2) AS g",
                *args,
                AMOUNT,
                CURRENCY,
            )
            await connection.execute(
                "INSERT INTO ledger_transactions (id, merchant_id, kind, reference, created_at)"
                " SELECT g, $1, 'charge', 'payment:' || g, $3 FROM generate_series(1, $2) AS g",
                *args,
            )
            await connection.execute(
                "INSERT INTO ledger_entries (merchant_id, transaction_id, account, customer_id, currency, amount)"
                " SELECT $1, g, a.account, CASE WHEN a.sign < 0 THEN g END, $4, a.sign * $3::bigint"
                " FROM generate_series(1, $2) AS g,"
                " (VALUES ('revenue', -1), ('gateway_clearing', 1)) AS a(account, sign)",
                merchant_id,
                count,
                AMOUNT,
                CURRENCY,
            )
            await connection.execute(
                "INSERT INTO payments (id, merchant_id, customer_id, product_id, price_id, kind, subscription_id,"
                " idempotency_key, amount, currency, discount, credit_used, gateway, gateway_customer_ref,"
                " gateway_method, gateway_charge_id, status, entitlement_id, ledger_transaction_id, refunded,"
                " created_at, updated_at)"
                " SELECT g, $1, g, $4, $5, 'subscription', g, 'first-' || g, $6, $7, 0, 0, 'sandbox', 'cus_' || g,"
                " 'pm_' || g, 'pi_first_' || g, 'succeeded', g, g, 0, $3, $3 FROM generate_series(1, $2) AS g",
                *args,
                product_id,
                price_id,
                AMOUNT,
                CURRENCY,
            )
            for table in (
                "customers",
                "sandbox_payment_methods",
                "entitlements",
                "subscriptions",
                "sandbox_charges",
                "ledger_transactions",
                "payments",
            ):
                await connection.execute(f"SELECT setval('{table}_id_seq', $1)", count)
        # Settle what the load left behind (hint bits, statistics, dirty buffers) before anything is timed.
        await connection.execute("VACUUM ANALYZE")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


# The workers: each a process of its own, started by `main`, told to go on stdin, reporting JSON on stdout.


async def engine_worker(url: str, as_of: datetime, batch: int) -> dict[str, Any]:
    from boxoffice.billing import renewals
    from boxoffice.gateways.registry import Gateways
    from boxoffice.kit.db import create_engine, session_factory
    from boxoffice.kit.sealing import Sealer
    from boxoffice.kit.settings import Settings

    settings = Settings(database_url=url, public_url="http://bench.invalid", dunning_retry_days=RETRY_DAYS)
    engine = create_engine(url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow)
    sessions = session_factory(engine)
    gateways = Gateways(sessions, settings, Sealer(settings.encryption_keys))
    try:
        async with engine.connect():  # the pool's first connection, before the clock starts
            pass
        print("ready", flush=True)
        sys.stdin.readline()
        started, cpu = time.time(), time.process_time()
        report = await renewals.renew_due_subscriptions(
            sessions, gateways, as_of=as_of, retry_days=settings.dunning_retry_days, batch=batch
        )
        finished, cpu = time.time(), time.process_time() - cpu
    finally:
        await gateways.aclose()
        await engine.dispose()
    return {
        "started": started,
        "finished": finished,
        "cpu": cpu,
        "renewed": report.renewed,
        "declined": report.declined,
        "unknown": report.unknown,
        "handled": report.handled,
    }


CLAIM = (
    "SELECT id, merchant_id, customer_id, product_id, price_id, amount, currency, gateway, gateway_customer_ref,"
    " gateway_method, entitlement_id, cycle, dunning_attempts, current_period_end FROM subscriptions"
    " WHERE due_at <= $1 AND clock_id IS NULL ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED"
)


def add_month(moment: datetime) -> datetime:
    from boxoffice.access.service import period_end

    return period_end(moment, "month", 1)


async def baseline_batch(connection: Any, rows: list[Any], now: datetime) -> tuple[int, int]:
    """The rows one batch writes, as few statements as the work allows. Returns (renewed, declined)."""
    merchant_id = rows[0]["merchant_id"]
    methods = {
        r["token"]: r
        for r in await connection.fetch(
            "SELECT token, customer_ref, behaviour, exp_month, exp_year FROM sandbox_payment_methods"
            " WHERE merchant_id = $1 AND token = ANY($2::text[])",
            merchant_id,
            [r["gateway_method"] for r in rows],
        )
    }
    keys = [f"subscription-{r['id']}-period-{r['cycle'] + 1}-try-{r['dunning_attempts']}" for r in rows]
    charges, outcomes = [], []
    for row, key in zip(rows, keys, strict=True):
        method = methods[row["gateway_method"]]
        ok = method["behaviour"] == "succeeds"
        charge_id = f"pi_{secrets.token_hex(12)}"
        decline = None if ok else method["behaviour"]
        status = "succeeded" if ok else "declined"
        charges.append(
            (
                row["merchant_id"],
                charge_id,
                key,
                row["gateway_customer_ref"],
                row["gateway_method"],
                row["amount"],
                row["currency"],
                status,
                decline,
                now,
            )
        )
        outcomes.append((charge_id, status, decline))
    await connection.executemany(
        "INSERT INTO sandbox_charges (merchant_id, charge_id, idempotency_key, customer_ref, method_token, amount,"
        " currency, status, decline_code, refunded, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10)",
        charges,
    )
    payment_ids = [
        r[0] for r in await connection.fetch("SELECT nextval('payments_id_seq') FROM generate_series(1, $1)", len(rows))
    ]
    paid = [i for i, (_, status, _) in enumerate(outcomes) if status == "succeeded"]
    ledger_ids = [
        r[0]
        for r in await connection.fetch(
            "SELECT nextval('ledger_transactions_id_seq') FROM generate_series(1, $1)", len(paid)
        )
    ]
    ledger_of = dict(zip(paid, ledger_ids, strict=True))
    await connection.executemany(
        "INSERT INTO ledger_transactions (id, merchant_id, kind, reference, created_at)"
        " VALUES ($1, $2, 'charge', $3, $4)",
        [(ledger_of[i], rows[i]["merchant_id"], f"payment:{payment_ids[i]}", now) for i in paid],
    )
    await connection.executemany(
        "INSERT INTO ledger_entries (merchant_id, transaction_id, account, customer_id, currency, amount)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        [
            entry
            for i in paid
            for entry in (
                (rows[i]["merchant_id"], ledger_of[i], "revenue", rows[i]["customer_id"], rows[i]["currency"], -AMOUNT),
                (rows[i]["merchant_id"], ledger_of[i], "gateway_clearing", None, rows[i]["currency"], AMOUNT),
            )
        ],
    )
    await connection.executemany(
        "INSERT INTO payments (id, merchant_id, customer_id, product_id, price_id, kind, subscription_id,"
        " idempotency_key, amount, currency, discount, credit_used, gateway, gateway_customer_ref, gateway_method,"
        " gateway_charge_id, status, decline_code, entitlement_id, ledger_transaction_id, refunded, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, 'renewal', $6, $7, $8, $9, 0, 0, $10, $11, $12, $13, $14, $15,"
        " $16, $17, 0, $18, $18)",
        [
            (
                payment_ids[i],
                row["merchant_id"],
                row["customer_id"],
                row["product_id"],
                row["price_id"],
                row["id"],
                keys[i],
                row["amount"],
                row["currency"],
                row["gateway"],
                row["gateway_customer_ref"],
                row["gateway_method"],
                outcomes[i][0],
                outcomes[i][1],
                outcomes[i][2],
                row["entitlement_id"],
                ledger_of.get(i),
                now,
            )
            for i, row in enumerate(rows)
        ],
    )
    ends = {i: add_month(rows[i]["current_period_end"]) for i in paid}
    await connection.executemany(
        "UPDATE entitlements SET expires_at = GREATEST(expires_at, $3) WHERE merchant_id = $1 AND id = $2",
        [(rows[i]["merchant_id"], rows[i]["entitlement_id"], ends[i]) for i in paid],
    )
    await connection.executemany(
        "UPDATE subscriptions SET current_period_start = current_period_end, current_period_end = $3,"
        " status = 'active', due_at = $3, dunning_attempts = 0, period_paid = $4, cycle = cycle + 1, updated_at = $5"
        " WHERE merchant_id = $1 AND id = $2",
        [(rows[i]["merchant_id"], rows[i]["id"], ends[i], rows[i]["amount"], now) for i in paid],
    )
    declined = [i for i, (_, status, _) in enumerate(outcomes) if status != "succeeded"]
    await connection.executemany(
        "UPDATE subscriptions SET status = 'past_due', due_at = $3, dunning_attempts = dunning_attempts + 1,"
        " updated_at = $4 WHERE merchant_id = $1 AND id = $2",
        [
            (
                rows[i]["merchant_id"],
                rows[i]["id"],
                rows[i]["current_period_end"] + timedelta(days=RETRY_DAYS[0]),
                now,
            )
            for i in declined
        ],
    )
    # The outbox: what the engine tells of each renewal (the charge and the subscription) or decline.
    told = [
        (
            row["merchant_id"],
            str(uuid.uuid4()),
            kind,
            row["customer_id"],
            json.dumps({"payment_id": payment_ids[i]}),
            now,
        )
        for i, row in enumerate(rows)
        for kind in (("payment.card.success", "subscribe.updated") if i in ledger_of else ("payment.card.failed",))
    ]
    await connection.executemany(
        "INSERT INTO events (merchant_id, event_id, type, customer_id, resource, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        told,
    )
    return len(paid), len(declined)


async def baseline_worker(url: str, as_of: datetime, batch: int) -> dict[str, Any]:
    connection = await raw_connection(url)
    renewed = declined = 0
    try:
        print("ready", flush=True)
        sys.stdin.readline()
        started, cpu = time.time(), time.process_time()
        while True:
            async with connection.transaction():
                rows = await connection.fetch(CLAIM, as_of, batch)
                if not rows:
                    break
                done, failed = await baseline_batch(connection, list(rows), utcnow())
                renewed, declined = renewed + done, declined + failed
        finished, cpu = time.time(), time.process_time() - cpu
    finally:
        await connection.close()
    return {
        "started": started,
        "finished": finished,
        "cpu": cpu,
        "renewed": renewed,
        "declined": declined,
        "unknown": 0,
    }


def worker_main(role: str, url: str, as_of: str, batch: int) -> None:
    run = engine_worker if role == "engine" else baseline_worker
    result = asyncio.run(run(url, datetime.fromisoformat(as_of), batch))
    print(json.dumps(result), flush=True)


# The run: seed, copy, time each side, check each side.


def run_workers(
    role: str, url: str, as_of: datetime, workers: int, batch: int, profile: Path | None
) -> tuple[float, list[dict[str, Any]]]:
    """Start the workers, wait until each is ready, let them go at once; (wall seconds, their reports)."""
    env = os.environ | {"BOXOFFICE_DATABASE_URL": url, "BOXOFFICE_LOG_LEVEL": "WARNING"}
    processes = []
    worker = [sys.executable, __file__, "--role", role, "--url", url, "--as-of", as_of.isoformat()]
    worker += ["--batch", str(batch)]
    for n in range(workers):
        command = worker
        if profile is not None:
            stacks = profile / f"{role}-{n}.txt"
            command = [py_spy(), "record", "--format", "raw", "--rate", "250", "--nonblocking", "-o", str(stacks)]
            command += ["--", *worker]
        process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        processes.append(process)
    for process in processes:
        assert process.stdout is not None
        line = "-"
        while line and line.strip() != "ready":  # py-spy, when profiling, says something first
            line = process.stdout.readline()
        if not line:
            raise SystemExit(f"a {role} worker did not start")
    go = time.time()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a {role} worker failed with {process.returncode}")
        reports.append(json.loads([line for line in out.splitlines() if line.startswith("{")][-1]))
    return max(r["finished"] for r in reports) - go, reports


async def check(url: str, count: int, as_of: datetime) -> dict[str, Any]:
    """What the books say after a run; `problems` lists whatever breaks exactly-once."""
    declining = count // DECLINE_EVERY
    connection = await raw_connection(url)
    try:
        per_sub = await connection.fetchrow(
            "SELECT count(*) FILTER (WHERE s.ok AND p.succeeded = 1 AND p.declined = 0) AS renewed_once,"
            " count(*) FILTER (WHERE NOT s.ok AND p.succeeded = 0 AND p.declined = 1) AS declined_once,"
            " count(*) FILTER (WHERE p.succeeded + p.declined <> 1) AS wrong"
            " FROM (SELECT s.id, m.behaviour = 'succeeds' AS ok FROM subscriptions s"
            "       JOIN sandbox_payment_methods m ON m.token = s.gateway_method) s"
            " LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded,"
            "       count(*) FILTER (WHERE status = 'declined') AS declined"
            "       FROM payments WHERE subscription_id = s.id AND kind = 'renewal') p ON true"
        )
        charges = await connection.fetchrow(
            "SELECT count(*) AS charges, count(DISTINCT (merchant_id, idempotency_key)) AS keys,"
            " count(DISTINCT split_part(idempotency_key, '-', 2)) AS subscriptions FROM sandbox_charges"
            " WHERE idempotency_key LIKE 'subscription-%'"
        )
        unbalanced = await connection.fetchval(
            "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id, currency"
            " HAVING sum(amount) <> 0) t"
        )
        clearing = await connection.fetchval(
            "SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE account = 'gateway_clearing'"
        )
        paid = await connection.fetchval("SELECT coalesce(sum(amount), 0) FROM payments WHERE status = 'succeeded'")
        renewals_paid = await connection.fetchval(
            "SELECT coalesce(sum(amount), 0) FROM payments WHERE status = 'succeeded' AND kind = 'renewal'"
        )
        unlinked = await connection.fetchval(
            "SELECT count(*) FROM payments WHERE status = 'succeeded' AND ledger_transaction_id IS NULL"
        )
        extended = await connection.fetchval(
            "SELECT count(*) FROM subscriptions s JOIN entitlements e ON e.id = s.entitlement_id"
            " WHERE s.cycle = 2 AND e.expires_at = s.current_period_end AND s.due_at = s.current_period_end"
        )
        still_due = await connection.fetchval("SELECT count(*) FROM subscriptions WHERE due_at <= $1", as_of)
    finally:
        await connection.close()
    result = {
        "renewed_once": per_sub["renewed_once"],
        "declined_once": per_sub["declined_once"],
        "charges": charges["charges"],
        "unbalanced": unbalanced,
        "clearing": clearing,
        "paid": paid,
        "renewals_paid": renewals_paid,
        "extended": extended,
    }
    problems = []
    if per_sub["renewed_once"] != count - declining or per_sub["declined_once"] != declining or per_sub["wrong"]:
        problems.append(f"payments per subscription: {dict(per_sub)}")
    if not charges["charges"] == charges["keys"] == charges["subscriptions"] == count:
        problems.append(f"sandbox charges: {dict(charges)}")
    if unbalanced:
        problems.append(f"{unbalanced} unbalanced ledger transactions")
    if clearing != paid or renewals_paid != AMOUNT * (count - declining) or unlinked:
        problems.append(f"clearing {clearing} vs payments {paid}, {unlinked} payments without a ledger transaction")
    if extended != count - declining:
        problems.append(f"{extended} entitlements extended one period, expected {count - declining}")
    if still_due:
        problems.append(f"{still_due} subscriptions still due")
    result["problems"] = problems
    return result


def report_line(
    name: str, seconds: float, count: int, reports: list[dict[str, Any]], checked: dict[str, Any], load: float
) -> None:
    renewed = sum(r["renewed"] for r in reports)
    declined = sum(r["declined"] for r in reports)
    unknown = sum(r["unknown"] for r in reports)
    print(
        f"{name:9} {count:,} subscriptions in {seconds:7.2f} s = {count / seconds:8,.0f} renewals/s"
        f"  (renewed {renewed:,}, declined {declined:,}, no answer {unknown:,};"
        f" per worker {[r['renewed'] + r['declined'] for r in reports]};"
        f" workers' CPU {1000 * sum(r['cpu'] for r in reports) / count:.2f} ms per renewal;"
        f" load average {load:.1f} before)"
    )
    verdict = "OK" if not checked["problems"] else "FAILED: " + "; ".join(checked["problems"])
    print(
        f"{'':9} check: {checked['renewed_once']:,} renewed once, {checked['declined_once']:,} declined once,"
        f" {checked['charges']:,} sandbox charges (unique keys), {checked['extended']:,} entitlements extended,"
        f" {checked['unbalanced']} unbalanced transactions, clearing {checked['clearing']:,} = payments"
        f" {checked['paid']:,} (renewals {checked['renewals_paid']:,}): {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)  # the engine's own batch (renewals.BATCH)
    parser.add_argument("--profile", type=Path, help="record each engine worker with py-spy into this directory")
    parser.add_argument("--role", choices=["engine", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        worker_main(args.role, args.url, args.as_of, args.batch)
        return
    if args.profile is not None:
        if not Path(py_spy()).exists():
            raise SystemExit("--profile needs py-spy on the PATH: pip install py-spy")
        args.profile.mkdir(parents=True, exist_ok=True)

    tag = uuid.uuid4().hex[:8]
    engine_db, baseline_db = f"boxoffice_bench_renew_{tag}", f"boxoffice_bench_renew_{tag}_sql"
    base = args.postgres_url.rsplit("/", 1)[0]
    engine_url, baseline_url = f"{base}/{engine_db}", f"{base}/{baseline_db}"
    count = args.subscriptions
    asyncio.run(admin(args.postgres_url, f'CREATE DATABASE "{engine_db}"'))
    try:
        upgrade(engine_url)
        now = utcnow()
        started = time.monotonic()
        asyncio.run(seed(engine_url, count, now))
        asyncio.run(admin(args.postgres_url, f'CREATE DATABASE "{baseline_db}" TEMPLATE "{engine_db}"'))
        print(
            f"seeded {count:,} customers, cards ({count // DECLINE_EVERY:,} declining), entitlements and due"
            f" subscriptions in {time.monotonic() - started:.1f} s (and copied them); workers={args.workers}"
            f" batch={args.batch}"
        )
        as_of = now

        engine_load = os.getloadavg()[0]  # other work on the machine skews the numbers: this shows it
        engine_seconds, engine_reports = run_workers(
            "engine", engine_url, as_of, args.workers, args.batch, args.profile
        )
        engine_check = asyncio.run(check(engine_url, count, as_of))
        report_line("engine", engine_seconds, count, engine_reports, engine_check, engine_load)

        asyncio.run(admin(args.postgres_url, "CHECKPOINT"))
        baseline_load = os.getloadavg()[0]
        baseline_seconds, baseline_reports = run_workers(
            "baseline", baseline_url, as_of, args.workers, args.batch, None
        )
        baseline_check = asyncio.run(check(baseline_url, count, as_of))
        report_line("plain SQL", baseline_seconds, count, baseline_reports, baseline_check, baseline_load)

        engine_rate, baseline_rate = count / engine_seconds, count / baseline_seconds
        print(
            f"ratio engine/plain SQL: {engine_rate / baseline_rate:.0%}"
            f"  (targets: >= 1,000 renewals/s: {'met' if engine_rate >= 1000 else 'MISSED'},"
            f" >= 30 % of plain SQL: {'met' if engine_rate >= 0.3 * baseline_rate else 'MISSED'})"
        )
        if engine_check["problems"] or baseline_check["problems"]:
            raise SystemExit(1)
    finally:
        asyncio.run(
            admin(
                args.postgres_url,
                f'DROP DATABASE IF EXISTS "{engine_db}" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{baseline_db}" WITH (FORCE)',
            )
        )


if __name__ == "__main__":
    main()
