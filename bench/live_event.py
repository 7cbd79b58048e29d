"""A live event's first minute, phase by phase, against raw ASGI on the same server program and worker count.

    python bench/live_event.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--viewers 300000]
                               [--sign-ins 200] [--seconds 10] [--workers 1 2] [--profile DIR]

Seeds a throwaway PostgreSQL database with one merchant, the event (an item) and a season pass (a package holding
it), and `--viewers` customers, each entitled to the event, one in four through the pass; every viewer is signed in
(a session of their own, its token made here as Boxoffice makes them), and `--sign-ins` more customers have a
password. Then, for each worker count, `boxoffice serve` runs as a user would and:

1. Sign-in storm: the customers with a password sign in through `POST /accounts/authenticate`, eight at a time,
   while wrk asks the access check for viewers already checked once (four connections) on the same server: sign-ins
   per second and their p50/p99, and the access check's p99 during the storm beside its p99 alone just before.
2. First checks: wrk at 64 connections sends each viewer's first check of the event, every (token, item) pair new,
   each once: checks per second, p50/p99, ratio to raw ASGI. Needs more viewers than the run answers in
   `--seconds` (it says so if the pairs ran out).
3. Heartbeats: every viewer checks again at random (repeated checks, answered from remembered verdicts) while late
   viewers keep signing in: checks per second, p50/p99, ratio to raw ASGI.

Beside raw ASGI, the first-check floor (`first_check_floor.py`): a bare app doing only what any first check must
(verify the token, read the viewer's rows in batches, answer), on the same viewers: how much of raw ASGI a first
check can reach at all on this machine, and Boxoffice's first checks as a share of it.

Sign-ins cost what argon2id costs, so the storm's many viewers are signed in by the seed; a second run with
`BOXOFFICE_ARGON2_*` set measures other parameters. Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from access_check import SECRET, lua_script, profile, wrk
from harness import admin, copy_customers, copy_entitlements, free_port, raw_connection, signed_in, start_server

from boxoffice.kit import passwords
from boxoffice.migrate import upgrade

PASSWORD = "live-event-pass-1"
PROBE_CONNECTIONS = 4
SIGN_IN_CONCURRENCY = 8
UVICORN = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
RAW = [*UVICORN, "raw_asgi:app"]
FLOOR = [*UVICORN, "first_check_floor:app"]
SERVE = [sys.executable, "-m", "boxoffice.cli", "serve", "--no-worker", "--no-migrate"]


async def seed(url: str, viewers: int, sign_ins: int) -> tuple[str, int, list[str], list[str]]:
    """The merchant's uuid, the event's id, a token for each signed-in viewer, the e-mails of those who sign in."""
    now = datetime.utcnow().replace(microsecond=0)
    rng = random.Random(11)
    raw = await raw_connection(url)
    try:
        merchant_uuid = str(uuid.uuid4())
        merchant_id = await raw.fetchval(
            "INSERT INTO merchants (uuid, email, full_name, password_hash, client_secret, active, created_at,"
            " updated_at) VALUES ($1, 'live@example.com', 'Live', $2, 'secret', true, $3, $3) RETURNING id",
            merchant_uuid,
            await passwords.hash("live-merchant-pass-1"),
            now,
        )
        event_id, pass_id = [
            await raw.fetchval(
                "INSERT INTO products (merchant_id, kind, asset_type, title, access_control, content, metadata,"
                " active, plan_switch_enabled, custom_price_enabled, created_at, updated_at)"
                " VALUES ($1, $2, 'html_asset', $3, 'paid', '<p>live</p>', '{}', true, false, false, $4, $4)"
                " RETURNING id",
                merchant_id,
                kind,
                title,
                now,
            )
            for kind, title in (("asset", "The final, live"), ("package", "Season pass"))
        ]
        await raw.execute(
            "INSERT INTO package_members (merchant_id, package_id, product_id) VALUES ($1, $2, $3)",
            merchant_id,
            pass_id,
            event_id,
        )
        hashed = await passwords.hash(PASSWORD)  # one hash for every customer who signs in: the seed need not pay N
        emails = [f"viewer{i}@example.com" for i in range(viewers + sign_ins)]
        await copy_customers(raw, merchant_id, emails, hashed, now)
        customer_ids = [
            r[0] for r in await raw.fetch("SELECT id FROM customers WHERE merchant_id = $1 ORDER BY id", merchant_id)
        ]
        await copy_entitlements(
            raw,
            [
                (
                    merchant_id,
                    customer_id,
                    pass_id if rng.random() < 0.25 else event_id,
                    "purchase",
                    False,
                    now - timedelta(days=1),
                    now + timedelta(days=30),
                    now,
                )
                for customer_id in customer_ids
            ],
        )
        signed = await signed_in(raw, merchant_id, merchant_uuid, customer_ids[:viewers], now, SECRET)
        await raw.execute("VACUUM ANALYZE")
        await raw.execute("CHECKPOINT")
    finally:
        await raw.close()
    tokens = [token for _, token in signed]
    rng.shuffle(tokens)
    return merchant_uuid, event_id, tokens, emails[viewers:]


def once_each_script(tokens: list[str], item: int, directory: Path) -> Path:
    """A wrk script sending each token's check once, split between wrk's threads; a thread whose share is spent
    stops (the run is then shorter than asked, which `run_first_checks` reports)."""
    lines = ",\n".join(f'"{token}"' for token in tokens)
    script = directory / "first.lua"
    script.write_text(
        f"local tokens = {{\n{lines}\n}}\n"
        "local counter = 0\n"
        "setup = function(thread) thread:set('id', counter); counter = counter + 1 end\n"
        "init = function(args) step = 2; next_index = id + 1 end\n"
        "request = function()\n"
        "  if next_index > #tokens then wrk.thread:stop() end\n"
        "  local token = tokens[math.min(next_index, #tokens)]\n"
        "  next_index = next_index + step\n"
        f'  return wrk.format("GET", "/items/{item}/access", {{["Authorization"] = "Bearer " .. token}})\n'
        "end\n"
    )
    return script


class SignIns:
    """Customers signing in, `SIGN_IN_CONCURRENCY` at a time, on a thread of their own; each sign-in's time."""

    def __init__(self, port: int, merchant_uuid: str, emails: list[str]) -> None:
        self.port, self.merchant_uuid, self.emails = port, merchant_uuid, emails
        self.times: list[float] = []
        self.failed = 0
        self.elapsed = 0.0
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()))

    def start(self) -> SignIns:
        self._thread.start()
        return self

    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self) -> SignIns:
        self._thread.join()
        return self

    async def _run(self) -> None:
        queue = list(self.emails)
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=120) as http:

            async def one_at_a_time() -> None:
                while queue:
                    email = queue.pop()
                    began = time.perf_counter()
                    answer = await http.post(
                        "/accounts/authenticate",
                        data={
                            "client_id": self.merchant_uuid,
                            "grant_type": "password",
                            "username": email,
                            "password": PASSWORD,
                        },
                    )
                    self.times.append(time.perf_counter() - began)
                    self.failed += answer.status_code != 200

            await asyncio.gather(*(one_at_a_time() for _ in range(SIGN_IN_CONCURRENCY)))
        self.elapsed = time.perf_counter() - started

    def summary(self) -> str:
        times = sorted(self.times)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        return (
            f"{len(times) / self.elapsed:7.1f} sign-ins/s  p50 {statistics.median(times) * 1000:7.1f} ms"
            f"  p99 {p99:7.1f} ms  failed: {self.failed}"
        )


