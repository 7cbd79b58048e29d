"""Every voucher query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.db import page_of
from boxoffice.promotions.models import Voucher, VoucherRule


async def voucher_by_id(session: AsyncSession, merchant_id: int, voucher_id: int) -> Voucher | None:
    return await session.scalar(select(Voucher).where(Voucher.merchant_id == merchant_id, Voucher.id == voucher_id))


async def voucher_by_code(session: AsyncSession, merchant_id: int, code: str) -> Voucher | None:
    return await session.scalar(select(Voucher).where(Voucher.merchant_id == merchant_id, Voucher.code == code))


async def vouchers_page(
    session: AsyncSession, merchant_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[Voucher]]:
    query = select(Voucher).where(Voucher.merchant_id == merchant_id)
    return await page_of(session, query.order_by(Voucher.id.desc()), offset=offset, limit=limit)


async def rules_of(session: AsyncSession, merchant_id: int, voucher_id: int) -> Sequence[VoucherRule]:
    rows = await session.scalars(
        select(VoucherRule)
        .where(VoucherRule.merchant_id == merchant_id, VoucherRule.voucher_id == voucher_id)
        .order_by(VoucherRule.id)
    )
    return rows.all()


async def drop_rules(session: AsyncSession, merchant_id: int, voucher_id: int) -> None:
    await session.execute(
        delete(VoucherRule).where(VoucherRule.merchant_id == merchant_id, VoucherRule.voucher_id == voucher_id)
    )


async def take_use(session: AsyncSession, merchant_id: int, voucher_id: int) -> bool:
    """Count one use if any is left; one conditional UPDATE, so uses can't be over-spent by requests at once."""
    result = await session.execute(
        update(Voucher)
        .where(
            Voucher.merchant_id == merchant_id,
            Voucher.id == voucher_id,
            (Voucher.usage_limit.is_(None)) | (Voucher.usage_count < Voucher.usage_limit),
        )
        .values(usage_count=Voucher.usage_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def give_back_use(session: AsyncSession, merchant_id: int, voucher_id: int) -> None:
    await session.execute(
        update(Voucher)
        .where(Voucher.merchant_id == merchant_id, Voucher.id == voucher_id, Voucher.usage_count > 0)
        .values(usage_count=Voucher.usage_count - 1)
        .execution_options(synchronize_session=False)
    )


async def vouchers_by_ids(session: AsyncSession, merchant_id: int, ids: Sequence[int]) -> dict[int, Voucher]:
    rows = await session.scalars(select(Voucher).where(Voucher.merchant_id == merchant_id, Voucher.id.in_(ids)))
    return {row.id: row for row in rows}
