"""Every branding query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.branding.models import Branding


async def brandings(session: AsyncSession, merchant_id: int) -> Sequence[Branding]:
    query = select(Branding).where(Branding.merchant_id == merchant_id).order_by(Branding.id)
    return (await session.scalars(query)).all()


async def branding(session: AsyncSession, merchant_id: int, branding_id: int) -> Branding | None:
    return await session.scalar(select(Branding).where(Branding.merchant_id == merchant_id, Branding.id == branding_id))


async def default_branding(session: AsyncSession, merchant_id: int) -> Branding | None:
    return await session.scalar(
        select(Branding).where(Branding.merchant_id == merchant_id, Branding.is_default.is_(True))
    )


async def clear_default(session: AsyncSession, merchant_id: int) -> None:
    """No look of the merchant's is its default any more: the one about to be made default takes its place."""
    await session.execute(
        update(Branding)
        .where(Branding.merchant_id == merchant_id, Branding.is_default.is_(True))
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    # The partial unique index is checked per statement: the old default must be written before the new one.
    await session.flush()
