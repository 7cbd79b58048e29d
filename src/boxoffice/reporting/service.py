"""Asking for a report, building it in the worker (or at once, from the command line), listing and linking."""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.catalog import repository as catalog_repo
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.identity.tokens import token_secret
from boxoffice.kit import clock, jobs
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound
from boxoffice.kit.settings import Settings
from boxoffice.reporting import exports
from boxoffice.reporting import repository as repo
from boxoffice.reporting.models import ReportFile, ReportStatus
from boxoffice.reporting.narrowing import EVERYTHING, Narrowing
from boxoffice.reporting.storage import storage_for

log = structlog.get_logger(__name__)
BUILD_JOB = "reports.build"
PURGE_BATCH = 500


def _name(kind: str, merchant_id: int, now: datetime) -> str:
    """Content-request files are named by day, as InPlayer names them (a second one that day replaces the
    first); exports by the second they were asked for."""
    if kind == "content_requests":
        return f"content_requests_{merchant_id}_{now:%Y-%m-%d}.csv"
    return f"{kind}_{merchant_id}_{now:%Y-%m-%d_%H%M%S}.csv"


def _params(since: datetime | None, until: datetime | None, item_id: int | None, narrowed: Narrowing) -> dict[str, Any]:
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "item_id": item_id,
    } | narrowed.params()


async def _new_report(
    session: AsyncSession,
    merchant_id: int,
    kind: str,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None,
    narrowed: Narrowing = EVERYTHING,
) -> ReportFile:
    if kind not in exports.KINDS:
        raise InvalidInput({"kind": f"Reports are of {', '.join(exports.KINDS)}"})
    if since is not None and until is not None and since >= until:
        raise InvalidInput({"end_date": "The end date must not be before the start date"})
    if kind == "content_requests" and (
        item_id is None or await catalog_repo.product_by_id(session, merchant_id, item_id) is None
    ):
        raise NotFound(what=Missing.PRODUCT)
    now = clock.now()
    name = _name(kind, merchant_id, now)
    try:
        async with session.begin_nested():
            report = await repo.report_by_name(session, merchant_id, name)
            if report is None:
                report = ReportFile(merchant_id=merchant_id, kind=kind, name=name)
                session.add(report)
            report.params = _params(since, until, item_id, narrowed)
            report.status, report.created_at = ReportStatus.PENDING, now
            report.rows, report.size, report.error, report.finished_at = 0, 0, None, None
    except IntegrityError:
        raise Conflict("A report of this name is being made; ask again in a moment") from None
    return report


async def request_report(
    session: AsyncSession,
    merchant_id: int,
    kind: str,
    *,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None = None,
    narrowed: Narrowing = EVERYTHING,
) -> ReportFile:
    """Record the report as pending and leave its building to the worker."""
    report = await _new_report(session, merchant_id, kind, since, until, item_id, narrowed)
    job = jobs.enqueue(session, BUILD_JOB, {"merchant_id": merchant_id, "report_id": report.id}, max_attempts=3)
    await session.flush()
    # The job building it, by which the report is told to be under way or still waiting for a worker.
    report.params = report.params | {"job_id": job.id}
    return report


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


async def build_report(
    session: AsyncSession, settings: Settings, report: ReportFile, progress: exports.Progress | None = None
) -> None:
    """Write the report's CSV to a file of its own, hand it to the storage, and mark it ready."""
    handle, raw_path = tempfile.mkstemp(prefix="boxoffice-report-", suffix=".csv")
    path = Path(raw_path)
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            rows = await exports.write_csv(
                session,
                out,
                report.kind,
                report.merchant_id,
                since=_moment(report.params.get("since")),
                until=_moment(report.params.get("until")),
                item_id=report.params.get("item_id"),
                narrowed=Narrowing.of(report.params),
                progress=progress,
            )
        size = (await asyncio.to_thread(path.stat)).st_size
        await storage_for(settings).save(report.merchant_id, report.name, path)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    report.status, report.rows, report.size, report.finished_at = ReportStatus.READY, rows, size, clock.now()


async def make_report(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    kind: str,
    *,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None = None,
    progress: exports.Progress | None = None,
) -> ReportFile:
    """Build a report now (`boxoffice report`), recorded as the worker would record it."""
    report = await _new_report(session, merchant_id, kind, since, until, item_id)
    await build_report(session, settings, report, progress)
    return report


@jobs.handles(BUILD_JOB)
async def _build_job(session: AsyncSession, payload: dict[str, Any], settings: Settings) -> None:
    report = await repo.report_by_id(session, int(payload["merchant_id"]), int(payload["report_id"]))
    if report is None or report.status != ReportStatus.PENDING:
        return
    try:
        await build_report(session, settings, report)
    except SQLAlchemyError:
        raise  # the job is tried again
    except Exception as exc:
        # The storage refused it, or the disk is full: the merchant sees it failed and may ask again.
        log.exception("report.failed", report_id=report.id, kind=report.kind)
        report.status, report.error, report.finished_at = ReportStatus.FAILED, type(exc).__name__, clock.now()


@jobs.every(3600, "reports.purge")
async def purge_old_reports(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Delete the files older than `reports_keep_days`, from the storage and then from the list."""
    cutoff = clock.now() - timedelta(days=settings.reports_keep_days)
    storage = storage_for(settings)
    async with transaction(sessions) as session:
        merchant_ids = await identity_repo.merchant_ids(session)
    for merchant_id in merchant_ids:
        while True:
            async with transaction(sessions) as session:
                old = await repo.reports_made_before(session, merchant_id, cutoff, PURGE_BATCH)
                for report in old:
                    await storage.delete(merchant_id, report.name)
                    await session.delete(report)
            if len(old) < PURGE_BATCH:
                break


async def reports_of(session: AsyncSession, merchant_id: int, kinds: tuple[str, ...]) -> list[ReportFile]:
    return list(await repo.reports_of(session, merchant_id, kinds))


@dataclass(frozen=True, slots=True)
class ReportShown:
    """A report file, and whether a worker is building it now (of one pending: otherwise it waits for one)."""

    report: ReportFile
    under_way: bool


async def reports_with_progress(session: AsyncSession, merchant_id: int, kinds: tuple[str, ...]) -> list[ReportShown]:
    found = await repo.reports_of(session, merchant_id, kinds)
    pending = [r.params["job_id"] for r in found if r.status == ReportStatus.PENDING and "job_id" in r.params]
    building = await repo.jobs_running(session, pending) if pending else set()
    return [ReportShown(r, r.params.get("job_id") in building) for r in found]


async def download_link(
    session: AsyncSession, settings: Settings, merchant: Merchant, name: str, kinds: tuple[str, ...]
) -> str:
    """A link to the finished file that works for `reports_link_ttl` seconds, for whoever holds it."""
    # No file is named with a NUL, which PostgreSQL can't even compare.
    report = None if "\x00" in name else await repo.report_by_name(session, merchant.id, name)
    if report is None or report.kind not in kinds:
        raise NotFound("Report not found")
    if report.status == ReportStatus.PENDING:
        raise Conflict("The report is still being made")
    if report.status == ReportStatus.FAILED:
        raise Conflict("The report could not be made; ask for it again")
    expires = clock.unix(clock.now()) + settings.reports_link_ttl
    key = await token_secret(session, settings)
    return await storage_for(settings).download_url(
        merchant.id, merchant.uuid, report.name, expires=expires, signing_key=key
    )
