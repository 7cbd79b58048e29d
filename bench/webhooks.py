"""Webhook deliveries per second, and the delay from event to delivery, with one slow receiver among healthy ones.

    python bench/webhooks.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--events 50000]
                             [--receivers 10] [--rate 1000] [--workers 2] [--slow-seconds 1.0] [--history N]
                             [--timeout 120] [--keep] [--profile DIR]

Seeds a throwaway PostgreSQL database (migrated as `boxoffice migrate` does) with one merchant per receiver, each
with one webhook endpoint for every event type, created before any event, one customer per event, and a history
of `--history` past events (default: as many as the run's), each delivered at its first attempt, with its delivery
and attempt rows, all by bulk INSERT … SELECT, then VACUUM ANALYZE. The history is what a running system has:
without it the planner plans the sender's queries for the empty tables it was last shown (autovacuum may be off,
as it is on test servers, or not have come round yet), and they slow down as the run fills those tables.

The receivers are real HTTP servers on local ports, all in one process of their own: a minimal HTTP/1.1
keep-alive server on asyncio streams (uvloop when installed, so the harness takes little of the CPU it shares with
the engine). Receiver 0 is slow: it answers `--slow-seconds` after a request has arrived; the others answer 200
at once. Each notes, for every request, its `webhook-id` header (the event's uuid) and the wall clock
(`time.time()`) at the moment the whole request has been read.

Engine: `--workers` processes of `boxoffice worker` (the production worker: the jobs loop and the webhook sender,
with every setting at its default apart from BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE=1, which loopback receivers need,
and BOXOFFICE_LOG_LEVEL=WARNING) are started and connected before the first event. Then this process writes the
`customer.registered` events through `boxoffice.events.outbox.record`, as the application writes them, in
transactions of 100 at a steady `--rate` events per second (round robin over the merchants, each naming one of its
customers, so every webhook body renders a real customer), so what is measured is the latency of a running
system, not the time to drain a backlog (`--rate 0` writes them all at once: that is the drain). The run ends when
every healthy receiver has had every one of its events (or `--timeout` seconds after the last event, a ceiling),
and the workers are stopped (SIGTERM, then SIGKILL).

Measured, for the healthy receivers only:
* deliveries per second: healthy events delivered / (last first arrival at a healthy receiver - commit of the
  first event). At a steady rate this cannot exceed the healthy share of `--rate`; the line says what was offered.
* delay: first arrival of each event at its receiver - the event's `created_at` as the outbox stored it (naive
  UTC from `clock.now()`, read back from the database). Same machine, same clock: no skew. p50, p99 and max,
  overall and per receiver; receivers' duplicates (an event received twice) are counted and should be 0.
* the rows PostgreSQL updated in the deliveries and events tables, and how many of those updates were HOT (the new
  row version written beside the old one, no index touched), from its statistics once the workers have stopped.
* the delay in steps, from what the engine recorded: event to delivery row (the dispatcher's `created_at`), row
  to the start of its first request (the attempt's `attempted_at`: leasing, rendering, signing), request start to
  arrival at the receiver (the HTTP client, and whatever else holds the worker's event loop).
For the slow receiver: how many of its events it had received when the healthy ones were done, beside what its
share allows — each worker keeps at most `webhooks_per_endpoint` requests in flight per endpoint, so it gets at
most workers x per_endpoint / slow_seconds per second. That it stays within its share while the healthy delays
stay short is the point: a slow receiver holds its own share, never the others'. The target for that is a healthy
p99 below one slow answer: a healthy delivery queued behind the slow receiver would wait at least that long.
Checked afterwards in the database: every event dispatched, every healthy delivery `delivered` at its first
attempt, no failed attempt to a healthy receiver.

Baseline, in the same run: as many requests as there are healthy events, with the headers and bodies the engine
actually sent (one sample per receiver, a fresh `webhook-id` each), posted with plain aiohttp (the engine's HTTP
client, one session with the same connector limits) straight to 9 freshly started healthy receivers of the same
program: no database, no rendering, no signing, no bookkeeping — the ceiling of what this machine's Python HTTP
stack does with the same limits: the same number of processes, each with at most `webhooks_concurrency` requests
in flight and `webhooks_per_endpoint` per receiver, on the default asyncio event loop as the worker runs. It posts
as fast as it can, so engine/baseline at a steady `--rate` shows how much of the ceiling the offered load takes;
with `--rate 0` both sides run flat out.

The machine's load average is printed before each phase: other work on the machine skews a run.
`--profile DIR` runs py-spy (pip install py-spy) on each engine worker and writes its collapsed stacks there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import admin, py_spy, raw_connection

from boxoffice.kit.settings import Settings
from boxoffice.migrate import upgrade

EVENT_TYPE = "customer.registered"
BATCH = 100  # events per producer transaction
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def unix(moment: datetime) -> float:
    """Seconds since the epoch of a naive UTC datetime, as the outbox stores them."""
    return moment.replace(tzinfo=UTC).timestamp()


# The receivers: one process, one server per receiver and one for the bench to ask what arrived.


class Receivers:
    def __init__(self, count: int, slow: set[int], slow_seconds: float) -> None:
        self.slow, self.slow_seconds = slow, slow_seconds
        self.records: list[list[tuple[str, float]]] = [[] for _ in range(count)]
        self.seen: list[set[str]] = [set() for _ in range(count)]
        self.samples: list[dict[str, Any] | None] = [None] * count

    async def serve(self, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        records, seen = self.records[index], self.seen[index]
        delay = self.slow_seconds if index in self.slow else 0.0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, hook_id = 0, ""
                lines = head[:-4].split(b"\r\n")
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"webhook-id":
                        hook_id = value.strip().decode()
                body = await reader.readexactly(length) if length else b""
                records.append((hook_id, time.time()))
                seen.add(hook_id)
                if self.samples[index] is None:
                    headers = [line.decode("latin-1").partition(":") for line in lines[1:]]
                    self.samples[index] = {
                        "headers": [[name.strip(), value.strip()] for name, _, value in headers],
                        "body": body.decode("latin-1"),
                    }
                if delay:
                    await asyncio.sleep(delay)
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client hung up, or this process is stopping
        finally:
            writer.close()

    async def control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """`GET /counts`: distinct webhook ids per receiver; `GET /records`: every arrival, and the samples."""
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path == b"/records":
                    answer: Any = {"records": self.records, "samples": self.samples}
                else:
                    answer = [len(s) for s in self.seen]
                payload = json.dumps(answer).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(payload)
                )
                writer.write(payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def receivers_main(count: int, slow: set[int], slow_seconds: float) -> None:
    receivers = Receivers(count, slow, slow_seconds)
    servers = []
    for index in range(count):

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, index: int = index) -> None:
            await receivers.serve(index, reader, writer)

        servers.append(await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024))
    control = await asyncio.start_server(receivers.control, "127.0.0.1", 0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    print(json.dumps({"ports": ports, "control": control.sockets[0].getsockname()[1]}), flush=True)
    await stop.wait()


def start_receivers(count: int, slow: set[int], slow_seconds: float) -> tuple[subprocess.Popen[str], list[int], str]:
    command = [sys.executable, __file__, "--role", "receivers", "--receivers", str(count)]
    command += ["--slow", ",".join(map(str, sorted(slow))), "--slow-seconds", str(slow_seconds)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit("the receivers did not start")
    started = json.loads(line)
    return process, started["ports"], f"http://127.0.0.1:{started['control']}"


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The database.


async def seed(url: str, ports: list[int], events: int, history: int, now: datetime) -> None:
    """Merchant i+1 (ids 1..R) owns endpoint i+1 (receiver i's port, created two days ago) and customers i+1,
    i+1+R, i+1+2R, …; then `history` past events (a day ago, ids 1..history), each delivered at its first
    attempt, as a running system has them, so that the planner sees these tables as they are, not empty."""
    receivers = len(ports)
    per_merchant = events // receivers
    connection = await raw_connection(url)
    try:
        async with connection.transaction():
            await connection.execute(
                "INSERT INTO merchants (id, uuid, email, full_name, password_hash, client_secret, active, created_at,"
                " updated_at) SELECT g, md5('merchant' || g)::uuid::text, 'merchant' || g || '@example.com',"
                " 'Merchant ' || g, 'x', 'secret-' || md5('secret' || g), true, $2, $2"
                " FROM generate_series(1, $1) AS g",
                receivers,
                now - timedelta(days=3),
            )
            await connection.execute(
                "INSERT INTO customers (id, merchant_id, uuid, email, full_name, metadata, register_source, active,"
                " created_at, updated_at)"
                " SELECT g, 1 + (g - 1) % $2, md5('customer' || g)::uuid::text, 'viewer' || g || '@example.com',"
                " 'Viewer ' || g, '{}', 'signup', true, $3, $3 FROM generate_series(1, $1) AS g",
                events,
                receivers,
                now - timedelta(days=3),
            )
            await connection.executemany(
                "INSERT INTO webhook_endpoints (id, merchant_id, url, events, description, enabled,"
                " consecutive_failures, created_at, updated_at) VALUES ($1, $1, $2, '[]', 'bench', true, 0, $3, $3)",
                [
                    (i + 1, f"http://127.0.0.1:{port}/hooks/{i + 1}", now - timedelta(days=2))
                    for i, port in enumerate(ports)
                ],
            )
            # The history: event g is merchant m's (m = 1 + (g - 1) % R) and names one of m's customers.
            await connection.execute(
                "INSERT INTO events (id, merchant_id, event_id, type, customer_id, resource, created_at, dispatched_at)"
                " SELECT g, m, md5('history' || g)::uuid::text, $4, c,"
                " json_build_object('customer_id', c, 'email', 'viewer' || c || '@example.com'), at, at"
                " FROM generate_series(1, $1) AS g,"
                " LATERAL (SELECT 1 + (g - 1) % $2 AS m, 1 + (g - 1) % $2 + $2 * (((g - 1) / $2) % $3) AS c,"
                " $5::timestamp + g * interval '1 millisecond' AS at) AS x",
                history,
                receivers,
                per_merchant,
                EVENT_TYPE,
                now - timedelta(days=1),
            )
            await connection.execute(
                "INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, status, attempts,"
                " next_attempt_at, last_status_code, created_at, delivered_at)"
                " SELECT id, merchant_id, merchant_id, id, 'delivered', 1, NULL, 200, created_at,"
                " created_at + interval '50 milliseconds' FROM events"
            )
            await connection.execute(
                "INSERT INTO webhook_attempts (id, merchant_id, delivery_id, attempted_at, status_code,"
                " response_excerpt, duration_ms) SELECT id, merchant_id, id, created_at, 200, 'ok', 5"
                " FROM webhook_deliveries"
            )
            for table in ("merchants", "customers", "webhook_endpoints", "events", "webhook_deliveries"):
                await connection.execute(
                    f"SELECT setval('{table}_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            await connection.execute(
                "SELECT setval('webhook_attempts_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM webhook_attempts),"
                " false)"
            )
        # Settle what the load left behind (hint bits, statistics, dirty buffers) before anything is timed.
        await connection.execute("VACUUM ANALYZE")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


async def backends(url: str) -> int:
    connection = await raw_connection(url)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await connection.close()


async def read_back(url: str, history: int) -> dict[str, Any]:
    """For the run's events (ids above the history's): each one's uuid → (receiver index, created_at as unix
    seconds); deliveries and attempts per endpoint; when each delivery was made and its first request started."""
    connection = await raw_connection(url)
    try:
        events = {
            r["event_id"]: (r["merchant_id"] - 1, unix(r["created_at"]))
            for r in await connection.fetch(
                "SELECT event_id, merchant_id, created_at FROM events WHERE id > $1", history
            )
        }
        undispatched = await connection.fetchval("SELECT count(*) FROM events WHERE dispatched_at IS NULL")
        deliveries = {
            (r["endpoint_id"] - 1, r["status"]): r["n"]
            for r in await connection.fetch(
                "SELECT endpoint_id, status, count(*) AS n FROM webhook_deliveries WHERE event_id > $1"
                " GROUP BY endpoint_id, status",
                history,
            )
        }
        attempts = {
            r["endpoint_id"] - 1: (r["n"], r["failed"], r["errors"])
            for r in await connection.fetch(
                "SELECT d.endpoint_id, count(*) AS n,"
                " count(*) FILTER (WHERE a.status_code IS NULL OR a.status_code >= 300) AS failed,"
                " array_agg(DISTINCT a.error) FILTER (WHERE a.error IS NOT NULL) AS errors"
                " FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
                " WHERE d.event_id > $1 GROUP BY d.endpoint_id",
                history,
            )
        }
        retried = await connection.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered' AND attempts <> 1 AND event_id > $1",
            history,
        )
        # Where each delivery's time went: when it was made (dispatched) and when its first request started.
        steps = {
            r["event_id"]: (unix(r["dispatched"]), unix(r["started"]) if r["started"] else None)
            for r in await connection.fetch(
                "SELECT e.event_id, d.created_at AS dispatched, min(a.attempted_at) AS started"
                " FROM webhook_deliveries d JOIN events e ON e.id = d.event_id"
                " LEFT JOIN webhook_attempts a ON a.delivery_id = d.id WHERE e.id > $1"
                " GROUP BY e.event_id, d.created_at",
                history,
            )
        }
        # How PostgreSQL wrote the run's row updates: a HOT one writes the new row version beside the old one and
        # no index entry.
        updates = {
            r["relname"]: (r["n_tup_upd"], r["n_tup_hot_upd"])
            for r in await connection.fetch(
                "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
                " WHERE relname IN ('webhook_deliveries', 'events')"
            )
        }
    finally:
        await connection.close()
    return {
        "updates": updates,
        "events": events,
        "undispatched": undispatched,
        "deliveries": deliveries,
        "attempts": attempts,
        "retried": retried,
        "steps": steps,
    }


# The engine side: workers, the producer, the wait.


def start_workers(url: str, count: int, workdir: Path) -> list[subprocess.Popen[bytes]]:
    env = os.environ | {
        "BOXOFFICE_DATABASE_URL": url,
        "BOXOFFICE_WEBHOOKS_ALLOW_PRIVATE": "1",
        "BOXOFFICE_LOG_LEVEL": "WARNING",
    }
    processes = []
    for n in range(count):
        command = [sys.executable, "-m", "boxoffice.cli", "worker"]
        with (workdir / f"worker-{n}.log").open("wb") as log:
            processes.append(subprocess.Popen(command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT))
    return processes


def profile_workers(workers: list[subprocess.Popen[bytes]], directory: Path) -> list[subprocess.Popen[bytes]]:
    profilers = []
    for n, worker in enumerate(workers):
        command = [py_spy(), "record", "--pid", str(worker.pid), "--format", "raw", "--rate", "100", "--nonblocking"]
        command += ["-o", str(directory / f"worker-{n}.txt")]
        profilers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return profilers


async def produce(url: str, events: int, receivers: int, rate: float) -> dict[str, float]:
    """Write the events through the outbox, BATCH per transaction, on schedule; commit times of the first and last."""
    from boxoffice.events.outbox import DomainEvent, record
    from boxoffice.kit.db import create_engine, session_factory

    engine = create_engine(url, pool_size=1, max_overflow=0)
    sessions = session_factory(engine)
    first = last = 0.0
    late = 0.0
    try:
        async with engine.connect():  # the connection, before the clock starts
            pass
        began = time.time()
        for start in range(0, events, BATCH):
            if rate:
                due = began + start / rate
                wait = due - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                else:
                    late = max(late, -wait)
            batch = [
                DomainEvent(
                    merchant_id=1 + k % receivers,
                    type=EVENT_TYPE,
                    customer_id=k + 1,
                    resource={"customer_id": k + 1, "email": f"viewer{k + 1}@example.com"},
                )
                for k in range(start, min(start + BATCH, events))
            ]
            async with sessions() as session, session.begin():
                await record(session, *batch)
            last = time.time()
            first = first or last
    finally:
        await engine.dispose()
    return {"first": first, "last": last, "late": late}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (Linux /proc), None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pids(database: str) -> list[int]:
    """The PostgreSQL backends serving `database` on this machine (their title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres:") and f" {database} ".encode() in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU used by groups of processes between `start` and the last `sample` (a process that exits keeps what
    it had used at the sample before)."""

    def __init__(self, groups: dict[str, list[int]], database: str) -> None:
        self.groups, self.database = groups, database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.backends: set[int] = set()
        self.own = time.process_time()
        self.started = False

    def sample(self) -> None:
        self.backends |= set(backend_pids(self.database))
        for pid in [p for pids in self.groups.values() for p in pids] + sorted(self.backends):
            used = cpu_seconds(pid)
            if used is not None:
                # A process first seen after the start (a new backend) used all its CPU in the window.
                self.first.setdefault(pid, used if not self.started else 0.0)
                self.last[pid] = used
        self.started = True

    def used(self) -> dict[str, float]:
        def of(pids: Any) -> float:
            return sum(self.last.get(p, 0.0) - self.first.get(p, 0.0) for p in pids)

        totals = {name: of(pids) for name, pids in self.groups.items()}
        return totals | {"postgres": of(self.backends), "bench": time.process_time() - self.own}


async def drive(
    url: str,
    control: str,
    events: int,
    receivers: int,
    slow: set[int],
    rate: float,
    ceiling: float,
    meter: CpuMeter,
) -> dict[str, float]:
    """Produce, and wait until every healthy receiver has all its events (or the ceiling)."""
    expected = [len(range(i, events, receivers)) for i in range(receivers)]
    healthy = [i for i in range(receivers) if i not in slow]
    meter.sample()
    producer = asyncio.create_task(produce(url, events, receivers, rate))
    complete = False
    polls = 0
    async with httpx.AsyncClient(timeout=30) as http:
        while True:
            counts = (await http.get(f"{control}/counts")).json()
            if all(counts[i] >= expected[i] for i in healthy):
                complete = True
                break
            if producer.done():
                if producer.exception() is not None:
                    break
                if time.time() > producer.result()["last"] + ceiling:
                    break
            polls += 1
            if polls % 5 == 0:
                meter.sample()
            await asyncio.sleep(0.1)
    meter.sample()
    produced = await producer
    return produced | {"complete": float(complete)}


async def fetch_records(control: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=120) as http:
        answer: dict[str, Any] = (await http.get(f"{control}/records")).json()
        return answer


# The baseline: the engine's HTTP client (aiohttp), the same limits, no database.


async def baseline_worker(spec: dict[str, Any]) -> dict[str, Any]:
    import aiohttp

    ports: list[int] = spec["ports"]
    samples: list[dict[str, Any]] = spec["samples"]
    per_endpoint, concurrency = spec["per_endpoint"], spec["concurrency"]
    queues: list[list[str]] = [[] for _ in ports]
    for n, hook_id in enumerate(spec["ids"]):
        queues[n % len(ports)].append(hook_id)
    failed = 0

    async def post(client: aiohttp.ClientSession, index: int) -> None:
        nonlocal failed
        url = f"http://127.0.0.1:{ports[index]}/hooks/{index}"
        sample = samples[index]
        fixed = {k: v for k, v in sample["headers"] if k.lower() not in ("host", "content-length", "webhook-id")}
        body = sample["body"].encode("latin-1")
        queue = queues[index]
        while queue:
            hook_id = queue.pop()
            async with client.post(url, data=body, headers=fixed | {"webhook-id": hook_id}) as response:
                await response.read()
                if response.status != 200:
                    failed += 1

    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_endpoint)
    async with aiohttp.ClientSession(connector=connector) as client:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        started, cpu = time.time(), time.process_time()
        async with asyncio.TaskGroup() as group:
            for index in range(len(ports)):
                for _ in range(per_endpoint):
                    group.create_task(post(client, index))
        finished, cpu = time.time(), time.process_time() - cpu
    return {"started": started, "finished": finished, "cpu": cpu, "sent": len(spec["ids"]), "failed": failed}


def run_baseline(
    ports: list[int], samples: list[dict[str, Any]], count: int, workers: int, settings: Settings, workdir: Path
) -> tuple[float, list[dict[str, Any]], list[str]]:
    ids = [f"baseline-{n}" for n in range(count)]
    processes = []
    for n in range(workers):
        spec = {
            "ports": ports,
            "samples": samples,
            "ids": ids[n::workers],
            "per_endpoint": settings.webhooks_per_endpoint,
            "concurrency": settings.webhooks_concurrency,
        }
        path = workdir / f"baseline-{n}.json"
        path.write_text(json.dumps(spec))
        command = [sys.executable, __file__, "--role", "baseline", "--spec", str(path)]
        processes.append(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for process in processes:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit("a baseline worker did not start")
    go = time.time()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a baseline worker failed with {process.returncode}")
        reports.append(json.loads(out.splitlines()[-1]))
    return max(r["finished"] for r in reports) - go, reports, ids


# Figures.


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of them at or below it."""
    if not ordered:
        return float("nan")
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def row(name: str, events: int, duplicates: int, delays: list[float], tail: str) -> None:
    """One line of the receivers' table; `delays` sorted."""
    p50, p99 = ms(percentile(delays, 0.5)), ms(percentile(delays, 0.99))
    top = ms(delays[-1] if delays else float("nan"))
    print(f"  {name:10} {events:>7,} {len(delays):>8,} {duplicates:>4} {p50:>8} {p99:>8} {top:>8}  {tail}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--receivers", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second written (0: all at once)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow-seconds", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="ceiling on the wait after the last event")
    parser.add_argument("--history", type=int, help="past events already delivered (default: --events)")
    parser.add_argument("--keep", action="store_true", help="don't drop the database")
    parser.add_argument("--profile", type=Path, help="record each engine worker with py-spy into this directory")
    parser.add_argument("--role", choices=["receivers", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--slow", default="0", help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "receivers":
        slow = {int(i) for i in args.slow.split(",") if i}
        try:
            import uvloop

            uvloop.run(receivers_main(args.receivers, slow, args.slow_seconds))
        except ImportError:
            asyncio.run(receivers_main(args.receivers, slow, args.slow_seconds))
        return
    if args.role == "baseline":
        result = asyncio.run(baseline_worker(json.loads(args.spec.read_text())))
        print(json.dumps(result), flush=True)
        return
    if args.receivers < 2 or args.events < args.receivers:
        raise SystemExit("--receivers must be at least 2 (one slow, the rest healthy), --events at least --receivers")
    if args.profile is not None:
        if not Path(py_spy()).exists():
            raise SystemExit("--profile needs py-spy on the PATH: pip install py-spy")
        args.profile.mkdir(parents=True, exist_ok=True)

    count, receivers = args.events, args.receivers
    history = count if args.history is None else args.history
    slow = {0}
    healthy = [i for i in range(receivers) if i not in slow]
    expected = [len(range(i, count, receivers)) for i in range(receivers)]
    healthy_events = sum(expected[i] for i in healthy)
    tag = uuid.uuid4().hex[:8]
    database = f"boxoffice_bench_webhooks_{tag}"
    url = f"{args.postgres_url.rsplit('/', 1)[0]}/{database}"
    settings = Settings(_env_file=None, database_url=url)  # what the workers will read
    per_endpoint, concurrency = settings.webhooks_per_endpoint, settings.webhooks_concurrency
    workdir = Path(tempfile.mkdtemp(prefix="boxoffice-bench-webhooks-"))
    workers: list[subprocess.Popen[bytes]] = []
    profilers: list[subprocess.Popen[bytes]] = []
    receiving: subprocess.Popen[str] | None = None
    asyncio.run(admin(args.postgres_url, f'CREATE DATABASE "{database}"'))
    failed = clean = False
    try:
        seed_load = os.getloadavg()[0]
        upgrade(url)
        receiving, ports, control = start_receivers(receivers, slow, args.slow_seconds)
        started = time.monotonic()
        asyncio.run(seed(url, ports, count, history, utcnow()))
        print(
            f"seeded {receivers} merchants, their endpoints, {count:,} customers and a history of {history:,} events"
            f" delivered in {time.monotonic() - started:.1f} s;"
            f" receivers: {len(healthy)} healthy, 1 answering after {args.slow_seconds:g} s; workers={args.workers},"
            f" each {concurrency} requests in flight, {per_endpoint} per endpoint; poll interval"
            f" {settings.webhooks_poll_interval:g} s; load average {seed_load:.1f} before"
        )

        # The engine.
        engine_load = os.getloadavg()[0]
        workers = start_workers(url, args.workers, workdir)
        deadline = time.monotonic() + 60
        while asyncio.run(backends(url)) < args.workers:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise SystemExit(f"the workers did not connect; see {workdir}")
            time.sleep(0.2)
        time.sleep(1.0)  # every worker through its first pass over an empty outbox
        if args.profile is not None:
            profilers = profile_workers(workers, args.profile)
        rate_text = f"{args.rate:,.0f} events/s" if args.rate else "all at once"
        print(
            f"engine: {count:,} events at {rate_text} in transactions of {BATCH}; load average {engine_load:.1f} before"
        )
        meter = CpuMeter({"workers": [w.pid for w in workers], "receivers": [receiving.pid]}, database)
        run = asyncio.run(drive(url, control, count, receivers, slow, args.rate, args.timeout, meter))
        crashed = [w.returncode for w in workers if w.poll() is not None]
        for worker in workers:
            stop(worker)
        for profiler in profilers:
            try:
                profiler.wait(30)
            except subprocess.TimeoutExpired:
                profiler.kill()
        got = asyncio.run(fetch_records(control))
        stop(receiving)
        receiving = None
        stored = asyncio.run(read_back(url, history))
        events = stored["events"]

        # Figures per receiver: first arrival of each event, delays, duplicates.
        first: list[dict[str, float]] = []
        duplicates, strangers = [], []
        for index, records in enumerate(got["records"]):
            arrivals: dict[str, float] = {}
            seen = Counter(hook_id for hook_id, _ in records)
            for hook_id, at in records:
                if hook_id not in arrivals or at < arrivals[hook_id]:
                    arrivals[hook_id] = at
            first.append(arrivals)
            duplicates.append(sum(n - 1 for n in seen.values()))
            strangers.append(sum(1 for h in arrivals if h not in events or events[h][0] != index))
        healthy_arrivals = [at for i in healthy for at in first[i].values()]
        end = max(healthy_arrivals) if healthy_arrivals else run["first"]
        elapsed = end - run["first"]
        delivered = sum(len(first[i]) for i in healthy)
        engine_rate = delivered / elapsed if elapsed > 0 else 0.0
        produced_seconds = run["last"] - run["first"]
        offered = healthy_events / produced_seconds if produced_seconds > 0 else float("inf")
        print(
            f"  produced {count:,} events in {produced_seconds:.1f} s ({count / max(produced_seconds, 1e-9):,.0f}"
            f" events/s; at most {run['late'] * 1000:,.0f} ms behind schedule); {healthy_events:,} for the healthy"
            f" receivers ({offered:,.0f}/s offered)"
        )
        print(
            f"  {'receiver':10} {'events':>7} {'received':>8} {'dup':>4} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
            f"  delivered/pending in the database, failed attempts"
        )
        all_delays: list[float] = []
        for index in range(receivers):
            # The slow receiver's figures stop where the healthy ones' did (its backlog drains on afterwards).
            delays = sorted(at - events[h][1] for h, at in first[index].items() if h in events and at <= end)
            if index not in slow:
                all_delays += delays
            name = f"{index} (slow)" if index in slow else str(index)
            attempts = stored["attempts"].get(index, (0, 0, None))
            delivered_rows = stored["deliveries"].get((index, "delivered"), 0)
            pending_rows = stored["deliveries"].get((index, "pending"), 0)
            tail = f"{delivered_rows:,}/{pending_rows:,}, {attempts[1]:,}" + (f" {attempts[2]}" if attempts[2] else "")
            row(name, expected[index], duplicates[index], delays, tail)
        all_delays.sort()
        p99 = percentile(all_delays, 0.99)
        short = healthy_events - len(all_delays)
        tail = f"({short:,} never arrived: their delays, not counted here, are longer still)" if short else ""
        row("healthy", healthy_events, sum(duplicates[i] for i in healthy), all_delays, tail)
        print(
            f"  healthy: {delivered:,} deliveries in {elapsed:.2f} s (first commit to last arrival)"
            f" = {engine_rate:,.0f} deliveries/s"
        )
        cpu = meter.used()
        print(
            f"  CPU while it ran (s): workers {cpu['workers']:.1f} ({1000 * cpu['workers'] / max(delivered, 1):.2f} ms"
            f" per healthy delivery), PostgreSQL backends {cpu['postgres']:.1f}, receivers {cpu['receivers']:.1f},"
            f" producer {cpu['bench']:.1f}; the machine has {os.cpu_count()} CPUs"
        )
        dispatching, leasing, posting = [], [], []
        for i in healthy:
            for hook_id, at in first[i].items():
                made, started = stored["steps"].get(hook_id, (None, None))
                if made is None or started is None:
                    continue  # its outcome was not recorded before the workers stopped
                dispatching.append(made - events[hook_id][1])
                leasing.append(started - made)
                posting.append(at - started)
        spans = [
            f"{name} {ms(percentile(sorted(values), 0.5))} / {ms(percentile(sorted(values), 0.99))}"
            for name, values in (
                ("event to delivery row (dispatch)", dispatching),
                ("row to request started (lease, render)", leasing),
                ("request started to arrival", posting),
            )
        ]
        print(f"  healthy delay in steps, p50 / p99 ms ({len(posting):,} deliveries): {'; '.join(spans)}")
        print(
            "  rows updated in PostgreSQL (HOT: no index written): "
            + "; ".join(
                f"{table} {updated:,} ({hot:,} HOT, {hot / max(updated, 1):.0%})"
                for table, (updated, hot) in sorted(stored["updates"].items(), reverse=True)
            )
        )
        # What the slow receiver's share lets through by then: per_endpoint in flight per worker, each held
        # slow_seconds (plus the first round). With --slow-seconds 0 (a control run: all receivers fast) no bound.
        share = args.workers * per_endpoint / args.slow_seconds if args.slow_seconds > 0 else math.inf
        bound = share * elapsed + args.workers * per_endpoint
        slow_got = sum(1 for i in slow for at in first[i].values() if at <= end)
        print(
            f"  slow: {slow_got:,} of {sum(expected[i] for i in slow):,} received by then; its share allows"
            f" {args.workers} x {per_endpoint} / {args.slow_seconds:g} s = {share:,.0f}/s,"
            f" <= {bound:,.0f} in {elapsed:.1f} s"
        )

        problems = []
        if not run["complete"]:
            problems.append("not every healthy event arrived before the ceiling")
        missing = [i for i in healthy if len(first[i]) < expected[i]]
        if missing:
            problems.append(f"receivers {missing} missed events")
        if any(strangers):
            problems.append(f"events at the wrong receiver or unknown: {strangers}")
        if run["complete"] and stored["undispatched"]:
            problems.append(f"{stored['undispatched']} events never dispatched")
        if stored["retried"]:
            problems.append(f"{stored['retried']} deliveries needed more than one attempt")
        if crashed:
            problems.append(f"workers exited during the run: {crashed}; see {workdir}")
        healthy_failures = sum(stored["attempts"].get(i, (0, 0, None))[1] for i in healthy)
        if healthy_failures:
            problems.append(f"{healthy_failures} failed attempts to healthy receivers")
        if sum(duplicates[i] for i in healthy):
            problems.append(f"duplicates at the healthy receivers: {[duplicates[i] for i in healthy]}")
        if slow_got > bound:
            problems.append("the slow receiver got more than its share")
        print(f"  check: {'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
        failed = bool(problems)

        # The baseline.
        samples = got["samples"]
        if any(samples[i] is None for i in healthy):
            raise SystemExit("no sample request reached a healthy receiver: no baseline")
        receiving, ports, control = start_receivers(len(healthy), set(), 0.0)
        sizes = sorted(len(samples[i]["body"]) for i in healthy)
        baseline_load = os.getloadavg()[0]
        print(
            f"baseline: {healthy_events:,} requests (bodies {sizes[0]:,}-{sizes[-1]:,} bytes) by plain aiohttp to"
            f" {len(healthy)} receivers, {args.workers} processes, as fast as they go; load average {baseline_load:.1f}"
            " before"
        )
        baseline_seconds, reports, ids = run_baseline(
            ports, [samples[i] for i in healthy], healthy_events, args.workers, settings, workdir
        )
        arrived = asyncio.run(fetch_records(control))
        stop(receiving)
        receiving = None
        received = {h for records in arrived["records"] for h, _ in records}
        baseline_dups = sum(len(records) for records in arrived["records"]) - len(received)
        baseline_rate = healthy_events / baseline_seconds
        print(
            f"  {healthy_events:,} requests in {baseline_seconds:.2f} s = {baseline_rate:,.0f} requests/s"
            f" (failed {sum(r['failed'] for r in reports)}, received {len(received & set(ids)):,},"
            f" duplicates {baseline_dups}; clients' CPU {1000 * sum(r['cpu'] for r in reports) / healthy_events:.2f} ms"
            f" per request)"
        )

        print(
            f"ratio engine/baseline: {engine_rate / baseline_rate:.0%}  (targets: >= 500 deliveries/s:"
            f" {'met' if engine_rate >= 500 else 'MISSED'}; healthy p99 {'>= ' if short else ''}{ms(p99)} ms,"
            f" below one slow answer ({ms(args.slow_seconds)} ms):"
            f" {'met' if p99 < args.slow_seconds and not short else 'MISSED'})"
        )
        if failed:
            raise SystemExit(1)
        clean = True
    finally:
        for worker in workers:
            stop(worker)
        if receiving is not None:
            stop(receiving)
        if not args.keep:
            asyncio.run(admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        else:
            print(f"kept database {database}")
        if clean:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"worker logs in {workdir}")


if __name__ == "__main__":
    main()
