"""Every query on merchants' own e-mail templates."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.mail.models import MailTemplate


async def template_of(session: AsyncSession, merchant_id: int, name: str) -> MailTemplate | None:
    return await session.scalar(
        select(MailTemplate).where(MailTemplate.merchant_id == merchant_id, MailTemplate.name == name)
    )


async def templates_of(session: AsyncSession, merchant_id: int) -> Sequence[MailTemplate]:
    rows = await session.scalars(select(MailTemplate).where(MailTemplate.merchant_id == merchant_id))
    return rows.all()


async def delete_template(session: AsyncSession, merchant_id: int, name: str) -> None:
    await session.execute(
        delete(MailTemplate).where(MailTemplate.merchant_id == merchant_id, MailTemplate.name == name)
    )


async def templates_for(
    session: AsyncSession, merchant_ids: Collection[int], names: Collection[str]
) -> dict[tuple[int, str], MailTemplate]:
    if not merchant_ids or not names:
        return {}
    rows = await session.scalars(
        select(MailTemplate).where(MailTemplate.merchant_id.in_(merchant_ids), MailTemplate.name.in_(names))
    )
    return {(row.merchant_id, row.name): row for row in rows}
