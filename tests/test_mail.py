"""Transactional e-mail: rendered into the outbox with the change, delivered by the `email.send` job."""

from __future__ import annotations

import email
import json
import logging
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import jinja2
import pytest
import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import clock, jobs, logs
from boxoffice.kit.db import create_engine, session_factory, transaction
from boxoffice.kit.settings import Settings
from boxoffice.mail import delivery  # noqa: F401  (registers the email.send handler)
from boxoffice.mail.outbox import MAX_ATTEMPTS, Attachment, send_email
from boxoffice.mail.rendering import render
from tests.conftest import Mailbox, free_port

ARCHIVE = json.dumps({"email": "vera@example.com", "favorites": [1, 2]}).encode()
MERCHANT = 1  # has no templates of its own: the built-in ones are used


@pytest.fixture
async def sessions(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_database_url)
    async with engine.begin() as connection:
        await connection.execute(delete(jobs.Job))
    try:
        yield session_factory(engine)
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(jobs.Job))
        await engine.dispose()


async def _send(
    sessions: async_sessionmaker[AsyncSession],
    to: str = "vera@example.com",
    template: str = "welcome",
    attachments: list[Attachment] | None = None,
    **context: str,
) -> None:
    context = {"brand_name": "Acme Video", "full_name": "Vera Viewer", "email": to, **context}
    async with transaction(sessions) as session:
        await send_email(session, MERCHANT, to=to, template=template, context=context, attachments=attachments)


def _read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None, message.as_string()[:500]
    return plain.get_content(), html.get_content()


async def test_without_smtp_the_job_writes_a_parseable_eml(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailbox: Mailbox
) -> None:
    offline = settings.model_copy(update={"smtp_url": None})
    await _send(sessions)
    assert not offline.mail_dir.exists()  # nothing is written until the job runs
    assert await jobs.run_due_jobs(sessions, offline) == 1
    [path] = offline.mail_dir.glob("*.eml")
    message = _read_eml(path)
    assert message["To"] == "vera@example.com"
    assert message["From"] == offline.mail_from
    assert message["Subject"] == "Welcome to Acme Video"
    assert message["Message-ID"]
    text, html = _parts(message)
    assert "Hello Vera Viewer," in text and "<html" not in text
    assert "<p>Hello Vera Viewer,</p>" in html
    assert mailbox.messages == []  # nothing went over SMTP


