"""The analytics' queries. Each answers from an index made for it (see the models' `ix_*_audience`,
`ix_payments_merchant_time`, `ix_refunds_merchant_time`, `ix_content_requests_item_time`): a merchant's rows
are counted where they lie, with no roll-up tables to keep current, which `bench/analytics.py` shows is fast
enough at the sizes it seeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import ContentRequest, Entitlement
from boxoffice.billing.models import (
    NOT_STARTED,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionStatus,
)
from boxoffice.identity.models import LoginRecord, RegistrationRecord
from boxoffice.kit.db import within

# (device type, country code, how many); registrations also by the way the account was made, first
AudienceCounts = list[tuple[str | None, str | None, int]]
SourcedCounts = list[tuple[str, str | None, str | None, int]]


async def logins_by_device_and_country(session: AsyncSession, merchant_id: int) -> AudienceCounts:
    """One pass over the audience index for both of the login analytics' breakdowns."""
    r = LoginRecord
    found = await session.execute(
        select(r.device_type, r.country_code, func.count())
        .where(r.merchant_id == merchant_id)
        .group_by(r.device_type, r.country_code)
    )
    return [(device, country, int(total)) for device, country, total in found]


async def registrations_by_source_device_and_country(session: AsyncSession, merchant_id: int) -> SourcedCounts:
    """One pass over the audience index for the three breakdowns of the registration analytics."""
    r = RegistrationRecord
    found = await session.execute(
        select(r.source, r.device_type, r.country_code, func.count())
        .where(r.merchant_id == merchant_id)
        .group_by(r.source, r.device_type, r.country_code)
    )
    return [(source, device, country, int(total)) for source, device, country, total in found]


async def last_content_request(session: AsyncSession, merchant_id: int, customer_id: int) -> ContentRequest | None:
    found = await session.scalars(
        select(ContentRequest)
        .where(ContentRequest.merchant_id == merchant_id, ContentRequest.customer_id == customer_id)
        .order_by(ContentRequest.requested_at.desc(), ContentRequest.id.desc())
        .limit(1)
    )
    return found.first()


async def entitlement_at(
    session: AsyncSession, merchant_id: int, customer_id: int, product_id: int, moment: datetime
) -> Entitlement | None:
    """The customer's access to a product that was in force at `moment`, the latest if several were."""
    found = await session.scalars(
        select(Entitlement)
        .where(
            Entitlement.merchant_id == merchant_id,
            Entitlement.customer_id == customer_id,
            Entitlement.product_id == product_id,
            Entitlement.starts_at <= moment,
            Entitlement.expires_at > moment,
        )
        .order_by(Entitlement.expires_at.desc())
        .limit(1)
    )
    return found.first()


def _succeeded(merchant_id: int, customer_id: int) -> ColumnElement[bool]:
    return and_(
        Payment.merchant_id == merchant_id,
        Payment.customer_id == customer_id,
        Payment.status == PaymentStatus.SUCCEEDED,
    )


async def products_bought(session: AsyncSession, merchant_id: int, customer_id: int) -> int:
    """Distinct items the customer has paid for (a donation buys none)."""
    count = await session.scalar(
        select(func.count(distinct(Payment.product_id))).where(
            _succeeded(merchant_id, customer_id), Payment.kind != "donation"
        )
    )
    return int(count or 0)


async def paid_per_currency(session: AsyncSession, merchant_id: int, customer_id: int) -> dict[str, int]:
    found = await session.execute(
        select(Payment.currency, func.sum(Payment.amount))
        .where(_succeeded(merchant_id, customer_id))
        .group_by(Payment.currency)
    )
    return {currency: int(total or 0) for currency, total in found}


async def refunded_per_currency(session: AsyncSession, merchant_id: int, customer_id: int) -> dict[str, int]:
    found = await session.execute(
        select(Refund.currency, func.sum(Refund.amount))
        .join(Payment, and_(Payment.id == Refund.payment_id, Payment.merchant_id == Refund.merchant_id))
        .where(
            Refund.merchant_id == merchant_id,
            Refund.status == RefundStatus.SUCCEEDED,
            Payment.customer_id == customer_id,
        )
        .group_by(Refund.currency)
    )
    return {currency: int(total or 0) for currency, total in found}


async def edge_purchase(session: AsyncSession, merchant_id: int, customer_id: int, *, last: bool) -> Payment | None:
    """The customer's first (or last) successful payment."""
    order = (Payment.created_at.desc(), Payment.id.desc()) if last else (Payment.created_at, Payment.id)
    found = await session.scalars(select(Payment).where(_succeeded(merchant_id, customer_id)).order_by(*order).limit(1))
    return found.first()


