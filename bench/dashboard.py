"""The dashboard's pages on the analytics benchmark's book, against a plain count of the merchant's payments.

    python bench/dashboard.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--scale 1.0]
                              [--requests 30] [--warmup 3] [--seed 42]
                              [--keep | --reuse postgresql://…/boxoffice_bench_analytics_…]

Seeds a throwaway PostgreSQL database as `bench/analytics.py` does (the same rows: 1,000,000 ledger transactions,
200,000 subscriptions, 300,000 customers … across 50 merchants, times --scale), or reuses one that bench kept.
Then, in one app built in-process and called over httpx's ASGI transport (inside its lifespan), the largest
merchant's owner signs in through the dashboard's sign-in form (its password set for the run), and each page is
asked a few times to warm up and then `--requests` times: the overview, the analytics, a search of customers, the
page of the customer with the most payments, and the transactions filtered (refunds of the last 30 days, and
everything since a day). Beside each, in the same run, the floor: `SELECT count(*) FROM payments WHERE
merchant_id = $1` on a raw asyncpg connection. Printed: median and p95 per page, the floor's median, their ratio.
Target: every page's p95 under 150 ms. A page the app does not serve yet (404) is skipped, and said so.
No assertion on time: the figures are printed, the target marked met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from harness import admin, raw_connection
from rich.console import Console
from rich.table import Table

from analytics import (
    RANK_EMAIL,
    SECRET_KEY,
    book_summary,
    merchant_by_email,
    merchant_plans,
    ms,
    percentile,
    sample,
    seed_and_settle,
    utcnow,
)
from boxoffice.migrate import upgrade

TARGET_MS = 150.0
PASSWORD = "bench-dashboard-owner-pass"
FLOOR = "SELECT count(*) FROM payments WHERE merchant_id = $1"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Timing:
    name: str
    path: str
    status: int | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)


async def pages(url: str, merchant_id: int) -> list[tuple[str, str]]:
    """(label, path with its query) of each page timed, for the merchant's own rows."""
    connection = await raw_connection(url)
    try:
        buyer = await connection.fetchval(
            "SELECT customer_id FROM payments WHERE merchant_id = $1 GROUP BY customer_id"
            " ORDER BY count(*) DESC, customer_id LIMIT 1",
            merchant_id,
        )
        someone = await connection.fetchval(
            "SELECT email FROM customers WHERE merchant_id = $1 ORDER BY id LIMIT 1 OFFSET 1000", merchant_id
        )
    finally:
        await connection.close()
    month_ago = (utcnow() - timedelta(days=30)).date().isoformat()
    search = (someone or "viewer1@example.com").split("@")[0]
    return [
        ("overview", "/dashboard"),
        ("analytics", "/dashboard/analytics"),
        (f"customers search (q={search})", f"/dashboard/customers?q={search}"),
        ("customers search (q=example.com)", "/dashboard/customers?q=example.com"),
        (f"a customer's page ({buyer})", f"/dashboard/customers/{buyer}"),
        (f"transactions, refunds since {month_ago}", f"/dashboard/transactions?kind=refund&since={month_ago}"),
        (f"transactions since {month_ago}", f"/dashboard/transactions?since={month_ago}"),
    ]


async def owner_password(url: str, merchant_id: int) -> None:
    """The seeded merchant signs in with PASSWORD (the seed leaves it no usable hash)."""
    from boxoffice.kit import passwords

    connection = await raw_connection(url)
    try:
        await connection.execute(
            "UPDATE merchants SET password_hash = $2 WHERE id = $1", merchant_id, await passwords.hash(PASSWORD)
        )
    finally:
        await connection.close()


async def sign_in(http: httpx.AsyncClient, email: str) -> None:
    form = await http.get("/dashboard/sign-in")
    found = _TOKEN.search(form.text)
    if found is None:
        raise SystemExit(f"no sign-in form: {form.status_code} {form.text[:200]}")
    answer = await http.post(
        "/dashboard/sign-in", data={"csrf_token": found.group(1), "email": email, "password": PASSWORD}
    )
    if answer.status_code != 303 or answer.headers.get("location") != "/dashboard":
        raise SystemExit(f"sign-in refused: {answer.status_code} {answer.text[:300]}")


