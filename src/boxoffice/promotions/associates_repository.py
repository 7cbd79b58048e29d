"""Every associate query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.promotions.models import Associate

# A token names its associate before anything names the merchant: the digest is unique over every merchant.
_CROSS = {"cross_tenant": True}


async def associate_by_token_digest(session: AsyncSession, digest: str) -> Associate | None:
    return await session.scalar(select(Associate).where(Associate.token_digest == digest).execution_options(**_CROSS))


async def associate_by_email(session: AsyncSession, merchant_id: int, email: str) -> Associate | None:
    return await session.scalar(
        select(Associate).where(Associate.merchant_id == merchant_id, Associate.email == email.lower())
    )


async def associate_by_id(session: AsyncSession, merchant_id: int, associate_id: int) -> Associate | None:
    return await session.scalar(
        select(Associate).where(Associate.merchant_id == merchant_id, Associate.id == associate_id)
    )
