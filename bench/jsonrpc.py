"""Access checks through JSON-RPC batches beside the same checks through MediaStore, per call.

    python bench/jsonrpc.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--viewers 100]
                            [--seconds 10] [--workers 1]

Seeds a throwaway PostgreSQL database through the API itself: one merchant, 25 items each with a 48-hour pass,
`--viewers` viewers who bought three of them each by card. Serves it with `boxoffice serve` and drives it with
`wrk` at 8 connections, two ways, alternating twice:

- MediaStore: `GET /mediastore/entitlements/{offerId}` with a viewer's JWT, one offer per request;
- JSON-RPC: `POST /3.0/json-rpc`, a batch of 25 `getAccessStatus` calls (every offer) with a viewer's customer
  token, as Cleeng's PHP SDK posts them.

Prints access checks per second each way and their ratio. Target: JSON-RPC at least as fast per call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
from access_check import wrk
from harness import admin, free_port, start_server

from boxoffice.migrate import upgrade

OFFERS = 25
HELD = 3
# Few connections, so that a queue of batches (each 25 checks' work) stays within wrk's timeout.
CONNECTIONS = 8
TIMEOUT = 30
CARD = {"number": "4242424242424242", "card_name": "Bench", "exp_month": "12", "exp_year": "2031", "cvv": "123"}
PASSWORD = "bench viewer 1"
SECRET = "bench-secret-key-" + "x" * 32


async def seed(base: str, viewers: int) -> tuple[list[str], list[tuple[str, str]]]:
    """The offers' ids, and each viewer's (MediaStore JWT, customer token)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        account = {"type": "merchant", "full_name": "Bench", "email": "bench@example.com"}
        account |= {"password": "bench merchant 1", "password_confirmation": "bench merchant 1"}
        made = (await http.post("/accounts", data=account)).json()
        merchant_uuid = made["account"]["uuid"]
        auth = {"Authorization": f"Bearer {made['access_token']}"}
        keys = (await http.get("/accounts/keys", headers=auth)).json()
        types = (await http.get("/v2/access-types", headers=auth)).json()
        ppv = next(t["id"] for t in types if t["name"] == "ppv" and t["quantity"] == 48)
        fees = []
        for n in range(OFFERS):
            body = {"item_type": "html_asset", "title": f"Film {n}", "access_control_type_id": "1", "content": "x"}
            item = (await http.post("/v2/items", headers=auth, data=body)).json()
            fee = {"access_type_id": ppv, "amount": "4.99", "currency": "EUR"}
            fees.append((await http.post(f"/v2/items/{item['id']}/access-fees", headers=auth, data=fee)).json()["id"])
        jwt = await _viewer(http, merchant_uuid, keys, fees, 0)
        offers = [
            o["longId"] for o in (await http.get("/mediastore/offers", headers=_bearer(jwt[0]))).json()["responseData"]
        ]
        tokens = [jwt] + [await _viewer(http, merchant_uuid, keys, fees, n) for n in range(1, viewers)]
    assert len(offers) == OFFERS, offers
    return offers, tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _viewer(
    http: httpx.AsyncClient, merchant_uuid: str, keys: dict[str, str], fees: list[int], n: int
) -> tuple[str, str]:
    email = f"viewer{n}@example.com"
    body = {"client_id": merchant_uuid, "full_name": "Vera", "username": email, "email": email}
    body |= {"password": PASSWORD, "password_confirmation": PASSWORD, "type": "consumer", "grant_type": "password"}
    token = (await http.post("/accounts", data=body)).json()["access_token"]
    for fee in random.Random(n).sample(fees, HELD):
        paid = await http.post(
            "/payments", headers=_bearer(token), data=CARD | {"access_fee": fee, "payment_method": "1"}
        )
        assert paid.status_code == 200, paid.text
    login = {"email": email, "password": PASSWORD, "publisherId": keys["publisher_id"]}
    jwt = (await http.post("/mediastore/auths", json=login)).json()["responseData"]["jwt"]
    rpc = {
        "method": "generateCustomerToken",
        "params": {"publisherToken": keys["publisher_token"], "customerEmail": email},
    }
    customer_token = (await http.post("/3.0/json-rpc", json=rpc | {"id": 1})).json()["result"]["token"]
    return jwt, customer_token


def _lua(requests: list[str], directory: Path, name: str) -> Path:
    """A wrk script sending one of `requests` (already formatted) at random."""
    script = directory / f"{name}.lua"
    listed = ",\n".join(requests)
    script.write_text(
        f"local made = {{}}\nlocal specs = {{\n{listed}\n}}\n"
        "init = function(args)\n"
        "  for i, s in ipairs(specs) do made[i] = wrk.format(s[1], s[2], s[3], s[4]) end\n"
        "  math.randomseed(7)\n"
        "end\n"
        "request = function() return made[math.random(#made)] end\n"
    )
    return script


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for this ASCII text


