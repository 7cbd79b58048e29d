"""Recording what receivers answered: the delivery log, each delivery's next attempt, and each endpoint's health."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as identity_repo
from boxoffice.kit import clock, metrics
from boxoffice.kit.jobs import backoff
from boxoffice.kit.settings import Settings
from boxoffice.mail.outbox import send_email
from boxoffice.webhooks import deliveries_repository as repo
from boxoffice.webhooks.models import DeliveryStatus, WebhookEndpoint

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Request:
    delivery_id: int
    merchant_id: int
    endpoint_id: int
    created_at: datetime
    attempts: int
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    request: Request
    started_at: datetime
    duration_ms: int
    status_code: int | None
    excerpt: str | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def next_attempt(attempts: int, created_at: datetime, now: datetime, window: timedelta) -> datetime | None:
    """When a delivery that has failed `attempts` times goes again, or None once its retry window has ended."""
    at = now + backoff(attempts)
    return at if at <= created_at + window else None


async def record_outcomes(factory: Callable[[], AsyncSession], settings: Settings, outcomes: list[Outcome]) -> None:
    window = timedelta(hours=settings.webhooks_retry_hours)
    async with factory() as session, session.begin():
        now = clock.now()
        deliveries, attempts = [], []
        for outcome in outcomes:
            request = outcome.request
            if outcome.succeeded:
                retry_at, status = None, DeliveryStatus.DELIVERED
            else:
                retry_at = next_attempt(request.attempts + 1, request.created_at, now, window)
                status = DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED
            delivered_at = now if outcome.succeeded else None
            deliveries.append(
                repo.Recorded(request.delivery_id, status, retry_at, outcome.status_code, outcome.error, delivered_at)
            )
            attempts.append(
                repo.Attempted(
                    request.merchant_id,
                    request.delivery_id,
                    outcome.started_at,
                    outcome.status_code,
                    outcome.excerpt,
                    outcome.error,
                    outcome.duration_ms,
                )
            )
        await repo.record_deliveries(session, deliveries)
        await repo.insert_attempts(session, attempts)
        by_endpoint: dict[int, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            by_endpoint[outcome.request.endpoint_id].append(outcome)
        failed = [e for e, sent in by_endpoint.items() if not any(o.succeeded for o in sent)]
        for endpoint in await repo.endpoints_to_judge(session, by_endpoint.keys(), failed):
            await _judge(session, settings, endpoint, by_endpoint[endpoint.id], now)
    delivered = sum(outcome.succeeded for outcome in outcomes)
    metrics.WEBHOOK_DELIVERIES.labels("delivered").inc(delivered)
    metrics.WEBHOOK_DELIVERIES.labels("failed").inc(len(outcomes) - delivered)


async def _judge(
    session: AsyncSession, settings: Settings, endpoint: WebhookEndpoint, outcomes: list[Outcome], now: datetime
) -> None:
    """A success makes the endpoint healthy again; a batch with none is one more consecutive failure (a batch,
    not each request: twenty requests in flight when a receiver goes down are one outage, not twenty)."""
    if any(o.succeeded for o in outcomes):
        if endpoint.consecutive_failures:
            await repo.hurry_backed_off(session, endpoint.id, endpoint.merchant_id, now)
        endpoint.consecutive_failures, endpoint.retry_at = 0, None
        return
    endpoint.consecutive_failures += 1
    endpoint.retry_at = now + backoff(endpoint.consecutive_failures)
    if endpoint.enabled and endpoint.consecutive_failures >= settings.webhooks_disable_after:
        last = outcomes[-1]
        endpoint.enabled = False
        endpoint.disabled_reason = f"{endpoint.consecutive_failures} consecutive failed attempts"
        log.warning("webhooks.endpoint_disabled", endpoint_id=endpoint.id, merchant_id=endpoint.merchant_id)
        await _tell_merchant(session, endpoint, last)


async def _tell_merchant(session: AsyncSession, endpoint: WebhookEndpoint, last: Outcome) -> None:
    merchant = await identity_repo.merchant_by_id(session, endpoint.merchant_id)
    if merchant is None:
        return
    await send_email(
        session,
        merchant.id,
        to=merchant.email,
        template="webhook_disabled",
        context={
            "brand_name": merchant.full_name,
            "url": endpoint.url,
            "endpoint_id": endpoint.id,
            "failures": endpoint.consecutive_failures,
            "last_error": last.error or f"HTTP status {last.status_code}",
        },
    )