def probe_during(port: int, script: Path, sign_ins: SignIns) -> tuple[float, float, float, int]:
    """The access check's wrk figures, over the time `sign_ins` takes (at least two seconds)."""
    result: list[tuple[float, float, float, int]] = []
    seconds = 2
    probe = threading.Thread(
        target=lambda: result.append(wrk(port, seconds, script, "/", connections=PROBE_CONNECTIONS))
    )
    sign_ins.start()
    probe.start()
    probe.join()
    while sign_ins.running():  # the storm is still on: measure again until it is over
        result.append(wrk(port, seconds, script, "/", connections=PROBE_CONNECTIONS))
    sign_ins.join()
    return max(result, key=lambda figures: figures[2])


def on_uvicorn(
    command: list[str], workers: int, env: dict[str, str], script: Path | None, seconds: int
) -> tuple[float, float, float, int]:
    """wrk's figures for an app of this folder (raw ASGI, the first-check floor) on the same server program and
    worker count as Boxoffice, after two seconds of warming."""
    port = free_port()
    server = start_server(
        [*command, "--app-dir", str(Path(__file__).parent), "--port", str(port), "--workers", str(workers)],
        env,
        port,
        "/",
    )
    try:
        wrk(port, 2, script, "/")
        return wrk(port, seconds, script, "/")
    finally:
        server.terminate()
        server.wait()


