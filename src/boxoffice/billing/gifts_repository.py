"""Every gift query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import Gift
from boxoffice.catalog.models import Product
from boxoffice.identity.models import Customer
from boxoffice.kit.db import Page, rows_page_of


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


def _unsent() -> tuple[ColumnElement[bool], ...]:
    """A gift whose e-mail hasn't gone and still may: not sent, nor redeemed (its code is out already), nor void."""
    return Gift.sent_at.is_(None), Gift.redeemed_at.is_(None), Gift.refunded_at.is_(None)


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return *_unsent(), or_(Gift.delivery_date.is_(None), Gift.delivery_date <= now)


async def change_delivery(
    session: AsyncSession,
    merchant_id: int,
    gift_id: int,
    receiver_email: str,
    delivery_date: datetime | None,
    personal_note: str | None,
) -> bool:
    """Change where and when an unsent gift goes; False when it was sent (or redeemed, or refunded) first."""
    result = await session.execute(
        update(Gift)
        .where(Gift.merchant_id == merchant_id, Gift.id == gift_id, *_unsent())
        .values(receiver_email=receiver_email, delivery_date=delivery_date, personal_note=personal_note)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_sent(session: AsyncSession, merchant_id: int, gift_id: int, now: datetime) -> bool:
    """Claim a due gift's e-mail for the caller: of a sender and the delivery chore at once, one sends it, and a
    buyer's change of date made a moment before is respected."""
    result = await session.execute(
        update(Gift)
        .where(Gift.merchant_id == merchant_id, Gift.id == gift_id, *_due(now))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def merchants_with_due_gifts(session: AsyncSession, now: datetime) -> list[int]:
    """Merchants with a gift whose e-mail is due. Read across tenants on purpose: it is the delivery chore's one
    question about every merchant at once, and it answers only ids."""
    rows = await session.scalars(
        select(Gift.merchant_id).where(*_due(now)).distinct().execution_options(cross_tenant=True)
    )
    return sorted(rows.all())


async def due_gift_ids(session: AsyncSession, merchant_id: int, now: datetime, limit: int) -> Sequence[int]:
    rows = await session.scalars(
        select(Gift.id).where(Gift.merchant_id == merchant_id, *_due(now)).order_by(Gift.id).limit(limit)
    )
    return rows.all()


async def gifts_page(session: AsyncSession, merchant_id: int, *, offset: int, limit: int) -> Page[Row[Gift, str, str]]:
    """The merchant's gifts, newest first, each with its item's title and its buyer's e-mail."""
    statement = (
        select(Gift, Product.title, Customer.email)
        .join(Product, Product.id == Gift.product_id)
        .join(Customer, Customer.id == Gift.buyer_customer_id)
        .where(Gift.merchant_id == merchant_id, Product.merchant_id == merchant_id, Customer.merchant_id == merchant_id)
        .order_by(Gift.id.desc())
    )
    return await rows_page_of(session, statement, offset=offset, limit=limit)
