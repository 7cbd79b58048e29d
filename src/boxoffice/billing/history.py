"""What was paid: a customer's payment history, and a merchant's transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import gifts
from boxoffice.billing import repository as repo
from boxoffice.billing.models import DECIDED, Payment, PaymentStatus
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.kit.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class PaidItem:
    payment: Payment
    product: Product
    gift: gifts.GiftShown | None = None  # what a gift payment bought
    price: Price | None = None  # None for a donation


# What a transactions `type` filter asks for: the payments' kinds, or their outcome.
KINDS = {
    "purchase": ("purchase",),
    "subscription": ("subscription", "renewal", "plan_switch"),
    "donation": ("donation",),
    "gift": ("gift",),
}
OUTCOMES = {"payment": (PaymentStatus.SUCCEEDED,), "failed": (PaymentStatus.DECLINED,)}
TYPES = (*KINDS, *OUTCOMES)


@dataclass(frozen=True, slots=True)
class PaymentsFilter:
    customer_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    type: str | None = None  # one of TYPES
    product_id: int | None = None
    country_code: str | None = None  # where the payer paid from
    gateway: str | None = None
    refunded: bool = False  # only payments refunded (in part or whole) between `since` and `until`


@dataclass(frozen=True, slots=True)
class PaymentsPage:
    total: int
    paying_customers: int
    rows: list[PaidItem]


async def payments_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    filters: PaymentsFilter,
    page: int,
    limit: int,
    count_paying: bool = True,
    offset: int | None = None,
) -> PaymentsPage:
    """A page of the payments `filters` find (from `offset` on, where it is not `page` pages in); with how many
    customers paid among them unless `count_paying` is False (then 0)."""
    if filters.type is not None and filters.type not in TYPES:
        raise InvalidInput({"type": f"The type is one of {', '.join(TYPES)}"})
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput({"end_date": "The end date must be after the start date"})
    total, paying, payments = await repo.payments_page(
        session,
        merchant_id,
        customer_id=filters.customer_id,
        offset=page * limit if offset is None else offset,
        limit=limit,
        since=filters.since,
        until=filters.until,
        kinds=KINDS.get(filters.type or ""),
        statuses=OUTCOMES.get(filters.type or "", DECIDED),
        product_id=filters.product_id,
        country_code=filters.country_code,
        gateway=filters.gateway,
        refunded=filters.refunded,
        count_paying=count_paying,
    )
    products = await catalog_repo.products_by_ids(session, merchant_id, [p.product_id for p in payments])
    shown = await gifts.gifts_of(session, merchant_id, payments)
    prices = await catalog_repo.prices_by_ids(session, merchant_id, [p.price_id for p in payments if p.price_id])
    rows = [
        PaidItem(p, products[p.product_id], shown.get(p.id), prices.get(p.price_id) if p.price_id else None)
        for p in payments
        if p.product_id in products
    ]
    return PaymentsPage(total, paying, rows)


async def payment_of(session: AsyncSession, merchant_id: int, payment_id: int) -> Payment | None:
    return await repo.payment_by_id(session, merchant_id, payment_id)
