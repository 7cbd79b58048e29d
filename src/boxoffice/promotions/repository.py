"""Every voucher query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.db import page_of
from boxoffice.promotions.models import Voucher, VoucherCampaign, VoucherRule


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


async def codes_taken(session: AsyncSession, merchant_id: int, codes: Sequence[str]) -> set[str]:
    """Which of `codes` (upper-case) a voucher of the merchant already has."""
    rows = await session.scalars(
        select(Voucher.code).where(Voucher.merchant_id == merchant_id, Voucher.code.in_(codes))
    )
    return set(rows)


async def campaign_by_id(session: AsyncSession, merchant_id: int, campaign_id: int) -> VoucherCampaign | None:
    return await session.scalar(
        select(VoucherCampaign).where(VoucherCampaign.merchant_id == merchant_id, VoucherCampaign.id == campaign_id)
    )


async def campaigns_page(
    session: AsyncSession,
    merchant_id: int,
    *,
    associate_id: int | None,
    for_subscriptions: bool | None,
    offset: int,
    limit: int,
) -> tuple[int, Sequence[VoucherCampaign]]:
    """The merchant's campaigns of one kind (None: of both), newest first; only one associate's where
    `associate_id` is given."""
    query = select(VoucherCampaign).where(VoucherCampaign.merchant_id == merchant_id)
    if for_subscriptions is not None:
        query = query.where(VoucherCampaign.for_subscriptions == for_subscriptions)
    if associate_id is not None:
        query = query.where(VoucherCampaign.associate_id == associate_id)
    return await page_of(session, query.order_by(VoucherCampaign.id.desc()), offset=offset, limit=limit)


async def voucher_counts(session: AsyncSession, merchant_id: int, campaign_ids: Sequence[int]) -> dict[int, int]:
    """How many vouchers each campaign has made."""
    rows = await session.execute(
        select(Voucher.campaign_id, func.count())
        .where(Voucher.merchant_id == merchant_id, Voucher.campaign_id.in_(campaign_ids))
        .group_by(Voucher.campaign_id)
    )
    return {campaign_id: count for campaign_id, count in rows.all() if campaign_id is not None}


async def campaign_vouchers_page(
    session: AsyncSession, merchant_id: int, campaign_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[Voucher]]:
    query = select(Voucher).where(Voucher.merchant_id == merchant_id, Voucher.campaign_id == campaign_id)
    return await page_of(session, query.order_by(Voucher.id), offset=offset, limit=limit)


async def set_campaign_active(session: AsyncSession, merchant_id: int, campaign_id: int, active: bool) -> None:
    """Switch every voucher of the campaign on or off, as the campaign is."""
    await session.execute(
        update(Voucher)
        .where(Voucher.merchant_id == merchant_id, Voucher.campaign_id == campaign_id)
        .values(active=active)
        .execution_options(synchronize_session=False)
    )
