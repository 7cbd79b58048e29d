"""Status columns: the enum's value is what the database holds, and what a row loads back is the enum's member."""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit import jobs
from boxoffice.kit.db import transaction
from boxoffice.kit.jobs import Job, JobStatus


async def test_a_status_is_stored_as_its_string_and_loaded_as_its_member(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        job = jobs.enqueue(session, "nothing", {})
        await session.flush()
        job_id = job.id
    async with sessions() as session:
        stored = await session.scalar(text("SELECT status FROM jobs WHERE id = :id"), {"id": job_id})
        assert type(stored) is str and stored == "pending"
        loaded = await session.scalar(select(Job.status).where(Job.id == job_id))
        assert loaded is JobStatus.PENDING
        # A plain string (a status a request asked for) filters as the member would.
        found = await session.scalar(select(Job.id).where(Job.id == job_id, Job.status == "pending"))
        assert found == job_id


async def test_a_status_set_in_a_bulk_update_is_stored_as_its_string(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        job = jobs.enqueue(session, "nothing", {})
        await session.flush()
        job_id = job.id
        await session.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.RUNNING))
    async with sessions() as session:
        stored = await session.scalar(text("SELECT status FROM jobs WHERE id = :id"), {"id": job_id})
        assert type(stored) is str and stored == "running"
