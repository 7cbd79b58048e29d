"""How much an authenticated request and a sign-in cost, against baselines measured in the same run.

    python bench/auth.py [--requests 400] [--database-url sqlite:///... | postgresql://...]
                         [--storm 16] [--storm-seconds 20] [--storm-rounds 4] [--postgres-url postgresql://...]
                         [--storm-only]

Ratios: authenticated `GET /accounts` (JWT check, session lookup, account load) over `GET /healthz` (the
framework alone); `POST /accounts/authenticate` over one bare argon2id verification (the floor any password
sign-in pays).

The sign-in storm: `boxoffice serve` (one process) on a throwaway PostgreSQL database, `--storm` viewers signing
in over and over at once, while another client asks the same process for `/healthz` every 20 ms. Prints sign-ins
per second against the bare argon2id rate on the same cores (the server's own kind of hashing pool, one thread per
core with the same parameters and priority, verifying and nothing else, while the server is idle), and
`/healthz`'s p99 during the storm against the same client's p99 while nothing else runs. The three take turns,
`--storm-rounds` times, for `--storm-seconds` in all each, so that what else the machine runs weighs alike on them.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
from harness import admin, free_port, start_server

from boxoffice.app import create_app
from boxoffice.kit.passwords import Hasher
from boxoffice.kit.settings import Settings
from boxoffice.migrate import upgrade

T = TypeVar("T")
PROBE_EVERY = 0.02  # seconds between two of the other client's requests


async def timed(times: int, call: Callable[[], Awaitable[object]]) -> float:
    """Median seconds per call."""
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def run(database_url: str, requests: int) -> None:
    settings = Settings(
        database_url=database_url,
        log_level="WARNING",
        auth_rate_per_ip="1000000/60",
        auth_rate_per_account="1000000/60",
        mail_dir=Path(tempfile.mkdtemp()) / "mail",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        merchant = (
            await http.post(
                "/accounts",
                data={
                    "type": "merchant",
                    "email": f"bench-{time.time_ns()}@example.com",
                    "password": "bench-pass-1",
                    "password_confirmation": "bench-pass-1",
                },
            )
        ).json()
        client_id = merchant["account"]["uuid"]
        viewer = {"username": "viewer@example.com", "password": "viewer-pass-1"}
        signed_up = (
            await http.post(
                "/accounts",
                data={
                    **viewer,
                    "full_name": "Bench",
                    "password_confirmation": "viewer-pass-1",
                    "client_id": client_id,
                },
            )
        ).json()
        auth = {"Authorization": f"Bearer {signed_up['access_token']}"}
        form = {**viewer, "client_id": client_id, "grant_type": "password"}

        healthz = await timed(requests, lambda: http.get("/healthz"))
        account = await timed(requests, lambda: http.get("/accounts", headers=auth))
        argon2 = Hasher.of(settings).argon2  # the same parameters, called directly on this thread
        stored = argon2.hash("viewer-pass-1")

        async def bare_verify() -> None:
            argon2.verify(stored, "viewer-pass-1")

        argon = await timed(max(requests // 10, 10), bare_verify)
        sign_in = await timed(max(requests // 10, 10), lambda: http.post("/accounts/authenticate", data=form))
    await app.state.engine.dispose()

    engine = database_url.split(":", 1)[0]
    print(f"[{engine}] GET /healthz                  {healthz * 1e3:8.2f} ms  (baseline)")
    print(f"[{engine}] GET /accounts (Bearer)        {account * 1e3:8.2f} ms  = {account / healthz:5.1f}x healthz")
    print(f"[{engine}] argon2id verify               {argon * 1e3:8.2f} ms  (baseline)")
    print(f"[{engine}] POST /accounts/authenticate   {sign_in * 1e3:8.2f} ms  = {sign_in / argon:5.2f}x argon2id")


async def bare_verifications(hasher: Hasher, stored: str, seconds: float) -> tuple[int, float]:
    """The server's own kind of hashing pool (one thread per core, the same parameters and priority) kept busy
    verifying for `seconds`, with no HTTP, database or sign-in around it: (verifications, seconds taken)."""
    started = time.perf_counter()
    deadline = started + seconds

    async def verify_until_the_deadline() -> int:
        done = 0
        while time.perf_counter() < deadline:
            await hasher.verify(stored, "viewer-pass-1")
            done += 1
        return done

    done = sum(await asyncio.gather(*(verify_until_the_deadline() for _ in range(hasher.threads))))
    return done, time.perf_counter() - started


class Prober(threading.Thread):
    """Asks for `/healthz` every PROBE_EVERY seconds on a kept-alive connection, from a thread of its own (not the
    event loop that drives the sign-ins), and keeps each answer's latency."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.stopped = port, threading.Event()
        self.latencies: list[float] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        next_at = time.perf_counter()
        while not self.stopped.is_set():
            started = time.perf_counter()
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            self.latencies.append(time.perf_counter() - started)
            next_at = max(next_at + PROBE_EVERY, time.perf_counter())
            self.stopped.wait(next_at - time.perf_counter())
        connection.close()


def probed(port: int, latencies: list[float], phase: Callable[[], T]) -> T:
    """Run `phase` while a Prober asks for `/healthz`; its latencies join `latencies`."""
    prober = Prober(port)
    prober.start()
    try:
        return phase()
    finally:
        prober.stopped.set()
        prober.join()
        latencies.extend(prober.latencies)


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


