"""The hosted pages' server time, page by page, beside the same app's /healthz measured the same way.

    python bench/pages.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--customers 100000]
                          [--purchases 40] [--requests 200]

Seeds a throwaway PostgreSQL database with one merchant, its look, an item with a one-time price and two
subscription prices, `--customers` other customers (so that look-ups run on a table of a real size), and one
viewer who bought `--purchases` items by card through the API and holds a subscription. Then, in one app built
in-process and called over httpx's ASGI transport (inside its lifespan), each page a viewer opens, `--requests`
times after a warm-up: its median and p95 server time, and its ratio to /healthz's median. Target: under 50 ms a
page. Posting a form that hashes a password (sign-in, sign-up) costs what argon2id costs: bench/auth.py measures
that.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx
from harness import admin, copy_customers, raw_connection

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from boxoffice.migrate import upgrade

PASSWORD = "bench viewer 1"
CARD = {"number": "4242424242424242", "card_name": "Bench", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
TARGET_MS = 50.0


async def seed_customers(url: str, merchant_id: int, count: int) -> None:
    raw = await raw_connection(url)
    try:
        now = datetime.utcnow()
        await copy_customers(raw, merchant_id, [f"c{n}@example.com" for n in range(count)], "x", now)
        await raw.execute("VACUUM ANALYZE")
    finally:
        await raw.close()


async def timed(call: Callable[[], Awaitable[httpx.Response]], requests: int) -> list[float]:
    for _ in range(10):
        response = await call()
        assert response.status_code == 200, response.text[:500]
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = await call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


async def run(args: argparse.Namespace) -> None:
    name = f"boxoffice_bench_pages_{uuid.uuid4().hex[:8]}"
    base = args.postgres_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    await admin(args.postgres_url, f"CREATE DATABASE {name}")
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(database_url=url, public_url="http://bench", mail_dir="/tmp/boxoffice-bench-mail")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                await measure(http, url, args)
    finally:
        await admin(args.postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def measure(http: httpx.AsyncClient, url: str, args: argparse.Namespace) -> None:
    account = {"type": "merchant", "full_name": "Bench", "email": "bench@example.com", "password": "bench merchant 1"}
    made = (await http.post("/accounts", data=account | {"password_confirmation": account["password"]})).json()
    merchant_uuid, merchant_id = made["account"]["uuid"], made["account"]["id"]
    auth = {"Authorization": f"Bearer {made['access_token']}"}
    await http.post(
        "/branding/paywall", headers=auth, data={"brand_name": "Bench TV", "paywall_primary_color": "#123456"}
    )
    types = (await http.get("/v2/access-types", headers=auth)).json()
    ppv = next(t["id"] for t in types if t["name"] == "ppv" and t["quantity"] == 48)
    monthly = next(
        t["id"] for t in types if t["name"] == "subscription" and t["period"] == "month" and t["quantity"] == 1
    )
    yearly = next(
        t["id"] for t in types if t["name"] == "subscription" and t["period"] == "year" and t["quantity"] == 1
    )
    await seed_customers(url, merchant_id, args.customers)

    viewer = {
        "client_id": merchant_uuid,
        "full_name": "Vera",
        "username": "vera@example.com",
        "email": "vera@example.com",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "type": "consumer",
        "grant_type": "password",
    }
    token = (await http.post("/accounts", data=viewer)).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    first = 0
    for n in range(args.purchases):
        item = (
            await http.post(
                "/v2/items",
                headers=auth,
                data={
                    "item_type": "html_asset",
                    "title": f"Film {n}",
                    "access_control_type_id": "1",
                    "content": "<p>x</p>",
                    "plan_switch_enabled": "true",
                },
            )
        ).json()
        fee = (
            await http.post(
                f"/v2/items/{item['id']}/access-fees",
                headers=auth,
                data={"access_type_id": ppv, "amount": "4.99", "currency": "EUR"},
            )
        ).json()
        first = first or item["id"]
        paid = await http.post(
            "/payments", headers=bearer, data=CARD | {"access_fee": fee["id"], "payment_method": "1"}
        )
        assert paid.status_code == 200, paid.text
    plan = (
        await http.post(
            f"/v2/items/{first}/access-fees",
            headers=auth,
            data={"access_type_id": monthly, "amount": "9.99", "currency": "EUR", "description": "Monthly"},
        )
    ).json()
    await http.post(
        f"/v2/items/{first}/access-fees",
        headers=auth,
        data={"access_type_id": yearly, "amount": "99", "currency": "EUR", "description": "Yearly"},
    )
    subscribed = await http.post(
        "/subscriptions", headers=bearer, data=CARD | {"access_fee": plan["id"], "payment_method": "1"}
    )
    assert subscribed.status_code in (200, 202), subscribed.text

    pages = f"/pages/{merchant_uuid}"
    sign_in = await http.get(f"{pages}/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text)
    assert csrf
    signed = await http.post(
        f"{pages}/sign-in", data={"csrf_token": csrf.group(1), "email": "vera@example.com", "password": PASSWORD}
    )
    assert signed.status_code == 303, signed.text
    viewer_cookie = dict(http.cookies)
    http.cookies.clear()

    async def anonymous(path: str) -> httpx.Response:
        return await http.get(path, cookies={})

    baseline = statistics.median(await timed(lambda: http.get("/healthz"), args.requests))
    print(f"customers {args.customers:,}, the viewer's purchases {args.purchases}, requests {args.requests} a page")
    print(f"{'page':34} {'median':>9} {'p95':>9} {'x /healthz':>11}")
    print(f"{'/healthz (baseline)':34} {baseline:8.2f}ms")
    views = [
        ("sign in", f"{pages}/sign-in", False),
        ("sign up (register fields)", f"{pages}/sign-up", False),
        ("offers of an item", f"{pages}/offers/{first}", False),
        ("checkout (signed in)", f"{pages}/checkout/{plan['id']}", True),
        ("my account (signed in)", f"{pages}/account", True),
    ]
    worst = 0.0
    for label, path, signed_in in views:
        http.cookies.clear()
        if signed_in:
            http.cookies.update(viewer_cookie)
        times = await timed(lambda path=path: http.get(path), args.requests)
        median, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
        worst = max(worst, p95)
        print(f"{label:34} {median:8.2f}ms {p95:8.2f}ms {median / baseline:10.1f}x")
    verdict = "met" if worst < TARGET_MS else "missed"
    print(f"target: every page under {TARGET_MS:.0f} ms — {verdict} (worst p95 {worst:.2f} ms)")


def main() -> None:
    for noisy in ("httpx", "fontTools"):  # a line per request, per receipt font subset
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--purchases", type=int, default=40)
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
