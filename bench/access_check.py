"""Requests per second and latency of the access check, against the ceiling of Python HTTP on this machine.

    python bench/access_check.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--seconds 10]
                                 [--profile DIR]

Seeds a throwaway PostgreSQL database with 10,000 items, 100,000 customers and 1,000,000 entitlements, starts
`boxoffice serve` as a user would (one, then two worker processes), and drives authenticated
`GET /items/{id}/access` with wrk at 64 connections, beside a raw ASGI app (constant JSON, no framework) served
by the same server program with the same worker count. Prints requests/s, p50/p99 and the ratio. Needs wrk
(Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from harness import copy_entitlements, free_port, py_spy, signed_in, start_server
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from boxoffice.kit import passwords
from boxoffice.kit.db import async_url
from boxoffice.migrate import upgrade

ITEMS, CUSTOMERS, ENTITLEMENTS, TOKENS = 10_000, 100_000, 1_000_000, 2_000
SECRET = "bench-signing-key-" + "k" * 40
CONNECTIONS = 64


async def seed(url: str) -> list[tuple[str, int]]:
    """Bulk-load the rows with COPY; returns (token, item id) pairs that are entitled."""
    engine = create_async_engine(async_url(url))
    now = datetime.utcnow().replace(microsecond=0)
    rng = random.Random(7)
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        merchant_uuid = str(uuid.uuid4())
        merchant_id = await raw.fetchval(
            "INSERT INTO merchants (uuid, email, full_name, password_hash, client_secret, active, created_at,"
            " updated_at) VALUES ($1, 'bench@example.com', 'Bench', $2, 'secret', true, $3, $3) RETURNING id",
            merchant_uuid,
            await passwords.hash("bench-password-1"),
            now,
        )
        await raw.copy_records_to_table(
            "products",
            columns=[
                "merchant_id",
                "kind",
                "asset_type",
                "title",
                "access_control",
                "content",
                "metadata",
                "active",
                "plan_switch_enabled",
                "custom_price_enabled",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    merchant_id,
                    "asset",
                    "html_asset",
                    f"Item {i}",
                    "paid",
                    f"<p>content {i}</p>",
                    "{}",
                    True,
                    False,
                    False,
                    now,
                    now,
                )
                for i in range(ITEMS)
            ],
        )
        item_ids = [r[0] for r in await raw.fetch("SELECT id FROM products WHERE merchant_id = $1", merchant_id)]
        await raw.copy_records_to_table(
            "customers",
            columns=[
                "merchant_id",
                "uuid",
                "email",
                "full_name",
                "metadata",
                "register_source",
                "active",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    merchant_id,
                    str(uuid.uuid4()),
                    f"viewer{i}@example.com",
                    f"Viewer {i}",
                    "{}",
                    "signup",
                    True,
                    now,
                    now,
                )
                for i in range(CUSTOMERS)
            ],
        )
        customer_ids = [r[0] for r in await raw.fetch("SELECT id FROM customers WHERE merchant_id = $1", merchant_id)]
        per_customer = ENTITLEMENTS // CUSTOMERS
        entitled: dict[int, list[int]] = {}
        records = []
        for customer_id in customer_ids:
            items = rng.sample(item_ids, per_customer)
            entitled[customer_id] = items
            for n, item_id in enumerate(items):
                # One in ten ran out a week ago: history, which the check must step over.
                expires = now - timedelta(days=7) if n == 0 else now + timedelta(days=30)
                records.append(
                    (merchant_id, customer_id, item_id, "purchase", False, now - timedelta(days=60), expires, now)
                )
        await copy_entitlements(raw, records)
        holders = rng.sample(customer_ids, TOKENS)
        viewers = await signed_in(raw, merchant_id, merchant_uuid, holders, now, SECRET)
        await connection.commit()
        # Settle what the load left behind (hint bits, statistics, dirty buffers) before anything is timed, so
        # the measurement doesn't share the disk and the CPU with the database's own catching up.
        await raw.execute("VACUUM ANALYZE")
        await raw.execute("CHECKPOINT")
    await engine.dispose()
    return [(token, rng.choice(entitled[customer_id][1:])) for customer_id, token in viewers]


def lua_script(pairs: list[tuple[str, int]], directory: Path) -> Path:
    """A wrk script sending each viewer's request in random order. Requests are formatted once, up front, and no
    per-response callback is set (wrk counts non-2xx answers itself): the load generator shares the machine's
    two cores with the server, so every cycle it spends is one the server doesn't get."""
    # Two flat arrays: LuaJIT keeps each constant table as one of a function's at most 65,536 constants, so a table
    # of 100,000 small tables fails to load (and wrk then asks for `/`).
    tokens = ",\n".join(f'"{token}"' for token, _ in pairs)
    items = ",".join(str(item) for _, item in pairs)
    script = directory / "access.lua"
    script.write_text(
        f"local tokens = {{\n{tokens}\n}}\n"
        f"local items = {{{items}}}\n"
        "local requests = {}\n"
        "init = function(args)\n"
        "  for i, t in ipairs(tokens) do\n"
        '  requests[i] = wrk.format("GET", "/items/" .. items[i] .. "/access", {["Authorization"] = "Bearer " .. t})\n'
        "  end\n"
        "  math.randomseed(11)\n"
        "end\n"
        "request = function() return requests[math.random(#requests)] end\n"
    )
    return script


