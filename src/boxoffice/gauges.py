"""The queues' state, read from the database when Prometheus scrapes: whichever process answers sees what every
process and worker left (a gauge kept in memory would be one process's view). One small query per figure, each
over an index or a small table, every merchant's together and none named (an operator's figures, not a tenant's).
"""

from __future__ import annotations

import structlog
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import repository as billing_repo
from boxoffice.kit import clock, jobs

log = structlog.get_logger(__name__)


async def queue_gauges(sessions: async_sessionmaker[AsyncSession]) -> list[Metric]:
    """The gauges, or none when the database can't be read (the scrape still answers with the counters)."""
    now = clock.now()
    try:
        async with sessions() as session:
            due = await billing_repo.count_renewals_due(session, now)
            dunning = await billing_repo.count_in_dunning(session)
            waiting, earliest = await jobs.waiting(session, now)
    except (SQLAlchemyError, OSError) as error:
        log.warning("metrics.database_unreadable", error=str(error))
        return []
    oldest = (now - earliest).total_seconds() if earliest is not None else 0.0
    return [
        GaugeMetricFamily("boxoffice_renewals_due", "Subscriptions due for the renewal engine", value=due),
        GaugeMetricFamily("boxoffice_renewals_in_dunning", "Subscriptions past due, their renewal retried", dunning),
        GaugeMetricFamily("boxoffice_jobs_waiting", "Jobs due that no worker has taken up", value=waiting),
        GaugeMetricFamily(
            "boxoffice_jobs_oldest_waiting_seconds", "How long the job waiting longest has been due", value=oldest
        ),
    ]
