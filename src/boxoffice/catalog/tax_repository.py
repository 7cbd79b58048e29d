"""A merchant's tax rates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import TaxRate


async def tax_rates(session: AsyncSession, merchant_id: int) -> Sequence[TaxRate]:
    found = await session.scalars(
        select(TaxRate).where(TaxRate.merchant_id == merchant_id).order_by(TaxRate.country_code)
    )
    return found.all()


async def tax_rate(session: AsyncSession, merchant_id: int, country_code: str) -> TaxRate | None:
    found = await session.scalars(
        select(TaxRate).where(TaxRate.merchant_id == merchant_id, TaxRate.country_code == country_code)
    )
    return found.first()
