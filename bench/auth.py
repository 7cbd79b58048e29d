"""How much an authenticated request and a sign-in cost, against baselines measured in the same run.

    python bench/auth.py [--requests 400] [--database-url sqlite:///... | postgresql://...]

Ratios: authenticated `GET /accounts` (JWT check, session lookup, account load) over `GET /healthz` (the
framework alone); `POST /accounts/authenticate` over one bare argon2id verification (the floor any password
sign-in pays).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from boxoffice.app import create_app
from boxoffice.kit.passwords import hash_password, verify_password
from boxoffice.kit.settings import Settings
from boxoffice.migrate import upgrade


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
        stored = hash_password("viewer-pass-1")

        async def bare_verify() -> None:
            verify_password(stored, "viewer-pass-1")

        argon = await timed(max(requests // 10, 10), bare_verify)
        sign_in = await timed(max(requests // 10, 10), lambda: http.post("/accounts/authenticate", data=form))
    await app.state.engine.dispose()

    engine = database_url.split(":", 1)[0]
    print(f"[{engine}] GET /healthz                  {healthz * 1e3:8.2f} ms  (baseline)")
    print(f"[{engine}] GET /accounts (Bearer)        {account * 1e3:8.2f} ms  = {account / healthz:5.1f}x healthz")
    print(f"[{engine}] argon2id verify               {argon * 1e3:8.2f} ms  (baseline)")
    print(f"[{engine}] POST /accounts/authenticate   {sign_in * 1e3:8.2f} ms  = {sign_in / argon:5.2f}x argon2id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", action="append", dest="urls")
    args = parser.parse_args()
    urls = args.urls or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    for url in urls:
        upgrade(url)
        asyncio.run(run(url, args.requests))


if __name__ == "__main__":
    main()
