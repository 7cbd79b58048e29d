"""Consent terms and customers' answers to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.models import ConsentTerm, CustomerConsent


async def terms(session: AsyncSession, merchant_id: int, *, active_only: bool) -> Sequence[ConsentTerm]:
    query = select(ConsentTerm).where(ConsentTerm.merchant_id == merchant_id)
    if active_only:
        query = query.where(ConsentTerm.active.is_(True))
    return (await session.scalars(query.order_by(ConsentTerm.id))).all()


async def term(session: AsyncSession, merchant_id: int, name: str) -> ConsentTerm | None:
    found = await session.scalars(
        select(ConsentTerm).where(ConsentTerm.merchant_id == merchant_id, ConsentTerm.name == name)
    )
    return found.first()


async def answers(session: AsyncSession, merchant_id: int, customer_id: int) -> dict[str, CustomerConsent]:
    found = await session.scalars(
        select(CustomerConsent).where(
            CustomerConsent.merchant_id == merchant_id, CustomerConsent.customer_id == customer_id
        )
    )
    return {answer.name: answer for answer in found.all()}