def mediastore_script(offers: list[str], tokens: list[tuple[str, str]], directory: Path) -> Path:
    specs = [
        f'{{"GET", {_lua_string("/mediastore/entitlements/" + offer)}, '
        f'{{["Authorization"] = {_lua_string("Bearer " + jwt)}}}, nil}}'
        for jwt, _ in tokens
        for offer in offers
    ]
    return _lua(specs, directory, "mediastore")


def batch(offers: list[str], customer_token: str) -> str:
    calls = [
        {"method": "getAccessStatus", "params": {"customerToken": customer_token, "offerId": offer}, "jsonrpc": "2.0",
         "id": n}
        for n, offer in enumerate(offers, 1)
    ]  # fmt: skip
    return json.dumps(calls)


def jsonrpc_script(offers: list[str], tokens: list[tuple[str, str]], directory: Path) -> Path:
    form = '{["Content-Type"] = "application/x-www-form-urlencoded"}'
    specs = [f'{{"POST", "/3.0/json-rpc", {form}, {_lua_string(batch(offers, token))}}}' for _, token in tokens]
    return _lua(specs, directory, "jsonrpc")


def check_answers(port: int, offers: list[str], tokens: list[tuple[str, str]]) -> None:
    """Both ways answer alike before anything is timed: the viewer holds the same offers through each."""
    jwt, customer_token = tokens[0]
    base = f"http://127.0.0.1:{port}"
    replies = httpx.post(f"{base}/3.0/json-rpc", content=batch(offers, customer_token), timeout=30).json()
    granted = [reply["result"]["accessGranted"] for reply in replies]
    direct = [
        httpx.get(f"{base}/mediastore/entitlements/{offer}", headers=_bearer(jwt), timeout=30).json()["responseData"][
            "accessGranted"
        ]
        for offer in offers
    ]
    assert granted == direct and sum(granted) == HELD, (granted, direct)


def run(args: argparse.Namespace) -> None:
    name = f"boxoffice_bench_jsonrpc_{uuid.uuid4().hex[:8]}"
    url = args.postgres_url.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin(args.postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        env = os.environ | {
            "BOXOFFICE_DATABASE_URL": url,
            "BOXOFFICE_SECRET_KEY": SECRET,
            "BOXOFFICE_LOG_LEVEL": "WARNING",
            "BOXOFFICE_AUTH_RATE_PER_IP": "100000/60",
            "BOXOFFICE_MEDIASTORE_TOKEN_TTL": "86400",
        }
        port = free_port()
        command = [sys.executable, "-m", "boxoffice.cli", "serve", "--port", str(port), "--no-migrate"]
        server = start_server([*command, "--workers", str(args.workers), "--no-worker"], env, port, "/readyz")
        try:
            offers, tokens = asyncio.run(seed(f"http://127.0.0.1:{port}", args.viewers))
            check_answers(port, offers, tokens)
            directory = Path(tempfile.mkdtemp())
            scripts = {
                "mediastore": mediastore_script(offers, tokens, directory),
                "jsonrpc": jsonrpc_script(offers, tokens, directory),
            }
            per_request = {"mediastore": 1, "jsonrpc": OFFERS}
            for script in scripts.values():
                wrk(port, 3, script, "/", CONNECTIONS, TIMEOUT)  # warm-up: every session and entitlement cached
            totals: dict[str, list[float]] = {"mediastore": [], "jsonrpc": []}
            print(f"{args.viewers} viewers, {OFFERS} offers, {args.workers} worker(s), {CONNECTIONS} connections")
            print(f"{'round':6} {'way':11} {'requests/s':>11} {'checks/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
            for round_ in (1, 2):
                for way, script in scripts.items():
                    rps, p50, p99, bad = wrk(port, args.seconds, script, "/", CONNECTIONS, TIMEOUT)
                    assert bad == 0, f"{bad} answers were not 200"
                    checks = rps * per_request[way]
                    totals[way].append(checks)
                    print(f"{round_:<6} {way:11} {rps:11,.0f} {checks:10,.0f} {p50:8.2f} {p99:8.2f}")
        finally:
            server.terminate()
            server.wait()
        mediastore, jsonrpc = (sum(totals[w]) / len(totals[w]) for w in ("mediastore", "jsonrpc"))
        verdict = "met" if jsonrpc >= mediastore else "missed"
        print(f"mean checks/s: MediaStore {mediastore:,.0f}, JSON-RPC {jsonrpc:,.0f}, ratio {jsonrpc / mediastore:.2f}")
        print(f"target: JSON-RPC at least as fast per call — {verdict}")
    finally:
        asyncio.run(admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
