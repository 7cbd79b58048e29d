"""The analytics endpoints and the transactions export on a large book, against plain counts of the same rows.

    python bench/analytics.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--scale 1.0]
                              [--requests 20] [--warmup 3] [--seed 42] [--skip-export-merchant]
                              [--keep | --reuse postgresql://…/boxoffice_bench_analytics_…]

Seeds a throwaway PostgreSQL database, every table in one server-side INSERT … SELECT over generate_series (the
values derived from hashes of the row's number, so two runs with the same --seed hold the same rows), across 50
merchants with a Zipf-like skew (rank r gets a share proportional to 1/r): 1,000,000 ledger transactions (the
charges of the succeeded payments, each with its two entries, and the refunds of about 3 % of the payments, each
with its own), 200,000 subscriptions, 300,000 customers (each with its registration record and 1-4 login
records) and 5,000,000 content requests. `--scale` multiplies every count (0.05 for a quick run).

Then, on the merchant of rank 1, in one app built in-process and called over httpx's ASGI transport (inside its
lifespan): each analytics endpoint, a few warm-up calls and then `--requests` timed ones, beside a floor timed the
same way on a raw asyncpg connection, a plain `SELECT count(*)` over the rows the answer is made from. Target:
every answer under 300 ms. Afterwards the CSV export of the merchant's transactions, by the CLI in a child process
(`boxoffice report transactions --merchant ID --output FILE`): its wall time, its peak RSS (its own, taken by a
launcher it is the child of: see LAUNCHER) and the rows written, beside a count(*) of its payments and refunds
and a plain COPY of the same rows.
Last (so it cannot disturb the timings above), one more merchant is seeded with exactly 1,000,000 ledger
transactions of the same shape (times --scale) and its export timed the same way. Targets: 60 s per million
ledger transactions (its rows are those plus the declined payments), peak RSS under 200 MB.

`--keep` keeps the database and prints its URL; `--reuse URL` times such a kept database again without seeding
(the export merchant is seeded into it if it lacks one and --skip-export-merchant is not given).
No assertion on time: the figures are printed, the targets marked met or missed.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import admin, raw_connection
from rich.console import Console
from rich.table import Table

from boxoffice.migrate import upgrade

MERCHANTS = 50
LEDGER_TRANSACTIONS = 1_000_000
SUBSCRIPTIONS = 200_000
CUSTOMERS = 300_000
CONTENT_REQUESTS = 5_000_000
EXPORT_TRANSACTIONS = 1_000_000  # the extra merchant's ledger transactions
EXPORT_CUSTOMERS = 100_000
EXPORT_SUBSCRIPTIONS = 20_000
DECLINED_SHARE, REFUNDED_SHARE = 0.08, 0.03  # of payments; ledger transactions = succeeded + refunded
TARGET_MS = 300.0
EXPORT_SECONDS_PER_MILLION, EXPORT_MEMORY_MB = 60.0, 200.0
SECRET_KEY = "bench-analytics-secret-key-not-for-production"
HISTORY_DAYS = 730  # customers, payments and subscriptions spread over two years

RANK_EMAIL = "bench-rank-{rank}@analytics.example.com"
EXPORT_EMAIL = "bench-export@analytics.example.com"

COUNTRIES = {
    "US": 25, "DE": 12, "GB": 10, "FR": 8, "ES": 6, "IT": 6, "NL": 5, "CA": 5, "BR": 5, "AU": 4, "IN": 4,
    "JP": 3, "SE": 3, "PL": 2, "MX": 2,
}  # fmt: skip
DEVICES = {"desktop": 45, "mobile": 35, "tablet": 10, "tv": 10}
OUTCOMES = {"granted": 90, "no_access": 6, "geo": 2, "age": 1, "domain": 1}
METHODS = {"card": 85, "paypal": 10, "sepa_debit": 5}
DECLINES = {"card_declined": 6, "insufficient_funds": 3, "expired_card": 1}
SOURCES = {"signup": 88, "merchant": 12}
# Subscription states: active, in trial, in dunning, cancelled but running to the period's end, over.
STATUSES = {"active": 55, "trialing": 8, "past_due": 7, "canceled": 10, "ended": 20}

# Every merchant's catalog: (title, asset type) per product, then its prices as
# (product index, kind, amount, currency, period unit, period quantity, access type id, description).
PRODUCTS = [
    ("All-access channel", "ovp_asset"),
    ("Feature film", "ovp_asset"),
    ("Concert replay", "ovp_asset"),
    ("Live final", "live_asset"),
    ("Weekly magazine", "html_asset"),
]
PRICES = [
    (0, "subscription", 999, "EUR", "month", 1, 7, "Monthly"),
    (0, "subscription", 1099, "USD", "month", 1, 7, "Monthly (USD)"),
    (0, "subscription", 9999, "EUR", "year", 1, 10, "Yearly"),
    (4, "subscription", 299, "USD", "week", 1, 6, "Weekly"),
    (1, "one_time", 499, "EUR", "day", 7, 3, "Rent for a week"),
    (2, "one_time", 399, "USD", "hour", 48, 2, "48 hours"),
    (3, "one_time", 1499, "EUR", "day", 30, 4, "Event pass"),
]
SUBSCRIPTION_PRICES = {0: 50, 1: 20, 2: 15, 3: 15}  # price index: weight
ONE_TIME_PRICES = {4: 40, 5: 35, 6: 25}
REQUESTED_PRODUCTS = {0: 40, 1: 20, 2: 15, 3: 15, 4: 10}

# Hash salts, one per derived value, so that the values of one row are independent of each other.
(
    S_CREATED, S_SOURCE, S_COUNTRY, S_DEVICE, S_LOGINS, S_LOGIN_AT, S_LOGIN_COUNTRY, S_ROAM, S_OS, S_BROWSER,
    S_SUB_CUSTOMER, S_SUB_PRICE, S_SUB_STATUS, S_SUB_PHASE, S_SUB_CYCLE, S_SUB_CANCEL, S_SUB_METHOD,
    S_PAY_SUB, S_PAY_PICK, S_PAY_CUSTOMER, S_PAY_PRICE, S_PAY_AT, S_PAY_METHOD, S_PAY_COUNTRY, S_PAY_KIND,
    S_DECLINE, S_REFUND_AT, S_REQ_PRODUCT, S_REQ_CUSTOMER, S_REQ_AT, S_REQ_OUTCOME, S_REQ_COUNT, S_IP,
    S_REFERRER,
) = range(1, 35)  # fmt: skip


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# The plan: how many rows of each kind every merchant gets, and where their ids start.


@dataclass
class Plan:
    email: str
    name: str
    customers: int
    subscriptions: int
    payments: int
    declined: int
    refunds: int
    requests: int
    # Filled in by `place`: the id before each block of this merchant's rows.
    merchant_id: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def ledger(self) -> int:
        return self.payments - self.declined + self.refunds


def split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` in whole parts proportional to `weights` (largest remainders), summing to `total` exactly."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def payments_for(ledger: int) -> tuple[int, int, int]:
    """(payments, declined, refunds) whose succeeded payments and refunds make exactly `ledger` transactions."""
    if ledger <= 0:
        return 0, 0, 0
    payments = max(1, round(ledger / (1 - DECLINED_SHARE + REFUNDED_SHARE)))
    refunds = min(round(REFUNDED_SHARE * payments), ledger // 2)
    succeeded = ledger - refunds
    payments = max(payments, succeeded)
    return payments, payments - succeeded, refunds


def merchant_plans(scale: float) -> list[Plan]:
    weights = [1 / rank for rank in range(1, MERCHANTS + 1)]
    ledgers = split(round(LEDGER_TRANSACTIONS * scale), weights)
    customers = split(round(CUSTOMERS * scale), weights)
    subscriptions = split(round(SUBSCRIPTIONS * scale), weights)
    requests = split(round(CONTENT_REQUESTS * scale), weights)
    plans = []
    for rank in range(1, MERCHANTS + 1):
        i = rank - 1
        payments, declined, refunds = payments_for(ledgers[i])
        plans.append(
            Plan(
                RANK_EMAIL.format(rank=rank),
                f"Publisher {rank}",
                max(customers[i], 1),
                subscriptions[i],
                payments,
                declined,
                refunds,
                requests[i],
            )
        )
    return plans


def export_plan(scale: float) -> Plan:
    payments, declined, refunds = payments_for(round(EXPORT_TRANSACTIONS * scale))
    customers = max(round(EXPORT_CUSTOMERS * scale), 1)
    return Plan(EXPORT_EMAIL, "Export publisher", customers, round(EXPORT_SUBSCRIPTIONS * scale), payments, declined,
                refunds, 0)  # fmt: skip


# SQL fragments: uniform numbers from hashes, weighted picks.


def u(key: str, salt: int, seed: int) -> str:
    """A number in [0, 1) from a hash of `key`: 52 bits, exact in a float8."""
    bits = f"hashint8extended(({key})::bigint, {seed * 1000 + salt}) & 4503599627370495"
    return f"(({bits})::float8 / 4503599627370496.0)"


def pick(uniform: str, weights: dict[Any, int]) -> str:
    """One of the keys, with the given weights, by a uniform number: an index into an array spelled out."""
    values = [key for key, weight in weights.items() for _ in range(weight)]
    if all(isinstance(v, int) for v in values):
        array = f"ARRAY[{','.join(str(v) for v in values)}]::int[]"
    else:
        array = "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]::text[]"
    return f"({array})[1 + floor({uniform} * {len(values)})::int]"


def skewed(lo: str, n: str, uniform: str) -> str:
    """An id in lo+1 … lo+n, the first ones far more often than the last (density ∝ 1/sqrt): heavy users."""
    return f"({lo} + 1 + least({n} - 1, floor({n} * ({uniform}) ^ 2))::bigint)"


def ip(key: str, seed: int) -> str:
    h = f"hashint8extended(({key})::bigint, {seed * 1000 + S_IP})"
    return f"('10.' || (({h} >> 16) & 255) || '.' || (({h} >> 8) & 255) || '.' || ({h} & 255))"


# Seeding.


async def place(connection: Any, plans: list[Plan]) -> None:
    """Give each plan its blocks of ids, after whatever the tables already hold."""
    tables = ["merchants", "customers", "products", "prices", "subscriptions", "payments", "refunds"]
    tables += ["ledger_transactions"]
    next_id = {t: await connection.fetchval(f"SELECT coalesce(max(id), 0) FROM {t}") for t in tables}
    requests = 0
    sizes = {"products": len(PRODUCTS), "prices": len(PRICES)}
    for plan in plans:
        plan.merchant_id = next_id["merchants"] + 1
        next_id["merchants"] += 1
        counts = {
            "customers": plan.customers,
            "subscriptions": plan.subscriptions,
            "payments": plan.payments,
            "refunds": plan.payments,  # a refund's id follows its payment's: gaps, no collisions
            "ledger_transactions": 2 * plan.payments,  # charge 2i-1, refund 2i
            **sizes,
        }
        plan.ids = {table: next_id[table] for table in counts}
        plan.ids["requests"] = requests  # content requests take ids from their sequence; this keys their hashes
        for table, count in counts.items():
            next_id[table] += count
        requests += plan.requests


async def seed(url: str, plans: list[Plan], now: datetime, seed_value: int) -> None:
    connection = await raw_connection(url)
    try:
        await connection.execute("SET synchronous_commit = off; SET work_mem = '256MB'")
        async with connection.transaction():
            await place(connection, plans)
            await seed_rows(connection, plans, now, seed_value)
    finally:
        await connection.close()


async def seed_rows(connection: Any, plans: list[Plan], now: datetime, seed_value: int) -> None:
    def h(key: str, salt: int) -> str:
        return u(key, salt, seed_value)

    ts = f"TIMESTAMP '{now.isoformat(sep=' ')}'"
    history = f"interval '{HISTORY_DAYS} days'"

    def created(cid: str) -> str:
        return f"date_trunc('second', {ts} - {h(cid, S_CREATED)} * {history})"

    await connection.execute(
        "CREATE TEMP TABLE bench_plan (merchant_id bigint, uuid text, cust_lo bigint, cust_n bigint, sub_lo bigint,"
        " sub_n bigint, pay_lo bigint, pay_n bigint, pay_declined bigint, pay_refunds bigint, refund_lo bigint,"
        " ledger_lo bigint, req_lo bigint, req_n bigint, prod_lo bigint, price_lo bigint) ON COMMIT DROP"
    )
    await connection.executemany(
        "INSERT INTO bench_plan VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        [
            (
                p.merchant_id,
                str(uuid.uuid5(uuid.NAMESPACE_URL, p.email)),
                p.ids["customers"],
                p.customers,
                p.ids["subscriptions"],
                p.subscriptions,
                p.ids["payments"],
                p.payments,
                p.declined,
                p.refunds,
                p.ids["refunds"],
                p.ids["ledger_transactions"],
                p.ids["requests"],
                p.requests,
                p.ids["products"],
                p.ids["prices"],
            )
            for p in plans
        ],
    )
    steps: list[tuple[str, str]] = []
    steps.append(
        (
            "merchants",
            "INSERT INTO merchants (id, uuid, email, full_name, password_hash, client_secret, active, created_at,"
            " updated_at)"
            f" SELECT p.merchant_id, p.uuid, x.email, x.name, 'not-a-hash', md5('secret' || p.uuid), true,"
            f" {ts} - {history}, {ts} - {history}"
            " FROM bench_plan p JOIN unnest($1::bigint[], $2::text[], $3::text[]) AS x(id, email, name)"
            " ON x.id = p.merchant_id",
        )
    )
    products = ", ".join(f"({i}, '{title}', '{kind}')" for i, (title, kind) in enumerate(PRODUCTS))
    steps.append(
        (
            "products",
            "INSERT INTO products (id, merchant_id, kind, asset_type, title, access_control, content, metadata,"
            " active, plan_switch_enabled, custom_price_enabled, created_at, updated_at)"
            f" SELECT p.prod_lo + 1 + c.i, p.merchant_id, 'asset', c.kind, c.title, 'paid', '', '{{}}', true, false,"
            f" false, {ts} - {history}, {ts} - {history} FROM bench_plan p, (VALUES {products}) AS c(i, title, kind)",
        )
    )
    prices = ", ".join(
        f"({i}, {product}, '{kind}', {amount}, '{currency}', '{unit}', {quantity}, {access_type}, '{description}')"
        for i, (product, kind, amount, currency, unit, quantity, access_type, description) in enumerate(PRICES)
    )
    steps.append(
        (
            "prices",
            "INSERT INTO prices (id, merchant_id, product_id, kind, amount, currency, description, period_unit,"
            " period_quantity, access_type_id, active, created_at, updated_at)"
            " SELECT p.price_lo + 1 + c.i, p.merchant_id, p.prod_lo + 1 + c.product, c.kind, c.amount, c.currency,"
            f" c.description, c.unit, c.quantity, c.access_type, true, {ts} - {history}, {ts} - {history}"
            f" FROM bench_plan p, (VALUES {prices}) AS c(i, product, kind, amount, currency, unit, quantity,"
            " access_type, description)",
        )
    )
    steps.append(
        (
            "customers",
            "INSERT INTO customers (id, merchant_id, uuid, email, full_name, metadata, register_source, active,"
            " created_at, updated_at)"
            " SELECT c, p.merchant_id, md5('customer' || c)::uuid::text, 'viewer' || c || '@example.com',"
            f" 'Viewer ' || c, '{{}}', {pick(h('c', S_SOURCE), SOURCES)}, true, {created('c')}, {created('c')}"
            " FROM bench_plan p, generate_series(p.cust_lo + 1, p.cust_lo + p.cust_n) AS c",
        )
    )

    def home(cid: str) -> str:
        """A customer's country: where it registered, subscribes from and mostly signs in from."""
        return pick(h(cid, S_COUNTRY), COUNTRIES)

    steps.append(
        (
            "registration_records",
            "INSERT INTO registration_records (merchant_id, customer_id, registered_at, source, ip_address,"
            " country_code, device_type, device_os, device_model, referrer)"
            f" SELECT p.merchant_id, c, {created('c')}, {pick(h('c', S_SOURCE), SOURCES)}, {ip('c', seed_value)},"
            f" {home('c')}, {pick(h('c', S_DEVICE), DEVICES)}, NULL, NULL,"
            f" CASE WHEN {h('c', S_REFERRER)} < 0.2 THEN 'https://www.google.com/' END"
            " FROM bench_plan p, generate_series(p.cust_lo + 1, p.cust_lo + p.cust_n) AS c",
        )
    )
    login = "(l.c * 4 + l.k)"
    steps.append(
        (
            "login_records",
            "INSERT INTO login_records (merchant_id, customer_id, logged_in_at, ip_address, country_code,"
            " device_type, device_os, device_model, browser, client_id, referrer)"
            f" SELECT l.merchant_id, l.c, date_trunc('second', l.registered + {h(login, S_LOGIN_AT)} * ({ts} -"
            f" l.registered)), {ip(login, seed_value)},"
            f" CASE WHEN {h(login, S_ROAM)} < 0.9 THEN {home('l.c')} ELSE {pick(h(login, S_LOGIN_COUNTRY), COUNTRIES)}"
            " END, l.device_type, CASE l.device_type"
            f"  WHEN 'desktop' THEN {pick(h(login, S_OS), {'Windows': 6, 'Mac OS X': 3, 'Linux': 1})}"
            f"  WHEN 'mobile' THEN {pick(h(login, S_OS), {'iOS': 5, 'Android': 5})}"
            f"  WHEN 'tablet' THEN {pick(h(login, S_OS), {'iPadOS': 6, 'Android': 4})}"
            f"  ELSE {pick(h(login, S_OS), {'tvOS': 3, 'Android TV': 4, 'Tizen': 3})} END,"
            f" NULL, {pick(h(login, S_BROWSER), {'Chrome': 6, 'Safari': 3, 'Firefox': 1})}, l.uuid, NULL"
            f" FROM (SELECT p.merchant_id, p.uuid, c, k, {created('c')} AS registered,"
            f"  {pick(h('c * 4 + k', S_DEVICE), DEVICES)} AS device_type"
            "  FROM bench_plan p, generate_series(p.cust_lo + 1, p.cust_lo + p.cust_n) AS c,"
            f"  generate_series(1, 1 + floor({h('c', S_LOGINS)} * 4)::int) AS k OFFSET 0) AS l",
        )
    )
    period = "(pr.period_quantity || ' ' || pr.period_unit)::interval"
    steps.append(
        (
            "subscriptions",
            "INSERT INTO subscriptions (id, merchant_id, customer_id, product_id, price_id, status, amount, currency,"
            " period_unit, period_quantity, credit, cycle, period_paid, current_period_start, current_period_end,"
            " trial_ends_at, due_at, dunning_attempts, canceled_at, ended_at, gateway, method, gateway_customer_ref,"
            " gateway_method, cancel_token, country_code, created_at, updated_at)"
            " SELECT s.id, s.merchant_id, s.customer_id, pr.product_id, pr.id, s.status, pr.amount, pr.currency,"
            "  pr.period_unit, pr.period_quantity, 0, s.cycle,"
            "  CASE WHEN s.status = 'trialing' THEN 0 ELSE pr.amount END, t.start, t.end_,"
            "  CASE WHEN s.status = 'trialing' THEN t.end_ END,"
            "  CASE s.status WHEN 'ended' THEN NULL WHEN 'past_due' THEN t.end_ + s.dunning * interval '1 day'"
            "   ELSE t.end_ END,"
            "  s.dunning,"
            "  CASE WHEN s.status IN ('canceled', 'ended') THEN date_trunc('second', t.start + s.cancel *"
            f"   (least(t.end_, {ts}) - t.start)) END,"
            "  CASE WHEN s.status = 'ended' THEN t.end_ END,"
            "  'stripe', s.method, 'cus_bench_' || s.customer_id, 'pm_bench_' || s.customer_id,"
            f"  md5('cancel' || s.id), {home('s.customer_id')}, t.start - greatest(s.cycle - 1, 0) * {period},"
            f"  {ts}"
            " FROM (SELECT a.*, CASE WHEN a.status = 'trialing' THEN 0 ELSE a.paid END AS cycle,"
            "   CASE WHEN a.status = 'past_due' THEN a.tries ELSE 0 END AS dunning"
            f"  FROM (SELECT p.merchant_id, i AS id, {skewed('p.cust_lo', 'p.cust_n', h('i', S_SUB_CUSTOMER))}"
            f"    AS customer_id, p.price_lo + 1 + {pick(h('i', S_SUB_PRICE), SUBSCRIPTION_PRICES)} AS price_id,"
            f"    {pick(h('i', S_SUB_STATUS), STATUSES)} AS status, {h('i', S_SUB_PHASE)} AS phase,"
            f"    1 + floor({h('i', S_SUB_CYCLE)} * 12)::int AS paid, {h('i', S_SUB_CANCEL)} AS cancel,"
            f"    1 + floor({h('i', S_SUB_CANCEL)} * 3)::int AS tries, {pick(h('i', S_SUB_METHOD), METHODS)} AS method"
            "   FROM bench_plan p, generate_series(p.sub_lo + 1, p.sub_lo + p.sub_n) AS i OFFSET 0) AS a) AS s"
            " JOIN prices pr ON pr.id = s.price_id"
            " CROSS JOIN LATERAL (SELECT x.start, x.start + CASE WHEN s.status = 'trialing' THEN interval '14 days'"
            f"   ELSE {period} END AS end_ FROM (SELECT date_trunc('second', CASE s.status"
            f"    WHEN 'trialing' THEN {ts} - s.phase * interval '14 days'"
            f"    WHEN 'past_due' THEN {ts} - {period} - s.phase * interval '3 days'"
            f"    WHEN 'ended' THEN {ts} - {period} - s.phase * interval '365 days'"
            f"    ELSE {ts} - s.phase * {period} END) AS start) AS x) AS t",
        )
    )
    # Payments: staged first (which ones are declined and which refunded is decided here, exactly as many as
    # planned, spread evenly over each merchant's), then the ledger, the payments and the refunds from the stage.
    steps.append(
        (
            "payments (stage)",
            "CREATE TEMP TABLE bench_payments ON COMMIT DROP AS"
            " SELECT b.merchant_id, b.id, b.charge_id, b.refund_ledger_id, b.refund_id, b.declined,"
            "  NOT b.declined AND (b.j * b.pay_refunds) / b.succeeded > ((b.j - 1) * b.pay_refunds) / b.succeeded"
            "   AS refunded,"
            "  coalesce(s.customer_id, b.buyer) AS customer_id, pr.product_id, pr.id AS price_id, s.id AS"
            "  subscription_id, CASE WHEN s.id IS NULL THEN 'purchase' WHEN b.kind_u < 0.3 THEN 'subscription'"
            "  ELSE 'renewal' END AS kind, pr.amount, pr.currency, b.method, b.country_code, b.created_at,"
            "  least(b.now, date_trunc('second', b.created_at + b.refund_u * interval '14 days')) AS refunded_at,"
            "  b.decline_code"
            " FROM (SELECT p.merchant_id, p.pay_lo + i AS id, p.ledger_lo + 2 * i - 1 AS charge_id,"
            "   p.ledger_lo + 2 * i AS refund_ledger_id, p.refund_lo + i AS refund_id, p.pay_refunds,"
            "   (i * p.pay_declined) / p.pay_n > ((i - 1) * p.pay_declined) / p.pay_n AS declined,"
            "   i - (i * p.pay_declined) / p.pay_n AS j, greatest(p.pay_n - p.pay_declined, 1) AS succeeded,"
            f"   CASE WHEN p.sub_n > 0 AND {h('p.pay_lo + i', S_PAY_PICK)} < 0.6"
            f"    THEN p.sub_lo + 1 + floor(p.sub_n * {h('p.pay_lo + i', S_PAY_SUB)})::bigint END AS sub_pick,"
            f"   {skewed('p.cust_lo', 'p.cust_n', h('p.pay_lo + i', S_PAY_CUSTOMER))} AS buyer,"
            f"   p.price_lo + 1 + {pick(h('p.pay_lo + i', S_PAY_PRICE), ONE_TIME_PRICES)} AS one_time_price,"
            f"   date_trunc('second', {ts} - {h('p.pay_lo + i', S_PAY_AT)} * {history}) AS created_at,"
            f"   {pick(h('p.pay_lo + i', S_PAY_METHOD), METHODS)} AS method,"
            f"   {pick(h('p.pay_lo + i', S_PAY_COUNTRY), COUNTRIES)} AS country_code,"
            f"   {pick(h('p.pay_lo + i', S_DECLINE), DECLINES)} AS decline_code,"
            f"   {h('p.pay_lo + i', S_PAY_KIND)} AS kind_u, {h('p.pay_lo + i', S_REFUND_AT)} AS refund_u, {ts} AS now"
            "  FROM bench_plan p, generate_series(1, p.pay_n) AS i OFFSET 0) AS b"
            " LEFT JOIN subscriptions s ON s.id = b.sub_pick"
            " JOIN prices pr ON pr.id = coalesce(s.price_id, b.one_time_price)",
        )
    )
    steps.append(
        (
            "ledger_transactions",
            "INSERT INTO ledger_transactions (id, merchant_id, kind, reference, created_at)"
            " SELECT id, merchant_id, kind, reference, created_at FROM ("
            "  SELECT charge_id AS id, merchant_id, 'charge' AS kind, 'payment:' || id AS reference, created_at"
            "  FROM bench_payments WHERE NOT declined"
            "  UNION ALL SELECT refund_ledger_id, merchant_id, 'refund', 'refund:' || refund_id, refunded_at"
            "  FROM bench_payments WHERE refunded) AS t ORDER BY id",
        )
    )
    steps.append(
        (
            "ledger_entries",
            "INSERT INTO ledger_entries (merchant_id, transaction_id, account, customer_id, currency, amount)"
            " SELECT merchant_id, transaction_id, account, customer_id, currency, amount FROM ("
            "  SELECT b.merchant_id, b.charge_id AS transaction_id, a.account, CASE WHEN a.own THEN b.customer_id"
            "  END AS customer_id, b.currency, a.sign * b.amount::bigint AS amount, a.n"
            "  FROM bench_payments b, (VALUES ('revenue', -1, true, 1), ('gateway_clearing', 1, false, 2))"
            "  AS a(account, sign, own, n) WHERE NOT b.declined"
            "  UNION ALL"
            "  SELECT b.merchant_id, b.refund_ledger_id, a.account, CASE WHEN a.own THEN b.customer_id END,"
            "  b.currency, a.sign * b.amount::bigint, a.n"
            "  FROM bench_payments b, (VALUES ('refunds', 1, true, 1), ('gateway_clearing', -1, false, 2))"
            "  AS a(account, sign, own, n) WHERE b.refunded) AS e ORDER BY transaction_id, n",
        )
    )
    steps.append(
        (
            "payments",
            "INSERT INTO payments (id, merchant_id, customer_id, product_id, price_id, kind, subscription_id,"
            " idempotency_key, amount, currency, discount, credit_used, gateway, method, gateway_customer_ref,"
            " gateway_method, gateway_charge_id, status, decline_code, ledger_transaction_id, refunded, country_code,"
            " created_at, updated_at)"
            " SELECT id, merchant_id, customer_id, product_id, price_id, kind, subscription_id,"
            " 'bench-payment-' || id, amount, currency, 0, 0, 'stripe', method, 'cus_bench_' || customer_id,"
            " 'pm_bench_' || customer_id, 'ch_bench_' || id, CASE WHEN declined THEN 'declined' ELSE 'succeeded' END,"
            " CASE WHEN declined THEN decline_code END, CASE WHEN NOT declined THEN charge_id END,"
            " CASE WHEN refunded THEN amount ELSE 0 END, country_code, created_at,"
            " CASE WHEN refunded THEN refunded_at ELSE created_at END"
            " FROM bench_payments ORDER BY id",
        )
    )
    steps.append(
        (
            "refunds",
            "INSERT INTO refunds (id, merchant_id, payment_id, idempotency_key, amount, currency, reason, status,"
            " gateway_refund_id, ledger_transaction_id, created_at)"
            " SELECT refund_id, merchant_id, id, 'bench-refund-' || refund_id, amount, currency,"
            " 'requested_by_customer', 'succeeded', 're_bench_' || refund_id, refund_ledger_id, refunded_at"
            " FROM bench_payments WHERE refunded ORDER BY refund_id",
        )
    )
    k = "(p.req_lo + i)"
    steps.append(
        (
            "content_requests",
            "INSERT INTO content_requests (merchant_id, product_id, customer_id, requested_at, outcome, ip_address,"
            " country_code, device_type, device_os, referrer, request_count)"
            f" SELECT p.merchant_id, p.prod_lo + 1 + {pick(h(k, S_REQ_PRODUCT), REQUESTED_PRODUCTS)},"
            f" {skewed('p.cust_lo', 'p.cust_n', h(k, S_REQ_CUSTOMER))},"
            f" date_trunc('second', {ts} - {h(k, S_REQ_AT)} * interval '365 days'),"
            f" {pick(h(k, S_REQ_OUTCOME), OUTCOMES)}, {ip(k, seed_value)}, {pick(h(k, S_COUNTRY), COUNTRIES)},"
            f" {pick(h(k, S_DEVICE), DEVICES)}, NULL,"
            f" CASE WHEN {h(k, S_REFERRER)} < 0.3 THEN 'https://publisher.example.com/watch' END,"
            f" CASE WHEN {h(k, S_REQ_COUNT)} < 0.9 THEN 1 ELSE 2 + floor(({h(k, S_REQ_COUNT)} - 0.9) * 50)::int END"
            " FROM bench_plan p, generate_series(1, p.req_n) AS i",
        )
    )
    for name, statement in steps:
        started = time.monotonic()
        if name == "merchants":
            status = await connection.execute(
                statement, [p.merchant_id for p in plans], [p.email for p in plans], [p.name for p in plans]
            )
        else:
            status = await connection.execute(statement)
        rows = status.rsplit(" ", 1)[-1]
        rows_text = f"{int(rows):>10,}" if rows.isdigit() else f"{'':>10}"
        print(f"  {name:22} {rows_text} rows  {time.monotonic() - started:6.1f} s", flush=True)
    for table in ("merchants", "customers", "products", "prices", "subscriptions", "payments", "refunds"):
        await connection.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    await connection.execute("SELECT setval('ledger_transactions_id_seq', (SELECT max(id) FROM ledger_transactions))")


