"""Every query on plan switches. A pending switch leaves `pending` only by a conditional UPDATE, so that the
renewal applying it and the customer cancelling it can't both win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import PlanSwitch, PlanSwitchStatus
from boxoffice.kit.db import among, table_of

# A renewal batch's subscriptions are hundreds: their ids are bound as one array where the database takes one.
_SWITCHES = table_of(PlanSwitch)


async def switch_of_customer(
    session: AsyncSession, merchant_id: int, customer_id: int, switch_id: int
) -> PlanSwitch | None:
    return await session.scalar(
        select(PlanSwitch)
        .where(PlanSwitch.merchant_id == merchant_id, PlanSwitch.customer_id == customer_id, PlanSwitch.id == switch_id)
        .execution_options(populate_existing=True)
    )


async def switch_by_id(session: AsyncSession, merchant_id: int, switch_id: int) -> PlanSwitch | None:
    return await session.scalar(
        select(PlanSwitch).where(PlanSwitch.merchant_id == merchant_id, PlanSwitch.id == switch_id)
    )


async def switches_of_customer(session: AsyncSession, merchant_id: int, customer_id: int) -> Sequence[PlanSwitch]:
    """Newest first."""
    rows = await session.scalars(
        select(PlanSwitch)
        .where(PlanSwitch.merchant_id == merchant_id, PlanSwitch.customer_id == customer_id)
        .order_by(PlanSwitch.created_at.desc(), PlanSwitch.id.desc())
    )
    return rows.all()


async def last_switch_of(session: AsyncSession, merchant_id: int, subscription_id: int) -> PlanSwitch | None:
    return await session.scalar(
        select(PlanSwitch)
        .where(PlanSwitch.merchant_id == merchant_id, PlanSwitch.subscription_id == subscription_id)
        .order_by(PlanSwitch.id.desc())
        .limit(1)
    )


async def pending_switches_of(
    session: AsyncSession, merchant_id: int, subscription_ids: Sequence[int]
) -> dict[int, PlanSwitch]:
    """The pending switch of each subscription that has one."""
    if not subscription_ids:
        return {}
    rows = await session.scalars(
        select(PlanSwitch).where(
            PlanSwitch.merchant_id == merchant_id,
            PlanSwitch.subscription_id.in_(subscription_ids),
            PlanSwitch.status == PlanSwitchStatus.PENDING,
        )
    )
    return {row.subscription_id: row for row in rows}


async def close_pending_of(
    session: AsyncSession, merchant_id: int, subscription_ids: Sequence[int], status: PlanSwitchStatus, at: datetime
) -> list[PlanSwitch]:
    """Move the pending switches of these subscriptions to `status` and load them."""
    if not subscription_ids:
        return []
    closed = await session.scalars(
        update(PlanSwitch)
        .where(
            PlanSwitch.merchant_id == merchant_id,
            among(session, _SWITCHES.c.subscription_id, subscription_ids),
            PlanSwitch.status == PlanSwitchStatus.PENDING,
        )
        .values(status=status, updated_at=at)
        .returning(PlanSwitch.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(closed.all())
    if not ids:
        return []
    rows = await session.scalars(
        select(PlanSwitch)
        .where(PlanSwitch.merchant_id == merchant_id, PlanSwitch.id.in_(ids))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def cancel_pending(session: AsyncSession, merchant_id: int, switch_id: int, at: datetime) -> bool:
    """False when the switch was no longer pending (applied or cancelled meanwhile)."""
    result = await session.execute(
        update(PlanSwitch)
        .where(
            PlanSwitch.merchant_id == merchant_id,
            PlanSwitch.id == switch_id,
            PlanSwitch.status == PlanSwitchStatus.PENDING,
        )
        .values(status=PlanSwitchStatus.CANCELLED, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