async def first_payment_ids(session: AsyncSession, merchant_id: int, subscription_ids: Sequence[int]) -> dict[int, int]:
    """Each subscription's first payment: the charge its renewals continue."""
    if not subscription_ids:
        return {}
    found = await session.execute(
        select(Payment.subscription_id, func.min(Payment.id))
        .where(Payment.merchant_id == merchant_id, Payment.subscription_id.in_(subscription_ids))
        .group_by(Payment.subscription_id)
    )
    return {int(sid): int(pid) for sid, pid in found if sid is not None}


MoneyCounts = list[tuple[str, str, int, int]]  # method, currency, how many, how much


async def payments_by_method(
    session: AsyncSession, merchant_id: int, since: datetime | None, until: datetime | None
) -> MoneyCounts:
    window = within(Payment.created_at, since, until)
    found = await session.execute(
        select(Payment.method, Payment.currency, func.count(), func.sum(Payment.amount))
        .where(Payment.merchant_id == merchant_id, Payment.status == PaymentStatus.SUCCEEDED, *window)
        .group_by(Payment.method, Payment.currency)
    )
    return [(method, currency, int(n), int(total or 0)) for method, currency, n, total in found]


async def refunds_by_method(
    session: AsyncSession, merchant_id: int, since: datetime | None, until: datetime | None
) -> MoneyCounts:
    window = within(Refund.created_at, since, until)
    found = await session.execute(
        select(Payment.method, Refund.currency, func.count(), func.sum(Refund.amount))
        .join(Payment, and_(Payment.id == Refund.payment_id, Payment.merchant_id == Refund.merchant_id))
        .where(Refund.merchant_id == merchant_id, Refund.status == RefundStatus.SUCCEEDED, *window)
        .group_by(Payment.method, Refund.currency)
    )
    return [(method, currency, int(n), int(total or 0)) for method, currency, n, total in found]


SUBSCRIPTION_GROUPS = {
    "price": Subscription.price_id,
    "item": Subscription.product_id,
    "country": Subscription.country_code,
}
# group key, status, cancelled by the customer, bought with a voucher, how many
SubscriptionCounts = list[tuple[object, SubscriptionStatus, bool, bool, int]]


async def subscriptions_by_state(
    session: AsyncSession, merchant_id: int, *, grouped_by: str | None, country_code: str | None
) -> SubscriptionCounts:
    key = SUBSCRIPTION_GROUPS[grouped_by] if grouped_by else Subscription.merchant_id
    canceled = Subscription.canceled_at.is_not(None)
    voucher = Subscription.voucher_id.is_not(None)
    where = [Subscription.merchant_id == merchant_id, Subscription.status.not_in(NOT_STARTED)]
    if country_code is not None:
        where.append(Subscription.country_code == country_code)
    found = await session.execute(
        select(key, Subscription.status, canceled, voucher, func.count())
        .where(*where)
        .group_by(key, Subscription.status, canceled, voucher)
    )
    return [(group, status, bool(c), bool(v), int(n)) for group, status, c, v, n in found]


# currency, day, how much
DailyMoney = list[tuple[str, date, int]]


def _day(value: object) -> date:
    """A `date(...)` as the engine answers it: a date (PostgreSQL) or its ISO text (SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def paid_per_day(session: AsyncSession, merchant_id: int, since: datetime, until: datetime) -> DailyMoney:
    """What succeeded payments took, per currency and per day of their making (UTC), in [since, until)."""
    day = func.date(Payment.created_at)
    found = await session.execute(
        select(Payment.currency, day, func.sum(Payment.amount))
        .where(
            Payment.merchant_id == merchant_id,
            Payment.status == PaymentStatus.SUCCEEDED,
            *within(Payment.created_at, since, until),
        )
        .group_by(Payment.currency, day)
    )
    return [(currency, _day(on), int(total or 0)) for currency, on, total in found]


async def refunded_per_day(session: AsyncSession, merchant_id: int, since: datetime, until: datetime) -> DailyMoney:
    """What succeeded refunds gave back, per currency and per day they were made (UTC), in [since, until)."""
    day = func.date(Refund.created_at)
    found = await session.execute(
        select(Refund.currency, day, func.sum(Refund.amount))
        .where(
            Refund.merchant_id == merchant_id,
            Refund.status == RefundStatus.SUCCEEDED,
            *within(Refund.created_at, since, until),
        )
        .group_by(Refund.currency, day)
    )
    return [(currency, _day(on), int(total or 0)) for currency, on, total in found]
