"""Every gift query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import Gift


async def gift_by_code(session: AsyncSession, merchant_id: int, code: str) -> Gift | None:
    return await session.scalar(select(Gift).where(Gift.merchant_id == merchant_id, Gift.code == code))


async def gift_by_id(session: AsyncSession, merchant_id: int, gift_id: int) -> Gift | None:
    """Read from the database even when the session holds the row: a conditional UPDATE may just have changed it."""
    return await session.scalar(
        select(Gift)
        .where(Gift.merchant_id == merchant_id, Gift.id == gift_id)
        .execution_options(populate_existing=True)
    )


async def gift_of_payment(session: AsyncSession, merchant_id: int, payment_id: int) -> Gift | None:
    return await session.scalar(select(Gift).where(Gift.merchant_id == merchant_id, Gift.payment_id == payment_id))


async def gifts_of_payments(session: AsyncSession, merchant_id: int, payment_ids: Sequence[int]) -> Sequence[Gift]:
    if not payment_ids:
        return []
    rows = await session.scalars(select(Gift).where(Gift.merchant_id == merchant_id, Gift.payment_id.in_(payment_ids)))
    return rows.all()


async def claim_gift(session: AsyncSession, merchant_id: int, gift_id: int, customer_id: int, now: datetime) -> bool:
    """Mark a gift redeemed by `customer_id` if nobody has and it wasn't refunded; one conditional UPDATE, so two
    redemptions at once can't both take it."""
    result = await session.execute(
        update(Gift)
        .where(
            Gift.merchant_id == merchant_id,
            Gift.id == gift_id,
            Gift.redeemed_at.is_(None),
            Gift.refunded_at.is_(None),
        )
        .values(redeemed_by_customer_id=customer_id, redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def void_unredeemed(session: AsyncSession, merchant_id: int, gift_id: int, now: datetime) -> bool:
    """Mark a gift refunded if nobody has redeemed it yet; False when a redemption got there first."""
    result = await session.execute(
        update(Gift)
        .where(
            Gift.merchant_id == merchant_id,
            Gift.id == gift_id,
            Gift.redeemed_at.is_(None),
            Gift.refunded_at.is_(None),
        )
        .values(refunded_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
