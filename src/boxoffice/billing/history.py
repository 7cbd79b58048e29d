"""What was paid: a customer's payment history, and a merchant's transactions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Product


@dataclass(frozen=True, slots=True)
class PaidItem:
    payment: Payment
    product: Product


async def payments_page(
    session: AsyncSession, merchant_id: int, *, customer_id: int | None, page: int, limit: int
) -> tuple[int, list[PaidItem]]:
    total, payments = await repo.payments_page(
        session, merchant_id, customer_id=customer_id, offset=page * limit, limit=limit
    )
    products = await catalog_repo.products_by_ids(session, merchant_id, [p.product_id for p in payments])
    return total, [PaidItem(p, products[p.product_id]) for p in payments if p.product_id in products]


async def payment_of(session: AsyncSession, merchant_id: int, payment_id: int) -> Payment | None:
    return await repo.payment_by_id(session, merchant_id, payment_id)