SEEDED_TABLES = [
    "merchants", "customers", "registration_records", "login_records", "products", "prices", "subscriptions",
    "payments", "refunds", "ledger_transactions", "ledger_entries", "content_requests",
]  # fmt: skip


async def settle(url: str) -> None:
    """Hint bits, statistics and the visibility map (index-only scans) before anything is timed."""
    await admin(url, f"VACUUM ANALYZE {', '.join(SEEDED_TABLES)}", "CHECKPOINT")


# Timing.


@dataclass
class Timing:
    name: str
    status: int | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)
    floor_rows: int = 0
    floor_samples: list[float] = field(default_factory=list)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


async def sample(call: Callable[[], Awaitable[object]], warmup: int, times: int) -> list[float]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


@dataclass
class Targets:
    merchant_id: int
    viewer_id: int  # the merchant's customer with the most content requests
    buyer_id: int  # … with the most payments
    start: datetime
    end: datetime


async def targets(connection: Any, merchant_id: int) -> Targets:
    viewer = await connection.fetchval(
        "SELECT customer_id FROM content_requests WHERE merchant_id = $1 AND customer_id IS NOT NULL"
        " GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1",
        merchant_id,
    )
    buyer = await connection.fetchval(
        "SELECT customer_id FROM payments WHERE merchant_id = $1 GROUP BY customer_id"
        " ORDER BY count(*) DESC, customer_id LIMIT 1",
        merchant_id,
    )
    end = utcnow()
    return Targets(merchant_id, viewer or 0, buyer or 0, end - timedelta(days=365), end)


