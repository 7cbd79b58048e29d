"""E-mail is retried like a webhook delivery: with exponential backoff and jitter, for at least three days."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import clock, jobs
from boxoffice.kit.db import transaction
from boxoffice.kit.settings import Settings
from boxoffice.mail import delivery  # noqa: F401  (registers the email.send handler)
from boxoffice.mail.outbox import MAX_ATTEMPTS, send_email
from tests.conftest import free_port

THREE_DAYS = timedelta(days=3)


def schedule() -> list[timedelta]:
    """The waits between the attempts of an e-mail that never goes out, as the worker draws them."""
    return [jobs.backoff(attempt) for attempt in range(1, MAX_ATTEMPTS)]


def test_the_retries_span_three_days_however_the_jitter_falls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    shortest = schedule()
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    longest = schedule()
    assert sum(shortest, timedelta()) >= THREE_DAYS
    assert sum(longest, timedelta()) <= 2 * sum(shortest, timedelta())
    # Exponential: each wait at least the one before, doubling until the cap.
    assert all(later >= earlier for earlier, later in pairwise(shortest))
    assert shortest[1] == 2 * shortest[0] and max(shortest) == shortest[-1]


def test_the_waits_are_jittered() -> None:
    drawn = [schedule() for _ in range(3)]
    assert drawn[0] != drawn[1] != drawn[2]
    assert all(sum(waits, timedelta()) >= THREE_DAYS for waits in drawn)


async def test_an_email_that_cant_be_sent_is_tried_for_three_days_then_given_up(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    down = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    context = {"brand_name": "Acme", "full_name": "Vera", "email": "vera@example.com"}
    async with transaction(sessions) as session:
        await send_email(session, 1, to="vera@example.com", template="welcome", context=context)
    started = clock.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await jobs.run_due_jobs(sessions, down) == 1
        async with sessions() as session:
            job = await session.scalar(select(jobs.Job).where(jobs.Job.kind == "email.send"))
        assert job is not None and job.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert job.status == "pending", attempt
            assert await jobs.run_due_jobs(sessions, down) == 0  # not before its time
            frozen._now = job.run_at
    assert job.status == "failed" and job.last_error
    assert clock.now() - started >= THREE_DAYS
