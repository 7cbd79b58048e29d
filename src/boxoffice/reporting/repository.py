"""Report files, and the rows each export streams. An export reads its rows in the order of an index that leads
with the merchant and the time (`ix_payments_merchant_time`, `ix_refunds_merchant_time`,
`ix_content_requests_item_time`), in batches from a server-side cursor, so memory stays flat however many: on
PostgreSQL straight from the driver, the next batch read while the last is written (see `kit.db.stream_batches`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, func, literal, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import ContentRequest
from boxoffice.billing.models import DECIDED, NOT_STARTED, Payment, Refund, Subscription
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Customer, RegistrationRecord
from boxoffice.kit.db import stream_batches, within
from boxoffice.kit.jobs import Job, JobStatus
from boxoffice.reporting.models import ReportFile
from boxoffice.reporting.narrowing import EVERYTHING, Narrowing

BATCH = 10_000
LISTED = 200  # the newest files a list shows
Query = Select[*tuple[Any, ...]]
Rows = AsyncGenerator[Sequence[Any], None]


async def report_by_name(session: AsyncSession, merchant_id: int, name: str) -> ReportFile | None:
    found = await session.scalars(
        select(ReportFile).where(ReportFile.merchant_id == merchant_id, ReportFile.name == name)
    )
    return found.first()


async def report_by_id(session: AsyncSession, merchant_id: int, report_id: int) -> ReportFile | None:
    found = await session.scalars(
        select(ReportFile).where(ReportFile.merchant_id == merchant_id, ReportFile.id == report_id)
    )
    return found.first()


async def reports_of(session: AsyncSession, merchant_id: int, kinds: Sequence[str]) -> Sequence[ReportFile]:
    found = await session.scalars(
        select(ReportFile)
        .where(ReportFile.merchant_id == merchant_id, ReportFile.kind.in_(kinds))
        .order_by(ReportFile.created_at.desc(), ReportFile.id.desc())
        .limit(LISTED)
    )
    return found.all()


async def jobs_running(session: AsyncSession, job_ids: Sequence[int]) -> set[int]:
    """Which of these jobs a worker holds now (the jobs are no tenant's: their ids come from the merchant's reports)."""
    found = await session.scalars(select(Job.id).where(Job.id.in_(job_ids), Job.status == JobStatus.RUNNING))
    return set(found.all())


async def reports_made_before(
    session: AsyncSession, merchant_id: int, moment: datetime, limit: int
) -> Sequence[ReportFile]:
    found = await session.scalars(
        select(ReportFile)
        .where(ReportFile.merchant_id == merchant_id, ReportFile.created_at < moment)
        .order_by(ReportFile.id)
        .limit(limit)
    )
    return found.all()


def _decided_payments(merchant_id: int, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    return [Payment.merchant_id == merchant_id, Payment.status.in_(DECIDED), *within(Payment.created_at, since, until)]


def _refunds(merchant_id: int, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    return [Refund.merchant_id == merchant_id, *within(Refund.created_at, since, until)]


def _started_subscriptions(
    merchant_id: int, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    return [
        Subscription.merchant_id == merchant_id,
        Subscription.status.not_in(NOT_STARTED),
        *within(Subscription.created_at, since, until),
    ]


def _unerased_customers(merchant_id: int, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    return [
        Customer.merchant_id == merchant_id,
        Customer.erased_at.is_(None),
        *within(Customer.created_at, since, until),
    ]


def _narrowed_payments(item_id: int | None, narrowed: Narrowing) -> list[ColumnElement[bool]]:
    """The payments of the item, country and gateway asked for (and the refunds of those)."""
    found = []
    if item_id is not None:
        found.append(Payment.product_id == item_id)
    if narrowed.country_code is not None:
        found.append(Payment.country_code == narrowed.country_code)
    if narrowed.gateway is not None:
        found.append(Payment.gateway == narrowed.gateway)
    return found


def _narrowed_subscriptions(item_id: int | None, narrowed: Narrowing) -> list[ColumnElement[bool]]:
    found = []
    if item_id is not None:
        found.append(Subscription.product_id == item_id)
    if narrowed.country_code is not None:
        found.append(Subscription.country_code == narrowed.country_code)
    if narrowed.gateway is not None:
        found.append(Subscription.gateway == narrowed.gateway)
    if narrowed.statuses:
        found.append(Subscription.status.in_(narrowed.statuses))
    return found


def _transactions(
    merchant_id: int, since: datetime | None, until: datetime | None, narrowing: list[ColumnElement[bool]]
) -> Query:
    paid = (
        select(
            literal("payment").label("type"),
            Payment.id,
            Payment.created_at,
            Payment.customer_id,
            Customer.email,
            Payment.product_id,
            Product.title,
            Payment.kind,
            Payment.amount,
            Payment.discount,
            Payment.currency,
            Payment.method,
            Payment.gateway,
            # A payment's status and a refund's share the column: both are read back as the strings stored.
            type_coerce(Payment.status, String).label("status"),
            literal(None).label("payment_id"),
            Payment.country_code,
        )
        .join(Customer, and_(Customer.id == Payment.customer_id, Customer.merchant_id == Payment.merchant_id))
        .join(Product, and_(Product.id == Payment.product_id, Product.merchant_id == Payment.merchant_id))
        .where(*_decided_payments(merchant_id, since, until), *narrowing)
    )
    refunded = (
        select(
            literal("refund").label("type"),
            Refund.id,
            Refund.created_at,
            Payment.customer_id,
            Customer.email,
            Payment.product_id,
            Product.title,
            Payment.kind,
            Refund.amount,
            literal(0).label("discount"),
            Refund.currency,
            Payment.method,
            Payment.gateway,
            type_coerce(Refund.status, String).label("status"),
            Refund.payment_id,
            Payment.country_code,
        )
        .join(Payment, and_(Payment.id == Refund.payment_id, Payment.merchant_id == Refund.merchant_id))
        .join(Customer, and_(Customer.id == Payment.customer_id, Customer.merchant_id == Payment.merchant_id))
        .join(Product, and_(Product.id == Payment.product_id, Product.merchant_id == Payment.merchant_id))
        .where(*_refunds(merchant_id, since, until), *narrowing)
    )
    both = union_all(paid, refunded).subquery()
    return select(both).order_by(both.c.created_at, both.c.type, both.c.id)


def _subscriptions(
    merchant_id: int, since: datetime | None, until: datetime | None, narrowing: list[ColumnElement[bool]]
) -> Query:
    return (
        select(
            Subscription.id,
            Subscription.created_at,
            Subscription.customer_id,
            Customer.email,
            Subscription.product_id,
            Product.title,
            Subscription.price_id,
            Price.description,
            type_coerce(Subscription.status, String).label("status"),  # the string stored: no enum made a row
            Subscription.amount,
            Subscription.currency,
            Subscription.period_quantity,
            Subscription.period_unit,
            Subscription.country_code,
            Subscription.trial_ends_at,
            Subscription.current_period_end,
            Subscription.canceled_at,
            Subscription.ended_at,
        )
        .join(Customer, and_(Customer.id == Subscription.customer_id, Customer.merchant_id == Subscription.merchant_id))
        .join(Product, and_(Product.id == Subscription.product_id, Product.merchant_id == Subscription.merchant_id))
        .join(Price, and_(Price.id == Subscription.price_id, Price.merchant_id == Subscription.merchant_id))
        .where(*_started_subscriptions(merchant_id, since, until), *narrowing)
        .order_by(Subscription.created_at, Subscription.id)
    )


def _customers(merchant_id: int, since: datetime | None, until: datetime | None) -> Query:
    return (
        select(
            Customer.id,
            Customer.uuid,
            Customer.email,
            Customer.full_name,
            Customer.created_at,
            Customer.register_source,
            Customer.active,
            RegistrationRecord.country_code,
            RegistrationRecord.device_type,
            Customer.referrer,
            Customer.attributes,
        )
        .outerjoin(
            RegistrationRecord,
            and_(RegistrationRecord.customer_id == Customer.id, RegistrationRecord.merchant_id == Customer.merchant_id),
        )
        .where(*_unerased_customers(merchant_id, since, until))
        .order_by(Customer.created_at, Customer.id)
    )


def _content_requests(
    merchant_id: int, since: datetime | None, until: datetime | None, product_id: int | None
) -> Query:
    return (
        select(
            ContentRequest.requested_at,
            ContentRequest.product_id,
            Product.title,
            ContentRequest.customer_id,
            Customer.email,
            ContentRequest.outcome,
            ContentRequest.request_count,
            ContentRequest.ip_address,
            ContentRequest.country_code,
            ContentRequest.device_type,
            ContentRequest.device_os,
            ContentRequest.referrer,
        )
        .join(Product, and_(Product.id == ContentRequest.product_id, Product.merchant_id == ContentRequest.merchant_id))
        .outerjoin(
            Customer,
            and_(Customer.id == ContentRequest.customer_id, Customer.merchant_id == ContentRequest.merchant_id),
        )
        .where(
            ContentRequest.merchant_id == merchant_id,
            ContentRequest.product_id == product_id,
            *within(ContentRequest.requested_at, since, until),
        )
        .order_by(ContentRequest.requested_at, ContentRequest.id)
    )


def _statement(
    kind: str,
    merchant_id: int,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None,
    narrowed: Narrowing = EVERYTHING,
) -> Query:
    if kind == "transactions":
        return _transactions(merchant_id, since, until, _narrowed_payments(item_id, narrowed))
    if kind == "subscriptions":
        return _subscriptions(merchant_id, since, until, _narrowed_subscriptions(item_id, narrowed))
    if kind == "customers":
        return _customers(merchant_id, since, until)
    if kind == "content_requests":
        return _content_requests(merchant_id, since, until, item_id)
    raise ValueError(f"no export of {kind!r}")


async def count_rows(
    session: AsyncSession,
    kind: str,
    merchant_id: int,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None,
) -> int:
    """How many rows the export holds, counted on the tables its rows come from: what it joins them to (a
    payment's customer and item, a refund's payment, a subscription's price) is there by foreign key, so the
    count needn't join, which took longer than the export's own query. A content request has no such key to its
    item, so it is counted as exported."""
    if kind == "transactions":
        paid = select(func.count()).where(*_decided_payments(merchant_id, since, until)).scalar_subquery()
        refunded = select(func.count()).where(*_refunds(merchant_id, since, until)).scalar_subquery()
        statement: Query = select(paid + refunded)
    elif kind == "subscriptions":
        statement = select(func.count()).where(*_started_subscriptions(merchant_id, since, until))
    elif kind == "customers":
        statement = select(func.count()).where(*_unerased_customers(merchant_id, since, until))
    else:
        exported = _statement(kind, merchant_id, since, until, item_id).order_by(None).subquery()
        statement = select(func.count()).select_from(exported)
    return int(await session.scalar(statement) or 0)


def stream_rows(
    session: AsyncSession,
    kind: str,
    merchant_id: int,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None,
    narrowed: Narrowing = EVERYTHING,
) -> Rows:
    return stream_batches(session, _statement(kind, merchant_id, since, until, item_id, narrowed), BATCH)