def endpoints(t: Targets) -> list[tuple[str, str, dict[str, str], str, tuple[Any, ...]]]:
    """(label, path, query, floor statement, floor arguments)."""
    m = t.merchant_id
    stamp = "%Y-%m-%d %H:%M:%S"
    subscriptions = "SELECT count(*) FROM subscriptions WHERE merchant_id = $1"
    return [
        ("customers/logins", "/v2/analytics/customers/logins", {},
         "SELECT count(*) FROM login_records WHERE merchant_id = $1", (m,)),
        ("customers/registrations", "/v2/analytics/customers/registrations", {},
         "SELECT count(*) FROM registration_records WHERE merchant_id = $1", (m,)),
        (f"customers/{{id}}/activity ({t.viewer_id})", f"/v2/analytics/customers/{t.viewer_id}/activity", {},
         "SELECT count(*) FROM content_requests WHERE merchant_id = $1 AND customer_id = $2", (m, t.viewer_id)),
        (f"customers/{{id}}/lifetime ({t.buyer_id})", f"/v2/analytics/customers/{t.buyer_id}/lifetime", {},
         "SELECT count(*) FROM payments WHERE merchant_id = $1 AND customer_id = $2", (m, t.buyer_id)),
        ("payments (last year)", "/v2/analytics/payments",
         {"start_date": t.start.strftime(stamp), "end_date": t.end.strftime(stamp)},
         "SELECT count(*) FROM payments WHERE merchant_id = $1 AND created_at BETWEEN $2 AND $3", (m, t.start, t.end)),
        ("subscriptions by price", "/v2/analytics/subscriptions", {"grouped_by": "price"}, subscriptions, (m,)),
        ("subscriptions by item", "/v2/analytics/subscriptions", {"grouped_by": "item"}, subscriptions, (m,)),
        ("subscriptions by country", "/v2/analytics/subscriptions", {"grouped_by": "country"}, subscriptions, (m,)),
        ("subscriptions DE by price", "/v2/analytics/subscriptions", {"country_code": "DE", "grouped_by": "price"},
         "SELECT count(*) FROM subscriptions WHERE merchant_id = $1 AND country_code = 'DE'", (m,)),
    ]  # fmt: skip