async def sign_up_viewers(port: int, viewers: int) -> list[dict[str, str]]:
    """A merchant and its viewers; the forms with which each viewer signs in."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        merchant = await http.post(
            "/accounts",
            data={
                "type": "merchant",
                "email": "storm@example.com",
                "password": "storm-pass-1",
                "password_confirmation": "storm-pass-1",
            },
        )
        client_id = merchant.json()["account"]["uuid"]
        forms = []
        for n in range(viewers):
            viewer = {"username": f"viewer{n}@example.com", "password": f"viewer-pass-{n}"}
            made = await http.post(
                "/accounts",
                data={
                    **viewer,
                    "full_name": "Storm",
                    "password_confirmation": viewer["password"],
                    "client_id": client_id,
                },
            )
            assert made.status_code == 200, made.text
            forms.append({**viewer, "client_id": client_id, "grant_type": "password"})
    return forms


async def sign_in_storm(port: int, forms: list[dict[str, str]], seconds: float) -> tuple[int, float, int]:
    """Every viewer signs in over and over at once until `seconds` have passed: (sign-ins, seconds taken until the
    last one answered, refusals)."""
    limits = httpx.Limits(max_connections=len(forms), max_keepalive_connections=len(forms))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as http:
        started = time.perf_counter()
        deadline = started + seconds
        refused = 0

        async def keep_signing_in(form: dict[str, str]) -> int:
            nonlocal refused
            done = 0
            while time.perf_counter() < deadline:
                answer = await http.post("/accounts/authenticate", data=form)
                if answer.status_code == 200:
                    done += 1
                else:
                    refused += 1
            return done

        done = sum(await asyncio.gather(*(keep_signing_in(form) for form in forms)))
        return done, time.perf_counter() - started, refused


def storm(postgres_url: str, viewers: int, seconds: float, rounds: int) -> None:
    """Idle, bare hashing and the storm take turns, `rounds` times, each for its share of `seconds`: what else runs
    on the machine then weighs alike on all three."""
    name = f"boxoffice_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(postgres_url, f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(database_url=url)
    hasher = Hasher.of(settings)
    server: subprocess.Popen[bytes] | None = None
    idle: list[float] = []
    busy: list[float] = []
    verified = signed_in = refused = 0
    hashing = storming = 0.0
    try:
        upgrade(url)
        port = free_port()
        env = os.environ | {
            "BOXOFFICE_DATABASE_URL": url,
            "BOXOFFICE_LOG_LEVEL": "WARNING",
            "BOXOFFICE_MAIL_DIR": str(Path(tempfile.mkdtemp()) / "mail"),
            "BOXOFFICE_AUTH_RATE_PER_IP": "1000000/60",
            "BOXOFFICE_AUTH_RATE_PER_ACCOUNT": "1000000/60",
        }
        command = ["-m", "boxoffice.cli", "serve", "--port", str(port), "--workers", "1", "--no-worker", "--no-migrate"]
        server = start_server([sys.executable, *command], env, port, "/readyz")
        forms = asyncio.run(sign_up_viewers(port, viewers))
        stored = asyncio.run(hasher.hash("viewer-pass-1"))
        each = seconds / rounds
        for _ in range(rounds):
            probed(port, idle, lambda: time.sleep(each))
            done, took = asyncio.run(bare_verifications(hasher, stored, each))  # the server sits idle meanwhile
            verified, hashing = verified + done, hashing + took
            done, took, failed = probed(port, busy, lambda: asyncio.run(sign_in_storm(port, forms, each)))
            signed_in, storming, refused = signed_in + done, storming + took, refused + failed
    finally:
        hasher.close()
        if server is not None:
            server.terminate()
            server.wait()
        asyncio.run(admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    bare, rate = verified / hashing, signed_in / storming
    print(
        f"[storm] argon2id m={settings.argon2_memory_kib} KiB, t={settings.argon2_time_cost},"
        f" p={settings.argon2_parallelism}; {hasher.threads} hashing threads; {rounds} rounds of {each:.0f} s each"
    )
    print(f"[storm] bare argon2id, {hasher.threads} threads       {bare:8.2f} verifications/s  (baseline)")
    print(
        f"[storm] {viewers} viewers signing in at once  {rate:8.2f} sign-ins/s       = {rate / bare:5.0%} of bare"
        f"  (refused: {refused})"
    )
    print(f"[storm] /healthz p99, server idle        {p99(idle) * 1e3:8.2f} ms  ({len(idle)} requests)")
    print(
        f"[storm] /healthz p99, during the storm   {p99(busy) * 1e3:8.2f} ms  ({len(busy)} requests,"
        f" max {max(busy) * 1e3:.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", action="append", dest="urls")
    parser.add_argument("--storm", type=int, default=16, help="viewers signing in at once (0: no storm)")
    parser.add_argument("--storm-seconds", type=float, default=20)
    parser.add_argument("--storm-rounds", type=int, default=4)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--storm-only", action="store_true")
    args = parser.parse_args()
    if not args.storm_only:
        urls = args.urls or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
        for url in urls:
            upgrade(url)
            asyncio.run(run(url, args.requests))
    if args.storm:
        storm(args.postgres_url, args.storm, args.storm_seconds, args.storm_rounds)


if __name__ == "__main__":
    main()
