"""`boxoffice serve` as an operator runs it, in a process of its own: metrics summed over every worker (and still
right after one is killed and replaced), `/metrics` on a port of its own behind a token, and one stream of JSON
lines, Uvicorn's included, each line written for a request carrying that request's id."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.compat.live_server import empty_database
from tests.conftest import free_port, unconfigured_environment
from tests.scrape import sample
from tests.served import serving

TOKEN = "scrape-" + "s" * 24
POOL_SIZE = 3
# A loaded machine may take this long to replace a killed worker.
PATIENCE = 60.0


@pytest.fixture
def env(migrated_database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    yield unconfigured_environment() | {
        "BOXOFFICE_DATABASE_URL": migrated_database_url,
        "BOXOFFICE_MAIL_DIR": str(tmp_path / "mail"),
        "BOXOFFICE_REPORTS_DIR": str(tmp_path / "reports"),
        "BOXOFFICE_DATABASE_POOL_SIZE": str(POOL_SIZE),
        # Where `serve` makes its private metrics directory, so that the test can look into it.
        "TMPDIR": str(temporary),
    }
    empty_database(migrated_database_url)


def _needs_postgresql(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("--workers 2 needs PostgreSQL: SQLite serves one process (tested on the postgresql param)")


def _healthz_by_worker(directory: Path) -> dict[int, float]:
    """`GET /healthz` requests each worker counted, read from its own file in the metrics directory."""
    counted: dict[int, float] = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for metric in MultiProcessCollector.merge([str(path)]):  # type: ignore[no-untyped-call]
            for found in metric.samples:
                if found.name == "boxoffice_http_requests_total" and found.labels["route"] == "/healthz":
                    counted[pid] = counted.get(pid, 0.0) + found.value
    return counted


def _metrics_directory(temporary: Path) -> Path:
    [directory] = temporary.glob("boxoffice-metrics-*")
    return directory


def _scrape(scrape: httpx.Client) -> str:
    """What the metrics port answers on a new connection (a kept-alive one may be the killed worker's); nothing
    when the connection was a dying worker's."""
    try:
        return scrape.get("/metrics", headers={"Connection": "close"}).text
    except httpx.TransportError:
        return ""


def _until(condition: Any, what: str) -> None:
    """Poll `condition` (a cheap HTTP round trip or a directory listing) until it holds."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {PATIENCE:.0f} s: {what}")


def test_metrics_add_up_over_every_worker_even_one_killed(env: dict[str, str], migrated_database_url: str) -> None:
    _needs_postgresql(migrated_database_url)
    metrics_port = free_port()
    env |= {"BOXOFFICE_METRICS_PORT": str(metrics_port), "BOXOFFICE_METRICS_TOKEN": TOKEN}
    temporary = Path(env["TMPDIR"])
    with (
        serving(env, "--workers", "2", "--no-worker", "--no-migrate") as http,
        httpx.Client(
            base_url=f"http://127.0.0.1:{metrics_port}", headers={"Authorization": f"Bearer {TOKEN}"}
        ) as scrape,
    ):
        directory = _metrics_directory(temporary)
        sent = 0
        # New connections each time, which the two workers take from the shared socket in turn with the kernel's
        # fairness, until each has answered some.
        while len(_healthz_by_worker(directory)) < 2 and sent < 2000:
            for _ in range(20):
                assert http.get("/healthz", headers={"Connection": "close"}).status_code == 200
                sent += 1
        # A request is counted once its answer has been sent, so the last ones may reach the files just after.
        _until(lambda: sum(_healthz_by_worker(directory).values()) == sent, f"{sent} requests counted")
        by_worker = _healthz_by_worker(directory)
        assert len(by_worker) == 2 and sum(by_worker.values()) == sent, by_worker
        text = _scrape(scrape)
        assert sample(text, "boxoffice_http_requests_total", route="/healthz", status="200") == sent
        assert sample(text, "boxoffice_db_pool_size") == 2 * POOL_SIZE

        # A worker killed where it stands: its counts stay, its gauges go once Uvicorn has replaced it.
        victim = min(by_worker)
        os.kill(victim, signal.SIGKILL)
        _until(
            lambda: (
                sample(_scrape(scrape), "boxoffice_db_pool_size") == 2 * POOL_SIZE
                and len(list(directory.glob("gauge_livesum_*.db"))) == 2
                and not (directory / f"gauge_livesum_{victim}.db").exists()
            ),
            "the killed worker replaced and its gauges dropped",
        )
        text = _scrape(scrape)
        assert sample(text, "boxoffice_http_requests_total", route="/healthz", status="200") == sent
    assert not list(temporary.glob("boxoffice-metrics-*")), "the metrics directory outlived the server"


def test_metrics_on_a_port_of_their_own_behind_a_token(env: dict[str, str]) -> None:
    metrics_port = free_port()
    env |= {"BOXOFFICE_METRICS_PORT": str(metrics_port), "BOXOFFICE_METRICS_TOKEN": TOKEN}
    with (
        serving(env, "--no-worker", "--no-migrate") as http,
        httpx.Client(base_url=f"http://127.0.0.1:{metrics_port}") as scrape,
    ):
        assert http.get("/healthz").status_code == 200
        assert http.get("/metrics").status_code == 404
        refused = scrape.get("/metrics")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert scrape.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        answer = scrape.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        assert sample(answer.text, "boxoffice_http_requests_total", route="/healthz", status="200") == 1
        assert "boxoffice_jobs_waiting" in answer.text
        # The metrics port serves nothing of the API.
        assert scrape.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_one_stream_of_json_lines_with_the_request_ids(env: dict[str, str], tmp_path: Path) -> None:
    env |= {"BOXOFFICE_LOG_JSON": "1", "BOXOFFICE_TRUSTED_PROXIES": "127.0.0.1/32"}
    with (tmp_path / "output").open("w+b") as output:
        with serving(env, "--no-worker", "--no-migrate", "--access-log", output=output) as http:
            made = http.get("/healthz").headers["x-request-id"]
            given = http.get("/healthz", headers={"X-Request-Id": "proxy-id-42"}).headers["x-request-id"]
        output.seek(0)
        printed = output.read().decode()
    assert given == "proxy-id-42" and made and made != given
    lines = [json.loads(line) for line in printed.splitlines() if line.strip()]  # every line is JSON
    loggers = {line.get("logger") for line in lines}
    assert {"uvicorn.error", "uvicorn.access"} <= loggers, loggers
    assert any("Uvicorn running on" in line["event"] for line in lines if line.get("logger") == "uvicorn.error")
    access = {line["request_id"]: line for line in lines if line.get("logger") == "uvicorn.access"}
    for request_id in (made, given):
        line = access[request_id]
        assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/healthz", 200, "info")
        assert line["timestamp"].endswith("Z")
