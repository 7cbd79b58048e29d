"""The durable jobs table and the worker loop that drains it.

A side effect (an e-mail, later a webhook or a renewal) is enqueued in the same transaction as the change that
causes it, so it is never lost and never sent for a change that rolled back. Workers claim due jobs with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several can run side by side; SQLite runs one worker.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import JSON, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status
from boxoffice.kit.settings import Settings
from boxoffice.kit.stopping import Stopping

log = structlog.get_logger(__name__)

Handler = Callable[[AsyncSession, dict[str, Any], Settings], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
# Chores every worker runs on a schedule, each in its own transactions (reconciling what a crash left half-done).
# They must be safe to run twice at once: with several workers, they will be.
Chore = Callable[[async_sessionmaker[AsyncSession], Settings], Awaitable[None]]
CHORES: dict[str, tuple[float, Chore]] = {}
LEASE = timedelta(minutes=5)


class JobStatus(StrEnum):
    PENDING = "pending"  # due at its run_at
    RUNNING = "running"  # leased to a worker until its run_at; due again if the worker died
    DONE = "done"
    FAILED = "failed"  # out of attempts


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(Status(JobStatus, 16), default=JobStatus.PENDING, index=True)
    run_at: Mapped[datetime] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # 0: as many as the operator allows (`BOXOFFICE_JOB_MAX_ATTEMPTS`, read when the job runs).
    max_attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    finished_at: Mapped[datetime | None]


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def every(seconds: float, name: str) -> Callable[[Chore], Chore]:
    def register(chore: Chore) -> Chore:
        CHORES[name] = (seconds, chore)
        return chore

    return register


class ChoreSchedule:
    """When each chore last ran in this worker (monotonic seconds)."""

    def __init__(self) -> None:
        self.last_run: dict[str, float] = {}

    async def run_due(self, factory: async_sessionmaker[AsyncSession], settings: Settings, now: float) -> list[str]:
        ran = []
        for name, (seconds, chore) in CHORES.items():
            if now - self.last_run.get(name, -seconds) < seconds:
                continue
            self.last_run[name] = now
            try:
                await chore(factory, settings)
            except Exception:
                log.exception("chore.failed", chore=name)
            ran.append(name)
        return ran


def enqueue(
    session: AsyncSession, kind: str, payload: dict[str, Any], *, delay: float = 0, max_attempts: int = 0
) -> Job:
    """Add a job to the caller's transaction. `max_attempts=0` defers to the `job_max_attempts` setting."""
    run_at = clock.now() + timedelta(seconds=delay)
    job = Job(kind=kind, payload=payload, run_at=run_at, max_attempts=max_attempts)
    session.add(job)
    return job


def backoff(attempt: int) -> timedelta:
    """Exponential with full jitter: about 30 s, 1 min, 2 min … capped at 6 h."""
    ceiling = min(30 * 2 ** (attempt - 1), 6 * 3600)
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


async def waiting(session: AsyncSession, as_of: datetime) -> tuple[int, datetime | None]:
    """Jobs due by `as_of` that no worker holds (a lease run out counts: the job is due again): how many, and
    when the one waiting longest was due (None: none waits)."""
    due = (Job.status.in_((JobStatus.PENDING, JobStatus.RUNNING)), Job.run_at <= as_of)
    count, earliest = (await session.execute(select(func.count(), func.min(Job.run_at)).where(*due))).one()
    return int(count), earliest


async def _claim(factory: async_sessionmaker[AsyncSession], limit: int) -> list[int]:
    """Lease up to `limit` due jobs to this worker. A leased job whose worker died is due again when its lease
    runs out, so a handler may run twice and must be safe to."""
    async with factory() as session, session.begin():
        now = clock.now()
        due = (
            select(Job.id)
            .where(Job.status.in_((JobStatus.PENDING, JobStatus.RUNNING)), Job.run_at <= now)
            .order_by(Job.run_at, Job.id)
            .limit(limit)
        )
        lease = {"status": JobStatus.RUNNING, "run_at": now + LEASE}
        if session.get_bind().dialect.name == "postgresql":
            ids = list((await session.scalars(due.with_for_update(skip_locked=True))).all())
            if ids:
                await session.execute(update(Job).where(Job.id.in_(ids)).values(**lease))
            return ids
        # SQLite has no row locks, but one UPDATE holds the database's write lock from choosing to leasing,
        # so two workers can never lease the same job.
        leased = await session.scalars(
            update(Job).where(Job.id.in_(due.scalar_subquery())).values(**lease).returning(Job.id)
        )
        return sorted(leased.all())


async def _run_one(factory: async_sessionmaker[AsyncSession], settings: Settings, job_id: int) -> None:
    """Run one claimed job; its handler's writes and the job's completion commit together."""
    async with factory() as session:
        try:
            async with session.begin():
                job = await session.get(Job, job_id)
                if job is None:
                    return
                handler = HANDLERS.get(job.kind)
                if handler is None:
                    raise LookupError(f"no handler for job kind {job.kind!r}")
                await handler(session, dict(job.payload), settings)
                job.status, job.finished_at = JobStatus.DONE, clock.now()
                job.attempts += 1
        except Exception as exc:
            async with session.begin():
                failed = await session.get(Job, job_id)
                assert failed is not None
                failed.attempts += 1
                failed.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if failed.attempts >= (failed.max_attempts or settings.job_max_attempts):
                    failed.status, failed.finished_at = JobStatus.FAILED, clock.now()
                else:
                    failed.status, failed.run_at = JobStatus.PENDING, clock.now() + backoff(failed.attempts)
            log.warning(
                "job.failed",
                job_id=job_id,
                kind=failed.kind,
                attempt=failed.attempts,
                error=failed.last_error,
            )


async def run_due_jobs(
    factory: async_sessionmaker[AsyncSession], settings: Settings, *, limit: int = 20, stopping: Stopping | None = None
) -> int:
    """Run every job due now, once; returns how many ran. Tests and `boxoffice worker` both call this.

    Once a stop is asked no more are claimed; those already claimed are run, so none waits out a lease."""
    ran = 0
    while not (stopping and stopping.requested) and (ids := await _claim(factory, limit)):
        for job_id in ids:
            await _run_one(factory, settings, job_id)
            ran += 1
    return ran


async def work_forever(factory: async_sessionmaker[AsyncSession], settings: Settings, stopping: Stopping) -> None:
    """Run chores and jobs until the stop is asked; the job in hand is finished first."""
    log.info("worker.started")
    chores = ChoreSchedule()
    while not stopping.requested:
        try:
            await chores.run_due(factory, settings, time.monotonic())
            if not await run_due_jobs(factory, settings, stopping=stopping):
                await stopping.pause(settings.worker_poll_interval)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker.loop_error")
            await stopping.pause(settings.worker_poll_interval)
    log.info("worker.stopped")
