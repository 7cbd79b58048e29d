"""The durable jobs table and its worker: run once, retry with backoff, give up, survive a dead worker."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from boxoffice.kit import clock, jobs
from boxoffice.kit.db import create_engine, session_factory, transaction
from boxoffice.kit.settings import Settings
from boxoffice.kit.stopping import Stopping, stop_all

_kinds = itertools.count()


@pytest.fixture
async def engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_database_url)
    # The jobs table is shared by the whole run: start from, and leave, an empty one.
    async with engine.begin() as connection:
        await connection.execute(delete(jobs.Job))
    try:
        yield engine
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(jobs.Job))
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


class Recorder:
    """A handler under a kind of its own that remembers its calls and fails the first `failures` of them."""

    def __init__(self, failures: int = 0) -> None:
        self.kind = f"test.recorder.{next(_kinds)}"
        self.calls: list[dict[str, Any]] = []
        self.failures = failures

    async def __call__(self, session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
        self.calls.append(payload)
        if len(self.calls) <= self.failures:
            raise RuntimeError(f"boom #{len(self.calls)}")


@pytest.fixture
def recorder_factory() -> Iterator[Any]:
    made: list[Recorder] = []

    def make(failures: int = 0) -> Recorder:
        recorder = Recorder(failures)
        jobs.HANDLERS[recorder.kind] = recorder
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        jobs.HANDLERS.pop(recorder.kind, None)


async def _enqueue(
    sessions: async_sessionmaker[AsyncSession], kind: str, payload: dict[str, Any], **options: Any
) -> int:
    async with transaction(sessions) as session:
        job = jobs.enqueue(session, kind, payload, **options)
        await session.flush()
        return job.id


async def _job(sessions: async_sessionmaker[AsyncSession], job_id: int) -> jobs.Job:
    async with sessions() as session:
        job = await session.get(jobs.Job, job_id)
        assert job is not None
        return job


async def test_a_job_runs_once_and_is_done(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    frozen: clock.FrozenClock,
    recorder_factory: Any,
) -> None:
    recorder = recorder_factory()
    job_id = await _enqueue(sessions, recorder.kind, {"n": 1})
    assert await jobs.run_due_jobs(sessions, settings) == 1
    assert recorder.calls == [{"n": 1}]
    job = await _job(sessions, job_id)
    assert (job.status, job.attempts, job.last_error) == ("done", 1, None)
    assert job.finished_at == frozen.now()
    frozen.advance(days=1)
    assert await jobs.run_due_jobs(sessions, settings) == 0
    assert recorder.calls == [{"n": 1}]


async def test_a_delayed_job_waits_for_its_time(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    frozen: clock.FrozenClock,
    recorder_factory: Any,
) -> None:
    recorder = recorder_factory()
    await _enqueue(sessions, recorder.kind, {}, delay=60)
    assert await jobs.run_due_jobs(sessions, settings) == 0
    frozen.advance(seconds=59)
    assert await jobs.run_due_jobs(sessions, settings) == 0
    frozen.advance(seconds=1)
    assert await jobs.run_due_jobs(sessions, settings) == 1
    assert len(recorder.calls) == 1


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, recorder_factory: Any
) -> None:
    recorder = recorder_factory()
    with pytest.raises(ZeroDivisionError):
        async with transaction(sessions) as session:
            jobs.enqueue(session, recorder.kind, {})
            await session.flush()
            _ = 1 / 0
    assert await jobs.run_due_jobs(sessions, settings) == 0
    assert recorder.calls == []


async def test_a_failing_job_is_retried_with_backoff_then_fails(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    frozen: clock.FrozenClock,
    recorder_factory: Any,
) -> None:
    recorder = recorder_factory(failures=99)
    job_id = await _enqueue(sessions, recorder.kind, {}, max_attempts=3)

    for attempt in (1, 2):
        failed_at = frozen.now()
        assert await jobs.run_due_jobs(sessions, settings) == 1
        job = await _job(sessions, job_id)
        assert (job.status, job.attempts) == ("pending", attempt)
        assert job.last_error == f"RuntimeError: boom #{attempt}"
        # Exponential with jitter: between half and all of 30 s * 2^(attempt-1).
        ceiling = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert failed_at + ceiling / 2 <= job.run_at <= failed_at + ceiling
        # Not before its time…
        assert await jobs.run_due_jobs(sessions, settings) == 0
        frozen.advance(seconds=ceiling.total_seconds() / 2 - 1)
        assert await jobs.run_due_jobs(sessions, settings) == 0
        # …and surely once it is due.
        frozen.advance(seconds=ceiling.total_seconds() / 2 + 1)
        assert job.run_at <= frozen.now()

    assert await jobs.run_due_jobs(sessions, settings) == 1
    job = await _job(sessions, job_id)
    assert (job.status, job.attempts, job.finished_at) == ("failed", 3, frozen.now())
    frozen.advance(days=30)
    assert await jobs.run_due_jobs(sessions, settings) == 0
    assert len(recorder.calls) == 3


async def test_a_job_that_fails_once_then_succeeds_is_done(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    frozen: clock.FrozenClock,
    recorder_factory: Any,
) -> None:
    recorder = recorder_factory(failures=1)
    job_id = await _enqueue(sessions, recorder.kind, {})
    assert await jobs.run_due_jobs(sessions, settings) == 1
    frozen.advance(minutes=1)
    assert await jobs.run_due_jobs(sessions, settings) == 1
    job = await _job(sessions, job_id)
    assert (job.status, job.attempts) == ("done", 2)


async def test_the_operator_setting_bounds_attempts_of_jobs_without_their_own(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    frozen: clock.FrozenClock,
    recorder_factory: Any,
) -> None:
    recorder = recorder_factory(failures=99)
    strict = settings.model_copy(update={"job_max_attempts": 2})
    job_id = await _enqueue(sessions, recorder.kind, {})
    for _ in range(5):
        await jobs.run_due_jobs(sessions, strict)
        frozen.advance(hours=7)  # beyond the longest backoff
    job = await _job(sessions, job_id)
    assert (job.status, job.attempts, len(recorder.calls)) == ("failed", 2, 2)


async def test_a_failed_attempt_keeps_none_of_its_writes(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, recorder_factory: Any
) -> None:
    follow_up = recorder_factory()
    kind = f"test.half-done.{next(_kinds)}"

    async def half_done(session: AsyncSession, payload: dict[str, Any], _settings: Settings) -> None:
        jobs.enqueue(session, follow_up.kind, {"from": "half-done"})
        await session.flush()
        raise RuntimeError("after writing")

    jobs.HANDLERS[kind] = half_done
    try:
        await _enqueue(sessions, kind, {}, max_attempts=1)
        assert await jobs.run_due_jobs(sessions, settings) == 1
    finally:
        jobs.HANDLERS.pop(kind)
    assert follow_up.calls == []
    async with sessions() as session:
        kinds = (await session.scalars(select(jobs.Job.kind))).all()
    assert follow_up.kind not in kinds


async def test_a_job_without_a_handler_is_retried_and_says_why(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> None:
    job_id = await _enqueue(sessions, f"test.nobody-handles.{next(_kinds)}", {})
    assert await jobs.run_due_jobs(sessions, settings) == 1
    job = await _job(sessions, job_id)
    assert job.status == "pending"
    assert job.last_error is not None and job.last_error.startswith("LookupError: no handler for job kind")


async def test_a_job_claimed_by_a_dead_worker_runs_after_its_lease(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    frozen: clock.FrozenClock,
    recorder_factory: Any,
) -> None:
    recorder = recorder_factory()
    job_id = await _enqueue(sessions, recorder.kind, {"n": 7})
    # A worker claims the job and dies before running it.
    assert await jobs._claim(sessions, limit=10) == [job_id]
    job = await _job(sessions, job_id)
    assert job.status == "running"
    # While the lease holds, nobody else takes it.
    frozen.advance(seconds=jobs.LEASE.total_seconds() - 1)
    assert await jobs.run_due_jobs(sessions, settings) == 0
    frozen.advance(seconds=1)
    assert await jobs.run_due_jobs(sessions, settings) == 1
    assert recorder.calls == [{"n": 7}]
    assert (await _job(sessions, job_id)).status == "done"


def test_backoff_grows_and_is_capped() -> None:
    for attempt in range(1, 30):
        ceiling = min(30 * 2 ** (attempt - 1), 6 * 3600)
        delay = jobs.backoff(attempt).total_seconds()
        assert ceiling / 2 <= delay <= ceiling
    assert jobs.backoff(100) <= timedelta(hours=6)


async def test_two_workers_never_run_the_same_job_twice(
    migrated_database_url: str, engine: AsyncEngine, settings: Settings
) -> None:
    if not migrated_database_url.startswith("postgresql"):
        pytest.skip(
            "SQLite claims in one UPDATE under its write lock and cannot be made to interleave here; "
            "the two-worker proof runs on PostgreSQL"
        )
    kind = f"test.concurrent.{next(_kinds)}"
    ran: list[tuple[str, int]] = []
    in_flight = asyncio.Barrier(2)
    current_worker: dict[int, str] = {}

    async def record(session: AsyncSession, payload: dict[str, Any], _settings: Settings) -> None:
        # Hold the first job of each worker until the other worker is inside a job too: proof they overlap.
        worker = current_worker[id(asyncio.current_task())]
        if not any(w == worker for w, _ in ran):
            ran.append((worker, payload["n"]))
            await asyncio.wait_for(in_flight.wait(), timeout=20)
        else:
            ran.append((worker, payload["n"]))
        await session.execute(select(1))  # a round trip, so the other worker gets a turn

    jobs.HANDLERS[kind] = record
    other_engine = create_engine(migrated_database_url)
    try:
        sessions = session_factory(engine)
        async with transaction(sessions) as session:
            for n in range(30):
                jobs.enqueue(session, kind, {"n": n})

        async def worker(name: str, factory: async_sessionmaker[AsyncSession]) -> int:
            current_worker[id(asyncio.current_task())] = name
            return await jobs.run_due_jobs(factory, settings, limit=3)

        counts = await asyncio.gather(worker("a", sessions), worker("b", session_factory(other_engine)))
    finally:
        jobs.HANDLERS.pop(kind)
        await other_engine.dispose()

    per_job = Counter(n for _, n in ran)
    assert sorted(per_job) == list(range(30))
    assert set(per_job.values()) == {1}, {n: c for n, c in per_job.items() if c > 1}
    assert sum(counts) == 30 and all(counts), counts
    async with session_factory(engine)() as session:
        statuses = (await session.scalars(select(jobs.Job.status).where(jobs.Job.kind == kind))).all()
    assert statuses == ["done"] * 30


async def test_chores_run_once_per_period_and_a_failing_one_does_not_stop_the_others(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    async def tidy(_factory: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
        runs.append("tidy")

    async def broken(_factory: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
        runs.append("broken")
        raise RuntimeError("this chore fails")

    monkeypatch.setattr(jobs, "CHORES", {"tidy": (60.0, tidy), "broken": (10.0, broken)})
    schedule = jobs.ChoreSchedule()
    assert await schedule.run_due(sessions, settings, 1000.0) == ["tidy", "broken"]
    assert await schedule.run_due(sessions, settings, 1005.0) == []
    assert await schedule.run_due(sessions, settings, 1010.0) == ["broken"]
    assert await schedule.run_due(sessions, settings, 1060.0) == ["tidy", "broken"]
    assert runs == ["tidy", "broken", "broken", "tidy", "broken"]


async def test_a_stopping_worker_finishes_the_job_in_hand_then_ends(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """Asked to stop mid-job, the worker finishes that job (so no lease is left to run out) and claims no other."""
    started, release = asyncio.Event(), asyncio.Event()
    kind = f"test.blocking.{next(_kinds)}"

    async def blocking(session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
        started.set()
        await release.wait()

    jobs.HANDLERS[kind] = blocking
    try:
        first = await _enqueue(sessions, kind, {"n": 1})
        stopping = Stopping()
        working = asyncio.create_task(jobs.work_forever(sessions, settings, stopping))
        await started.wait()
        second = await _enqueue(sessions, kind, {"n": 2})
        stopping.request()
        release.set()
        await asyncio.wait_for(working, timeout=30)  # it ends by itself: nothing cancels it
    finally:
        jobs.HANDLERS.pop(kind)

    assert (await _job(sessions, first)).status == jobs.JobStatus.DONE
    assert (await _job(sessions, second)).status == jobs.JobStatus.PENDING


async def test_stop_all_cancels_only_a_loop_that_outlives_its_grace() -> None:
    stopping = Stopping()
    waiting = asyncio.Event()
    ended: list[str] = []

    async def obedient() -> None:
        while not await stopping.pause(3600):
            pass
        ended.append("obedient")

    async def deaf() -> None:
        waiting.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            ended.append("deaf cancelled")
            raise

    tasks = [asyncio.create_task(obedient()), asyncio.create_task(deaf())]
    await waiting.wait()
    await stop_all(stopping, tasks, grace=0.2)

    assert sorted(ended) == ["deaf cancelled", "obedient"]
    assert not tasks[0].cancelled() and tasks[1].cancelled()