async def merchant_token(app: Any, merchant_id: int) -> str:
    """A merchant's access token, as a sign-in issues it (a session row and a JWT signed with the secret key)."""
    from boxoffice.identity.authentication import start_session
    from boxoffice.identity.models import Merchant
    from boxoffice.kit.client_info import ClientInfo, Device
    from boxoffice.kit.db import transaction

    async with transaction(app.state.sessions) as session:
        merchant = await session.get(Merchant, merchant_id)
        assert merchant is not None
        client = ClientInfo(None, None, Device("desktop", None, None, None), "bench/analytics")
        issued = await start_session(session, app.state.settings, merchant, None, client, record_login=False)
    return issued.access_token


async def time_analytics(url: str, t: Targets, reports_dir: Path, warmup: int, times: int) -> list[Timing]:
    from boxoffice.app import create_app
    from boxoffice.kit.settings import Settings

    settings = Settings(
        _env_file=None,
        database_url=url,
        secret_key=SECRET_KEY,
        public_url="http://bench",
        reports_dir=reports_dir,
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
            auth = {"Authorization": f"Bearer {await merchant_token(app, t.merchant_id)}"}
            for label, path, query, floor, floor_args in endpoints(t):
                timing = Timing(label)
                first = await http.get(path, params=query, headers=auth)
                timing.status = first.status_code
                if first.status_code == 200:

                    async def call(path: str = path, query: dict[str, str] = query) -> None:
                        response = await http.get(path, params=query, headers=auth)
                        if response.status_code != 200:
                            raise SystemExit(f"{path}: {response.status_code} after 200: {response.text[:300]}")

                    timing.samples = await sample(call, max(warmup - 1, 0), times)
                    timing.note = f"{len(first.content):,} bytes"
                else:
                    timing.note = first.text[:60].replace("\n", " ")
                timing.floor_rows = await connection.fetchval(floor, *floor_args)

                async def count(floor: str = floor, floor_args: tuple[Any, ...] = floor_args) -> None:
                    await connection.fetchval(floor, *floor_args)

                timing.floor_samples = await sample(count, warmup, times)
                results.append(timing)
    finally:
        await connection.close()
    return results


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:,.1f}"


