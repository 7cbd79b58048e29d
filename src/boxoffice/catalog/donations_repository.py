"""Every donation query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog.models import DonationOption


async def donations_of(session: AsyncSession, merchant_id: int, product_id: int) -> Sequence[DonationOption]:
    rows = await session.scalars(
        select(DonationOption)
        .where(DonationOption.merchant_id == merchant_id, DonationOption.product_id == product_id)
        .order_by(DonationOption.id)
    )
    return rows.all()


async def donation_by_id(session: AsyncSession, merchant_id: int, donation_id: int) -> DonationOption | None:
    return await session.scalar(
        select(DonationOption).where(DonationOption.merchant_id == merchant_id, DonationOption.id == donation_id)
    )
