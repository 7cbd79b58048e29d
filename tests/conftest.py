"""Shared fixtures: every test runs on SQLite and on PostgreSQL, against a real SMTP server."""

from __future__ import annotations

import asyncio
import email
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from boxoffice.app import create_app
from boxoffice.kit import clock, jobs
from boxoffice.kit.db import async_url, create_engine, session_factory
from boxoffice.kit.settings import Settings
from boxoffice.migrate import upgrade
from boxoffice.models import Base

PG_ADMIN_URL = os.environ.get("BOXOFFICE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# CI sets this so that a missing PostgreSQL fails the run instead of skipping half of it.
REQUIRE_PG = os.environ.get("BOXOFFICE_REQUIRE_POSTGRES") == "1"
T = TypeVar("T")
# Every server the suite starts, in this process or another, hashes at the cheapest argon2id parameters the settings
# accept (OWASP's 7 MiB and five passes, on one lane): at the defaults each sign-up and sign-in costs a quarter of a
# second of CPU, a tenth of the whole suite's. The tests of the parameters set their own (test_passwords,
# test_password_rehash, test_settings).
SUITE_HASHING = ("BOXOFFICE_ARGON2_MEMORY_KIB", "BOXOFFICE_ARGON2_TIME_COST", "BOXOFFICE_ARGON2_PARALLELISM")
for _name, _value in zip(SUITE_HASHING, ("7168", "5", "1"), strict=True):
    os.environ.setdefault(_name, _value)


def unconfigured_environment() -> dict[str, str]:
    """This process's environment without Boxoffice's settings, as a new install starts, but for the suite's
    hashing parameters: for a server or worker a test starts in a process of its own."""
    return {
        name: value for name, value in os.environ.items() if not name.startswith("BOXOFFICE_") or name in SUITE_HASHING
    }


async def _pg_admin(statement: str) -> None:
    engine = create_async_engine(async_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def off_the_loop(work: Callable[[], T]) -> T:
    """Run `work` in a thread of its own: it may start an event loop of its own (asyncio.run, Alembic's env)
    even when this thread has one running, as the browser tests' Playwright does."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated, empty database of each engine, made for this run and dropped after it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'boxoffice.db'}"
        off_the_loop(lambda: upgrade(url))
        yield url
        return
    name = f"boxoffice_test_{uuid.uuid4().hex[:12]}"
    try:
        off_the_loop(lambda: asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')))
    except (OSError, Exception) as exc:  # no server, refused, auth: all mean "no PostgreSQL here"
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc}); PostgreSQL tests skipped")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        off_the_loop(lambda: upgrade(url))
        yield url
    finally:
        off_the_loop(lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


class ShiftedClock(clock.Clock):
    """Time running at its real pace from another moment: `BOXOFFICE_TEST_NOW=2026-12-31T23:59:00` runs the
    whole suite as if it were that moment, which is how mistakes about months and years are found."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - super().now()

    def now(self) -> datetime:
        return super().now() + self._offset


@pytest.fixture(scope="session", autouse=True)
def shifted_clock() -> Iterator[None]:
    moment = os.environ.get("BOXOFFICE_TEST_NOW")
    if not moment:
        yield
        return
    previous = clock.set_clock(ShiftedClock(datetime.fromisoformat(moment)))
    try:
        yield
    finally:
        clock.set_clock(previous)


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    """A clock that moves only when the test moves it, starting at the suite's "now"."""
    moving = clock.FrozenClock(clock.now().replace(microsecond=0))
    previous = clock.set_clock(moving)
    try:
        yield moving
    finally:
        clock.set_clock(previous)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    """What the in-process SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no e-mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Iterator[Mailbox]:
    smtp_server[1].messages.clear()
    yield smtp_server[1]


@pytest.fixture
def settings(migrated_database_url: str, smtp_server: tuple[Controller, Mailbox], tmp_path: Path) -> Settings:
    controller = smtp_server[0]
    return Settings(
        database_url=migrated_database_url,
        public_url="http://testserver",
        smtp_url=f"smtp://127.0.0.1:{controller.port}",
        mail_dir=tmp_path / "mail",
        reports_dir=tmp_path / "reports",
        secret_key="test-signing-key-" + "x" * 32,
        auth_rate_per_ip="1000/60",
        auth_rate_per_account="1000/60",
        reset_rate_per_ip="1000/60",
        reset_rate_per_account="1000/60",
    )


class Server:
    """The app under test, reached over HTTP in-process, plus the ability to run its job worker."""

    def __init__(self, app: Any, client: httpx.AsyncClient, settings: Settings) -> None:
        self.app, self.http, self.settings = app, client, settings

    async def run_jobs(self) -> int:
        return await jobs.run_due_jobs(self.app.state.sessions, self.settings)


def emptied_tables() -> list[Any]:
    """Every table a test may have written to, children first. The server's signing keys stay, as a real install's
    do: migrating made them, so that no request has to."""
    return [table for table in reversed(Base.metadata.sorted_tables) if table.name != "signing_keys"]


async def _empty_tables(app: Any) -> None:
    async with app.state.engine.begin() as connection:
        for table in emptied_tables():
            await connection.execute(table.delete())


@pytest.fixture
async def sessions(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on each engine's database without the app, for the core's own tests; emptied afterwards."""
    engine = create_engine(migrated_database_url)
    try:
        yield session_factory(engine)
    finally:
        async with engine.begin() as connection:
            for table in emptied_tables():
                await connection.execute(table.delete())
        await engine.dispose()


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        try:
            yield Server(app, client, settings)
        finally:
            await _empty_tables(app)
            await app.state.engine.dispose()


@pytest.fixture(scope="module")
def documented_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An app made only to read its routes and `/openapi.json` (its database is never opened)."""
    return create_app(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('doc')}/doc.db"))


@pytest.fixture(scope="module")
def document(documented_app: Any) -> dict[str, Any]:
    return dict(documented_app.openapi())


# ----------------------------------------------------------------------------------------------------------------
# An S3 bucket on a real S3 server running locally (moto's), for the files kept in a bucket (kit/files.py).

S3_SECRET = "s3-secret-never-shown-" + "z" * 16


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        # Nothing may reach AWS itself: no instance metadata, no profile or credentials from this machine.
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            patch.delenv(name, raising=False)
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str) -> Settings:
    """Settings naming a new, empty bucket; nothing else (no database)."""
    import boto3

    bucket = f"boxoffice-files-{uuid.uuid4().hex[:12]}"
    admin = boto3.session.Session().client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    admin.create_bucket(Bucket=bucket)
    return Settings(
        _env_file=None,
        public_url="https://boxoffice.example.com/",
        reports_s3_bucket=bucket,
        reports_s3_endpoint_url=s3_endpoint,
        reports_s3_region="us-east-1",
        reports_s3_access_key_id="testing",
        reports_s3_secret_access_key=S3_SECRET,
    )