def analytics_table(timings: list[Timing], times: int) -> Table:
    table = Table(title=f"Analytics endpoints ({times} timed calls each, after warm-up); floor: count(*) of the rows")
    columns = ("endpoint", "HTTP", "median ms", "p95 ms", "floor rows", "floor ms", "ratio", "p95 < 300 ms", "note")
    for column in columns:
        table.add_column(column, justify="left" if column in ("endpoint", "note") else "right")
    for t in timings:
        median = statistics.median(t.samples) if t.samples else float("nan")
        p95 = percentile(t.samples, 0.95)
        floor = statistics.median(t.floor_samples) if t.floor_samples else float("nan")
        ratio = f"{median / floor:,.1f}x" if t.samples and floor > 0 else "-"
        met = "-" if not t.samples else ("yes" if p95 * 1000 < TARGET_MS else "NO")
        status = str(t.status) if t.status == 200 else f"[red]{t.status}[/red]"
        table.add_row(t.name, status, ms(median), ms(p95), f"{t.floor_rows:,}", ms(floor), ratio, met, t.note)
    return table


# The export, in a child process of its own.


@dataclass
class Export:
    label: str
    merchant_id: int
    returncode: int | None = None
    seconds: float = float("nan")
    peak_kib: int = 0
    rows: int = 0
    message: str = ""
    floor_rows: int = 0
    floor_seconds: float = float("nan")
    copy_seconds: float = float("nan")
    ledger: int = 0  # its ledger transactions: the budget is 60 s per million of them