def wrk(
    port: int, seconds: int, script: Path | None, path: str, connections: int = CONNECTIONS, timeout: int = 2
) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx responses); a request taking longer than `timeout` seconds is counted
    as neither."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(name: str) -> float:
        value, unit = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, percentile("50"), percentile("99"), int(errors.group(1)) if errors else 0


def profile(pid: int, output: Path, seconds: int) -> subprocess.Popen[bytes]:
    """py-spy sampling the server (and its workers) for the measured seconds, as collapsed stacks."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [py_spy(), "record", "--format", "raw", "--subprocesses", "--nonblocking", "--pid", str(pid)]
    return subprocess.Popen(
        [*command, "--duration", str(seconds), "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def warm_up(port: int, script: Path) -> None:
    """A running server has its viewers' sessions and entitlements cached already: drive it until its
    throughput stops climbing (two passes within 5 % of each other), so the measurement starts warm."""
    previous = 0.0
    for _ in range(8):
        rps = wrk(port, 5, script, "/")[0]
        if previous and abs(rps - previous) <= 0.05 * previous:
            return
        previous = rps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--profile", type=Path, help="record the measured run of each server under py-spy, here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    name = f"boxoffice_bench_{uuid.uuid4().hex[:8]}"

    async def admin_do(sql: str) -> None:
        admin = create_async_engine(async_url(args.postgres_url), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await admin.dispose()

    asyncio.run(admin_do(f'CREATE DATABASE "{name}"'))
    url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        started = time.monotonic()
        pairs = asyncio.run(seed(url))
        print(
            f"seeded {ITEMS:,} items, {CUSTOMERS:,} customers, {ENTITLEMENTS:,} entitlements "
            f"in {time.monotonic() - started:.0f} s"
        )
        script = lua_script(pairs, Path(tempfile.mkdtemp()))
        env = os.environ | {
            "BOXOFFICE_DATABASE_URL": url,
            "BOXOFFICE_SECRET_KEY": SECRET,
            "BOXOFFICE_LOG_LEVEL": "WARNING",
        }
        bench_dir = str(Path(__file__).parent)
        for workers in (1, 2):
            port = free_port()
            raw = start_server(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "raw_asgi:app",
                    "--app-dir",
                    bench_dir,
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env,
                port,
                "/",
            )
            try:
                wrk(port, 2, None, "/")  # warm-up
                raw_rps, raw_p50, raw_p99, _ = wrk(port, args.seconds, None, "/")
            finally:
                raw.terminate()
                raw.wait()
            port = free_port()
            app = start_server(
                [
                    sys.executable,
                    "-m",
                    "boxoffice.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--no-worker",
                    "--no-migrate",
                ],
                env,
                port,
                "/readyz",
            )
            try:
                warm_up(port, script)
                spy = profile(app.pid, args.profile / f"access-w{workers}.txt", args.seconds) if args.profile else None
                rps, p50, p99, non200 = wrk(port, args.seconds, script, "/")
                if spy is not None:
                    spy.wait()
            finally:
                app.terminate()
                app.wait()
            print(
                f"workers={workers}  raw ASGI      {raw_rps:9,.0f} req/s  p50 {raw_p50:6.2f} ms  p99 {raw_p99:6.2f} ms"
            )
            print(
                f"workers={workers}  /items/{{id}}/access {rps:6,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
                f"  non-200: {non200}"
            )
            print(f"workers={workers}  ratio {rps / raw_rps:.0%} of raw ASGI throughput")
    finally:
        asyncio.run(admin_do(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
