"""What a merchant's team lists and filters: subscriptions and payments, a page at a time, each with the e-mail
address of its customer."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import history, subscriptions
from boxoffice.billing import repository as repo
from boxoffice.billing.models import SubscriptionStatus
from boxoffice.identity import repository as identity_repo
from boxoffice.kit.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    total: int
    rows: list[T]
    emails: dict[int, str]  # customer id → e-mail address, for the customers of `rows`


@dataclass(frozen=True, slots=True)
class SubscriptionsFilter:
    customer_id: int | None = None
    statuses: Collection[SubscriptionStatus] | None = None
    product_id: int | None = None
    country_code: str | None = None
    gateway: str | None = None
    since: datetime | None = None  # started at or after
    until: datetime | None = None  # started before


async def find_subscriptions(
    session: AsyncSession, merchant_id: int, filters: SubscriptionsFilter, *, page: int, limit: int
) -> Listing[subscriptions.SubscriptionView]:
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput({"until": "The end date must be after the start date"})
    total, rows = await repo.subscriptions_page(
        session,
        merchant_id,
        customer_id=filters.customer_id,
        statuses=filters.statuses,
        offset=max(page, 0) * limit,
        limit=limit,
        product_id=filters.product_id,
        country_code=filters.country_code,
        gateway=filters.gateway,
        since=filters.since,
        until=filters.until,
    )
    views = await subscriptions.views_of(session, merchant_id, rows)
    emails = await identity_repo.customer_emails(session, merchant_id, [s.customer_id for s in rows])
    return Listing(total, views, emails)


async def find_payments(
    session: AsyncSession,
    merchant_id: int,
    filters: history.PaymentsFilter,
    *,
    page: int,
    limit: int,
    offset: int | None = None,
) -> Listing[history.PaidItem]:
    """A page of the payments `filters` find, newest first (from `offset` on, where it is not `page` pages in)."""
    found = await history.payments_page(
        session,
        merchant_id,
        filters=filters,
        page=max(page, 0),
        limit=limit,
        count_paying=False,
        offset=None if offset is None else max(offset, 0),
    )
    emails = await identity_repo.customer_emails(session, merchant_id, [row.payment.customer_id for row in found.rows])
    return Listing(found.total, found.rows, emails)


async def find_cancellations(
    session: AsyncSession,
    merchant_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
) -> Listing[subscriptions.SubscriptionView]:
    """Subscriptions cancelled and not taken back, the latest cancelled first; `since` and `until` bound when."""
    if since and until and since >= until:
        raise InvalidInput({"until": "The end date must be after the start date"})
    total, rows = await repo.cancellations_page(
        session, merchant_id, since=since, until=until, offset=max(offset, 0), limit=limit
    )
    views = await subscriptions.views_of(session, merchant_id, rows)
    emails = await identity_repo.customer_emails(session, merchant_id, [s.customer_id for s in rows])
    return Listing(total, views, emails)