# Linux counts the memory of the process a child was started from as the child's own peak (the high-water mark
# of the address space it was forked or vforked from is carried across exec), so a child of this process, which
# holds the seeding's and the analytics' memory, would report this process's peak rather than its own. The CLI
# is started by a small launcher instead, whose child it is: the launcher reports the CLI's own peak RSS and wall
# time, in KiB and seconds, on the file given first.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_maxrss} {time.perf_counter() - started}")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def wait_killing_after(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Wait for the launcher; past `timeout`, kill it and the CLI (its session) outright."""
    killer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
    killer.start()
    try:
        return process.wait()
    finally:
        killer.cancel()


def count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


def run_cli(url: str, arguments: list[str], workdir: Path, name: str, timeout: float) -> tuple[int, float, int, str]:
    """Run `boxoffice ARGUMENTS` in a child process: (exit code, wall seconds, peak RSS in KiB, its last words)."""
    command = [str(Path(sys.executable).with_name("boxoffice")), *arguments]
    env = os.environ | {
        "BOXOFFICE_DATABASE_URL": url,
        "BOXOFFICE_SECRET_KEY": SECRET_KEY,
        "BOXOFFICE_REPORTS_DIR": str(workdir / "reports"),
        "BOXOFFICE_LOG_LEVEL": "WARNING",
    }
    stderr_path, usage_path = workdir / f"{name}.stderr", workdir / f"{name}.usage"
    usage_path.unlink(missing_ok=True)
    with stderr_path.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(usage_path), *command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        returncode = wait_killing_after(process, timeout)
        seconds = time.perf_counter() - started
    peak_kib = 0
    if usage_path.exists():  # not when the launcher was killed
        peak, own_seconds = usage_path.read_text().split()
        peak_kib, seconds = int(peak), float(own_seconds)
    message = ""
    if returncode != 0:
        # The last line that says something (typer frames its errors in boxes, a progress bar redraws with \r).
        lines = stderr_path.read_text(errors="replace").replace("\r", "\n").splitlines()
        said = [text for line in lines if (text := line.strip(" │╭╮╰╯─┃━"))]
        message = said[-1][:100] if said else ""
    return returncode, seconds, peak_kib, message