async def time_pages(
    url: str, merchant_id: int, email: str, workdir: Path, warmup: int, times: int
) -> tuple[list[Timing], list[float]]:
    from boxoffice.app import create_app
    from boxoffice.kit.settings import Settings

    settings = Settings(
        _env_file=None,
        database_url=url,
        secret_key=SECRET_KEY,
        public_url="http://bench",
        reports_dir=workdir / "reports",
        log_level="WARNING",
    )
    app = create_app(settings)
    results = []
    connection = await raw_connection(url)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=600) as http,
        ):
            await owner_password(url, merchant_id)
            await sign_in(http, email)
            for label, path in await pages(url, merchant_id):
                timing = Timing(label, path)
                first = await http.get(path)
                timing.status = first.status_code
                if first.status_code == 404:
                    timing.note = "skipped: the app answers 404 (this page is not served yet)"
                elif first.status_code != 200:
                    timing.note = f"skipped: {first.status_code} {first.text[:60]!r}"
                else:

                    async def call(path: str = path) -> None:
                        response = await http.get(path)
                        if response.status_code != 200:
                            raise SystemExit(f"{path}: {response.status_code} after 200: {response.text[:300]}")

                    timing.samples = await sample(call, max(warmup - 1, 0), times)
                    timing.note = f"{len(first.content):,} bytes"
                results.append(timing)

            async def count() -> None:
                await connection.fetchval(FLOOR, merchant_id)

            floor = await sample(count, warmup, times)
    finally:
        await connection.close()
    return results, floor


def pages_table(timings: list[Timing], floor: list[float], floor_rows: int, times: int) -> Table:
    floor_median = statistics.median(floor)
    table = Table(
        title=f"Dashboard pages ({times} timed requests each, after warm-up); floor: {FLOOR} ({floor_rows:,} rows),"
        f" median {ms(floor_median)} ms"
    )
    columns = ("page", "HTTP", "median ms", "p95 ms", "median / floor", f"p95 < {TARGET_MS:.0f} ms", "note")
    for column in columns:
        table.add_column(column, justify="left" if column in ("page", "note") else "right")
    for t in timings:
        median = statistics.median(t.samples) if t.samples else float("nan")
        p95 = percentile(t.samples, 0.95)
        ratio = f"{median / floor_median:,.1f}x" if t.samples and floor_median > 0 else "-"
        met = "-" if not t.samples else ("yes" if p95 * 1000 < TARGET_MS else "NO")
        status = str(t.status) if t.status == 200 else f"[red]{t.status}[/red]"
        table.add_row(t.name, status, ms(median), ms(p95), ratio, met, t.note)
    return table


async def count_floor_rows(url: str, merchant_id: int) -> int:
    connection = await raw_connection(url)
    try:
        rows: int = await connection.fetchval(FLOOR, merchant_id)
        return rows
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.05: a quick run)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--seed", type=int, default=42, help="salts the hashes every seeded value comes from")
    parser.add_argument("--keep", action="store_true", help="don't drop the database; print its URL")
    parser.add_argument("--reuse", metavar="URL", help="time a database kept by --keep (this bench's or analytics')")
    args = parser.parse_args()
    if args.scale <= 0 or args.requests < 1 or args.warmup < 0:
        raise SystemExit("--scale must be positive, --requests at least 1, --warmup at least 0")

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped into a file: the table whole
    workdir = Path(tempfile.mkdtemp(prefix="boxoffice-bench-dashboard-"))
    if args.reuse:
        url, database = args.reuse, None
    else:
        database = f"boxoffice_bench_analytics_{uuid.uuid4().hex[:8]}"
        url = f"{args.postgres_url.rsplit('/', 1)[0]}/{database}"
        asyncio.run(admin(args.postgres_url, f'CREATE DATABASE "{database}"'))
    try:
        if database is not None:
            upgrade(url)
            plans = merchant_plans(args.scale)
            seed_and_settle(
                url,
                plans,
                args.seed,
                f"{len(plans)} merchants, {sum(p.customers for p in plans):,} customers,"
                f" {sum(p.subscriptions for p in plans):,} subscriptions, {sum(p.ledger for p in plans):,} ledger"
                f" transactions, {sum(p.requests for p in plans):,} content requests (scale {args.scale:g})",
            )
        email = RANK_EMAIL.format(rank=1)
        largest = asyncio.run(merchant_by_email(url, email))
        if largest is None:
            raise SystemExit(f"{url} holds no merchant {email}: not a database the analytics bench seeded")
        summary = asyncio.run(book_summary(url, largest))
        print(
            f"largest merchant {largest}: "
            + ", ".join(f"{table} {mine:,} of {everyone:,}" for table, (mine, everyone) in summary.items())
        )
        print(f"load average before timing: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        timings, floor = asyncio.run(time_pages(url, largest, email, workdir, args.warmup, args.requests))
        console.print(pages_table(timings, floor, asyncio.run(count_floor_rows(url, largest)), args.requests))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if database is not None and not args.keep:
            asyncio.run(admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        elif database is not None:
            print(f"kept database {database}: re-time it with --reuse {url}")


if __name__ == "__main__":
    main()
