"""`boxoffice worker` in a process of its own, as systemd runs it: its own `/metrics` on the port it is given (the
counters of what it did, which no app process sees), behind the token."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from boxoffice.kit import jobs
from boxoffice.kit.db import create_engine, session_factory, transaction
from tests.compat.live_server import empty_database
from tests.conftest import free_port, off_the_loop, unconfigured_environment
from tests.scrape import sample
from tests.served import BOXOFFICE

TOKEN = "scrape-" + "w" * 24
PATIENCE = 60.0


@pytest.fixture
def worker_env(migrated_database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield unconfigured_environment() | {
        "BOXOFFICE_DATABASE_URL": migrated_database_url,
        "BOXOFFICE_MAIL_DIR": str(tmp_path / "mail"),
        "BOXOFFICE_REPORTS_DIR": str(tmp_path / "reports"),
        "BOXOFFICE_METRICS_TOKEN": TOKEN,
        "BOXOFFICE_LOG_JSON": "1",
    }
    empty_database(migrated_database_url)


def _enqueue_an_email(database_url: str) -> None:
    async def enqueue() -> None:
        engine = create_engine(database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                payload = {"to": "a@example.com", "subject": "Hi", "text": "Hi", "html": "<p>Hi</p>"}
                jobs.enqueue(session, "email.send", payload)
        finally:
            await engine.dispose()

    off_the_loop(lambda: asyncio.run(enqueue()))


def _sent(scrape: httpx.Client) -> float:
    try:
        answer = scrape.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    except httpx.TransportError:  # not listening yet
        return -1.0
    return sample(answer.text, "boxoffice_emails_total", outcome="sent")


def test_the_worker_counts_what_it_did_on_its_own_port(
    worker_env: dict[str, str], migrated_database_url: str, tmp_path: Path
) -> None:
    _enqueue_an_email(migrated_database_url)
    port = free_port()
    with tempfile.TemporaryFile() as output, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as scrape:
        command = [*BOXOFFICE, "worker", "--metrics-port", str(port)]
        process = subprocess.Popen(command, env=worker_env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + PATIENCE
            while _sent(scrape) < 1:
                assert process.poll() is None, "the worker exited"
                assert time.monotonic() < deadline, "the e-mail was not counted in time"
            refused = scrape.get("/metrics")
            assert refused.status_code == 401 and "boxoffice_" not in refused.text
            assert scrape.get("/other", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
            assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=PATIENCE) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