def run_export(url: str, export: Export, workdir: Path, timeout: float) -> None:
    output = workdir / f"transactions-{export.merchant_id}.csv"
    output.unlink(missing_ok=True)
    arguments = ["report", "transactions", "--merchant", str(export.merchant_id), "--output", str(output)]
    export.returncode, export.seconds, export.peak_kib, export.message = run_cli(
        url, arguments, workdir, f"export-{export.merchant_id}", timeout
    )
    if output.exists():
        export.rows = max(count_lines(output) - 1, 0)  # less the header
        output.unlink()


async def export_floors(url: str, export: Export, workdir: Path, warmup: int, times: int) -> None:
    connection = await raw_connection(url)
    count = (
        "SELECT (SELECT count(*) FROM payments WHERE merchant_id = $1)"
        " + (SELECT count(*) FROM refunds WHERE merchant_id = $1)"
    )
    try:
        export.floor_rows = await connection.fetchval(count, export.merchant_id)
        export.ledger = await connection.fetchval(
            "SELECT count(*) FROM ledger_transactions WHERE merchant_id = $1", export.merchant_id
        )
        samples = await sample(lambda: connection.fetchval(count, export.merchant_id), warmup, max(times // 4, 3))
        export.floor_seconds = statistics.median(samples)
        target = workdir / "copy-floor.csv"
        started = time.perf_counter()
        for table in ("payments", "refunds"):
            await connection.copy_from_query(
                f"SELECT * FROM {table} WHERE merchant_id = $1 ORDER BY created_at",
                export.merchant_id,
                output=str(target),
                format="csv",
                header=True,
            )
        export.copy_seconds = time.perf_counter() - started
        target.unlink(missing_ok=True)
    finally:
        await connection.close()


def export_table(exports: list[Export]) -> Table:
    table = Table(
        title="Transactions export (boxoffice report transactions, child process); floors: count(*) of its payments"
        " + refunds, and a plain COPY of them to CSV"
    )
    columns = ["merchant", "ledger tx", "exit", "rows", "wall s", "rows/s", "peak RSS MB", "floor rows", "count(*) ms"]
    columns += ["COPY s", "COPY rows/s", "ratio to COPY", "target", "note"]
    for column in columns:
        table.add_column(column, justify="left" if column in ("merchant", "note", "target") else "right")
    for e in exports:
        ok = e.returncode == 0
        rate = f"{e.rows / e.seconds:,.0f}" if ok and e.seconds > 0 else "-"
        copy_rate = f"{e.floor_rows / e.copy_seconds:,.0f}" if e.copy_seconds > 0 else "-"
        ratio = f"{e.seconds / e.copy_seconds:,.1f}x" if ok and e.copy_seconds > 0 else "-"
        mb = e.peak_kib / 1024
        if ok:
            # The time target is for a million ledger transactions; below that the CLI's start dominates.
            budget = EXPORT_SECONDS_PER_MILLION * e.ledger / 1_000_000
            timed = f"{'met' if e.seconds <= budget else 'MISSED'} (<= {budget:,.0f} s), " if e.ledger >= 1e6 else ""
            target = f"{timed}{'met' if mb < EXPORT_MEMORY_MB else 'MISSED'} (< {EXPORT_MEMORY_MB:.0f} MB)"
        else:
            target = "-"
        exit_text = str(e.returncode) if ok else f"[red]{e.returncode}[/red]"
        note = e.message if not ok else ("" if e.rows == e.floor_rows else f"rows != floor rows ({e.floor_rows:,})")
        table.add_row(
            f"{e.label} ({e.merchant_id})",
            f"{e.ledger:,}",
            exit_text,
            f"{e.rows:,}",
            f"{e.seconds:,.1f}",
            rate,
            f"{mb:,.0f}",
            f"{e.floor_rows:,}",
            ms(e.floor_seconds),
            f"{e.copy_seconds:,.1f}",
            copy_rate,
            ratio,
            target,
            note,
        )
    return table


# The run.


async def merchant_by_email(url: str, email: str) -> int | None:
    connection = await raw_connection(url)
    try:
        found: int | None = await connection.fetchval("SELECT id FROM merchants WHERE email = $1", email)
        return found
    finally:
        await connection.close()


async def book_summary(url: str, merchant_id: int) -> dict[str, tuple[int, int]]:
    """Rows per table: (the merchant's, all)."""
    connection = await raw_connection(url)
    try:
        summary = {}
        tables = ["customers", "login_records", "subscriptions", "payments", "refunds", "ledger_transactions"]
        for table in [*tables, "content_requests"]:
            summary[table] = (
                await connection.fetchval(f"SELECT count(*) FROM {table} WHERE merchant_id = $1", merchant_id),
                await connection.fetchval(f"SELECT count(*) FROM {table}"),
            )
        return summary
    finally:
        await connection.close()


def seed_and_settle(url: str, plans: list[Plan], seed_value: int, what: str) -> None:
    print(f"seeding {what} …", flush=True)
    started = time.monotonic()
    asyncio.run(seed(url, plans, utcnow(), seed_value))
    inserted = time.monotonic() - started
    asyncio.run(settle(url))
    total = time.monotonic() - started
    print(f"seeded {what} in {total:.1f} s ({inserted:.1f} s inserting, {total - inserted:.1f} s VACUUM ANALYZE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count (0.05: a quick run)")
    parser.add_argument("--requests", type=int, default=20, help="timed calls per endpoint")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls per endpoint first")
    parser.add_argument("--seed", type=int, default=42, help="salts the hashes every seeded value comes from")
    parser.add_argument("--export-timeout", type=float, default=900.0, help="seconds before an export is killed")
    parser.add_argument("--skip-export-merchant", action="store_true", help="don't seed and export the 1M merchant")
    parser.add_argument("--keep", action="store_true", help="don't drop the database; print its URL")
    parser.add_argument("--reuse", metavar="URL", help="time a database kept by --keep, without seeding it")
    args = parser.parse_args()
    if args.scale <= 0 or args.requests < 1 or args.warmup < 0:
        raise SystemExit("--scale must be positive, --requests at least 1, --warmup at least 0")

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # piped into a file: the tables whole, not folded to 80 columns
    workdir = Path(tempfile.mkdtemp(prefix="boxoffice-bench-analytics-"))
    exports: list[Export] = []
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
                f"{MERCHANTS} merchants, {sum(p.customers for p in plans):,} customers,"
                f" {sum(p.subscriptions for p in plans):,} subscriptions, {sum(p.ledger for p in plans):,} ledger"
                f" transactions, {sum(p.requests for p in plans):,} content requests (scale {args.scale:g})",
            )
        largest = asyncio.run(merchant_by_email(url, RANK_EMAIL.format(rank=1)))
        if largest is None:
            raise SystemExit(f"{url} holds no merchant {RANK_EMAIL.format(rank=1)}: not a database this bench seeded")
        summary = asyncio.run(book_summary(url, largest))
        print(
            f"largest merchant {largest}: "
            + ", ".join(f"{table} {mine:,} of {everyone:,}" for table, (mine, everyone) in summary.items())
        )

        t = asyncio.run(targets_of(url, largest))
        print(
            f"its customer with the most content requests: {t.viewer_id}; with the most payments: {t.buyer_id};"
            f" payments from {t.start} to {t.end}; load average {os.getloadavg()[0]:.1f}"
        )
        timings = asyncio.run(time_analytics(url, t, workdir / "reports", args.warmup, args.requests))
        console.print(analytics_table(timings, args.requests))

        exports.append(Export("largest", largest))
        run_export(url, exports[0], workdir, args.export_timeout)
        asyncio.run(export_floors(url, exports[0], workdir, args.warmup, args.requests))

        if not args.skip_export_merchant:
            extra = asyncio.run(merchant_by_email(url, EXPORT_EMAIL))
            if extra is None:
                plan = export_plan(args.scale)
                seed_and_settle(
                    url,
                    [plan],
                    args.seed,
                    f"the export merchant: {plan.ledger:,} ledger transactions ({plan.payments:,} payments,"
                    f" {plan.refunds:,} refunds), {plan.customers:,} customers, {plan.subscriptions:,} subscriptions",
                )
                extra = plan.merchant_id
            exports.append(Export("export", extra))
            run_export(url, exports[1], workdir, args.export_timeout)
            asyncio.run(export_floors(url, exports[1], workdir, args.warmup, args.requests))
        console.print(export_table(exports))
        code, seconds, peak, _ = run_cli(url, ["report", "--help"], workdir, "startup", args.export_timeout)
        print(f"the CLI alone (`boxoffice report --help`, exit {code}): {seconds:.1f} s, peak RSS {peak / 1024:.0f} MB")
        for e in exports:
            if e.returncode != 0:
                print(f"export of merchant {e.merchant_id} exited {e.returncode}: not available yet? ({workdir})")
    finally:
        if database is not None and not args.keep:
            asyncio.run(admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        elif database is not None:
            print(f"kept database {database}: re-time it with --reuse {url}")
        if all(e.returncode == 0 for e in exports):
            shutil.rmtree(workdir, ignore_errors=True)


async def targets_of(url: str, merchant_id: int) -> Targets:
    connection = await raw_connection(url)
    try:
        return await targets(connection, merchant_id)
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
