"""A report asked for is told waiting until a worker takes its job, then under way, then ready."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.kit.jobs import Job, JobStatus
from boxoffice.reporting import service
from boxoffice.reporting.models import ReportStatus
from tests import shop


async def test_a_report_is_under_way_while_a_worker_holds_its_job(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        asked = await service.request_report(session, merchant.id, "transactions", since=None, until=None)
        await service.request_report(session, other.id, "transactions", since=None, until=None)

        async def progress() -> list[tuple[str, bool]]:
            shown = await service.reports_with_progress(session, merchant.id, ("transactions",))
            return [(s.report.name, s.under_way) for s in shown]

        assert await progress() == [(asked.name, False)]
        job = await session.scalar(select(Job).where(Job.id == asked.params["job_id"]))
        assert job is not None and job.payload == {"merchant_id": merchant.id, "report_id": asked.id}
        job.status = JobStatus.RUNNING
        await session.flush()
        assert await progress() == [(asked.name, True)]
        asked.status = ReportStatus.READY
        await session.flush()
        assert await progress() == [(asked.name, False)]