def line(label: str, workers: int, figures: tuple[float, float, float, int], raw_rps: float | None = None) -> str:
    rps, p50, p99, non200 = figures
    ratio = f"  {rps / raw_rps:4.0%} of raw" if raw_rps else ""
    return (
        f"workers={workers}  {label:<26} {rps:9,.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms"
        f"  non-200: {non200}{ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--viewers", type=int, default=300_000)
    parser.add_argument("--sign-ins", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile", type=Path, help="record each server's first checks under py-spy, here")
    args = parser.parse_args()
    name = f"boxoffice_live_{uuid.uuid4().hex[:8]}"
    url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin(args.postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        began = time.monotonic()
        merchant_uuid, event_id, tokens, emails = asyncio.run(seed(url, args.viewers, args.sign_ins))
        took = time.monotonic() - began
        # The seeded viewers stay for the whole run: frozen, this process's collector no longer scans them while
        # its sign-ins allocate, on the cores the server is measured on.
        gc.collect()
        gc.freeze()
        print(f"seeded {len(tokens):,} signed-in viewers and {len(emails):,} to sign in, in {took:.0f} s")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        directory = Path(tempfile.mkdtemp())
        env = os.environ | {
            "BOXOFFICE_DATABASE_URL": url,
            "BOXOFFICE_SECRET_KEY": SECRET,
            "BOXOFFICE_LOG_LEVEL": "WARNING",
            # An event's viewers sign in from as many addresses; the benchmark's, from one.
            "BOXOFFICE_AUTH_RATE_PER_IP": "1000000/60",
        }
        halves = [emails[: len(emails) // 2], emails[len(emails) // 2 :]]
        for workers in args.workers:
            raw_figures = on_uvicorn(RAW, workers, env, None, args.seconds)
            print(line("raw ASGI", workers, raw_figures))
            # Each worker count checks its own viewers for the first time: a server remembers nothing of the other's.
            share = tokens[workers - 1 :: len(args.workers)] if len(args.workers) > 1 else tokens
            # The floor remembers nothing: every check it answers is a first one, whichever viewer asks again.
            floor_script = lua_script([(token, event_id) for token in share], directory)
            floor_figures = on_uvicorn(FLOOR, workers, env, floor_script, args.seconds)
            print(line("first-check floor", workers, floor_figures, raw_figures[0]))
            port = free_port()
            app = start_server(
                [*SERVE, "--port", str(port), "--workers", str(workers)],
                env,
                port,
                "/readyz",
            )
            try:
                early = lua_script([(token, event_id) for token in share[:200]], directory)
                wrk(port, 2, early, "/", connections=PROBE_CONNECTIONS)  # these 200 are now remembered
                alone = wrk(port, 3, early, "/", connections=PROBE_CONNECTIONS)
                print(line("access check, alone", workers, alone))
                storm = SignIns(port, merchant_uuid, halves[0] if workers == args.workers[0] else halves[1])
                during = probe_during(port, early, storm)
                print(line("access check, in the storm", workers, during))
                print(f"workers={workers}  sign-ins (x{SIGN_IN_CONCURRENCY})        {storm.summary()}")

                first = once_each_script(share[200:], event_id, directory)
                spy = profile(app.pid, args.profile / f"first-w{workers}.txt", args.seconds) if args.profile else None
                figures = wrk(port, args.seconds, first, "/")
                if spy is not None:
                    spy.wait()
                print(line("first checks", workers, figures, raw_figures[0]))
                print(f"workers={workers}  first checks: {figures[0] / floor_figures[0]:.0%} of the floor's rate")
                # wrk divides by the whole run even when its threads ran out of pairs and stopped early.
                if figures[0] * args.seconds >= 0.98 * (len(share) - 200):
                    print(f"workers={workers}  (every pair was checked before the run ended: give more --viewers)")

                # The viewers checked once by now (each thread walks its share in order, so they are the first ones).
                checked = share[200 : 200 + int(figures[0] * args.seconds * 0.95)]
                heartbeats = lua_script([(token, event_id) for token in checked], directory)
                late = SignIns(port, merchant_uuid, emails).start()
                beats = wrk(port, args.seconds, heartbeats, "/")
                late.join()
                print(line("heartbeats, late sign-ins", workers, beats, raw_figures[0]))
            finally:
                app.terminate()
                app.wait()
    finally:
        asyncio.run(admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