async def test_two_messages_at_the_same_instant_are_two_files(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    offline = settings.model_copy(update={"smtp_url": None})
    previous = clock.set_clock(clock.FrozenClock(clock.now()))
    try:
        await _send(sessions, template="welcome")
        await _send(sessions, template="data_export")
        assert await jobs.run_due_jobs(sessions, offline) == 2
    finally:
        clock.set_clock(previous)
    subjects = sorted(_read_eml(p)["Subject"] for p in offline.mail_dir.glob("*.eml"))
    assert subjects == ["Welcome to Acme Video", "Your Acme Video data"]


async def test_a_very_long_address_still_makes_a_file(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    offline = settings.model_copy(update={"smtp_url": None})
    address = "v" * 64 + "@" + ".".join(["sub" + "d" * 56] * 3) + ".example.com"
    await _send(sessions, to=address)
    assert await jobs.run_due_jobs(sessions, offline) == 1
    [path] = offline.mail_dir.glob("*.eml")
    assert _read_eml(path)["To"] == address


async def test_over_smtp_the_message_arrives_with_text_html_and_attachments(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailbox: Mailbox
) -> None:
    assert settings.smtp_url
    await _send(
        sessions,
        template="data_export",
        attachments=[
            Attachment("account-data.json", "application/json", ARCHIVE),
            Attachment("notes.csv", "text/csv", b"a,b\n1,2\n"),
        ],
    )
    assert await jobs.run_due_jobs(sessions, settings) == 1
    message = mailbox.last("vera@example.com")
    assert message["Subject"] == "Your Acme Video data"
    text, html = _parts(message)
    assert "attached is everything Acme Video keeps" in text
    assert "<p>Hello Vera Viewer,</p>" in html
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert sorted(attachments) == ["account-data.json", "notes.csv"]
    assert attachments["account-data.json"].get_content_type() == "application/json"
    assert attachments["account-data.json"].get_content() == ARCHIVE
    assert attachments["notes.csv"].get_content_type() == "text/csv"
    assert attachments["notes.csv"].get_content().replace("\r\n", "\n") == "a,b\n1,2\n"
    assert not settings.mail_dir.exists()  # with SMTP configured, no .eml file is written


async def test_html_is_escaped_and_text_is_not(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailbox: Mailbox
) -> None:
    await _send(sessions, full_name="<b>Vera</b> & Co")
    await jobs.run_due_jobs(sessions, settings)
    text, html = _parts(mailbox.last("vera@example.com"))
    assert "Hello <b>Vera</b> & Co," in text
    assert "Hello &lt;b&gt;Vera&lt;/b&gt; &amp; Co," in html


async def test_a_line_break_in_a_name_cannot_add_a_header(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailbox: Mailbox
) -> None:
    await _send(sessions, brand_name="Acme\r\nBcc: thief@example.com")
    assert await jobs.run_due_jobs(sessions, settings) == 1
    message = mailbox.last("vera@example.com")
    assert message["Bcc"] is None
    assert message["Subject"] == "Welcome to Acme Bcc: thief@example.com"


def test_a_template_missing_a_value_fails_loudly() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("welcome", {"full_name": "Vera", "email": "vera@example.com"})


async def test_nothing_is_sent_for_a_change_that_rolled_back(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailbox: Mailbox
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await send_email(
                session,
                MERCHANT,
                to="vera@example.com",
                template="welcome",
                context={"brand_name": "Acme", "full_name": "", "email": "vera@example.com"},
            )
            raise RuntimeError("the change failed")
    assert await jobs.run_due_jobs(sessions, settings) == 0
    assert mailbox.messages == []


async def test_an_unreachable_smtp_server_is_retried_without_leaking_its_password(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    down = settings.model_copy(update={"smtp_url": f"smtp://mailer:s3cret-pass@127.0.0.1:{free_port()}"})
    await _send(sessions)
    assert await jobs.run_due_jobs(sessions, down) == 1
    async with sessions() as session:
        job = await session.scalar(select(jobs.Job).where(jobs.Job.kind == "email.send"))
    assert job is not None and job.status == "pending" and job.attempts == 1
    assert job.max_attempts == MAX_ATTEMPTS  # retried for days, not as long as an ordinary job
    assert job.last_error and "s3cret-pass" not in job.last_error


# ----------------------------------------------------------------------------------------------------
# Secrets in log lines.


def test_secret_keys_are_masked() -> None:
    event = {
        "event": "login",
        "password": "hunter2",
        "token": "t",
        "refresh_token": "r",
        "client_secret": "c",
        "pin_code": "1234",
        "smtp_url": "smtp://u:p@h",
        "email": "vera@example.com",
    }
    masked = logs._mask_secrets(None, "info", dict(event))
    assert masked == {
        "event": "login",
        "password": "***",
        "token": "***",
        "refresh_token": "***",
        "client_secret": "***",
        "pin_code": "***",
        "smtp_url": "***",
        "email": "vera@example.com",
    }


def test_secrets_are_masked_whatever_their_case_and_depth() -> None:
    headers = {"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "json"}
    event = {
        "event": "request",
        "headers": headers,
        "Password": "p",
        "items": [{"webhook_secret": "w"}],
        "token_type": "bearer",
    }
    masked = logs._mask_secrets(None, "info", event)
    assert masked["headers"] == {"Authorization": "***", "X-Api-Key": "***", "Accept": "json"}
    assert masked["Password"] == "***"
    assert masked["items"] == [{"webhook_secret": "***"}]
    assert masked["token_type"] == "bearer"
    assert headers["Authorization"] == "Bearer abc"  # the caller's own mapping is left alone


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/boxoffice", "postgresql://app:***@db:5432/boxoffice"),
        (
            "connecting to smtp://mailer:p%40ss@mail.example.com:587 now",
            "connecting to smtp://mailer:***@mail.example.com:587 now",
        ),
        ("https://example.com/a:b@c", "https://example.com/a:b@c"),
        ("http://127.0.0.1:8000/path@x", "http://127.0.0.1:8000/path@x"),
    ],
)
def test_passwords_in_urls_are_masked(value: str, shown: str) -> None:
    assert logs._mask_secrets(None, "info", {"event": "x", "database_url": value})["database_url"] == shown


def test_a_rendered_log_line_holds_no_secret(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.configure("INFO", as_json=True)
    try:
        structlog.get_logger("test").info(
            "account.login",
            email="vera@example.com",
            password="hunter2",
            headers={"authorization": "Bearer abc.def"},
        )
    finally:  # later tests in this process read their own output: no JSON handler is left on the root logger
        root.handlers[:], root.level = handlers, level
        logs.configure("INFO")
    line = capsys.readouterr().out.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["password"] == "***" and record["headers"] == {"authorization": "***"}
    assert "hunter2" not in line and "abc.def" not in line
