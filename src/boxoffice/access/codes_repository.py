"""Every access-code query. A viewer names a code by its id alone; that lookup is the one unscoped read, and
every query after it is pinned to the merchant the code belongs to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import AccessCode, AccessCodeSession
from boxoffice.kit.db import page_of

_CROSS = {"cross_tenant": True}


async def code_anywhere(session: AsyncSession, code_id: int) -> AccessCode | None:
    """A code by its id alone: the id is all a viewer's browser keeps; the tenant is read off the row."""
    return await session.scalar(select(AccessCode).where(AccessCode.id == code_id).execution_options(**_CROSS))


async def code_by_id(session: AsyncSession, merchant_id: int, code_id: int) -> AccessCode | None:
    return await session.scalar(
        select(AccessCode).where(AccessCode.merchant_id == merchant_id, AccessCode.id == code_id)
    )


async def code_by_value(session: AsyncSession, merchant_id: int, code: str, *, lock: bool = False) -> AccessCode | None:
    """The merchant's code spelled `code`; locked for the rest of the transaction when `lock` (PostgreSQL), so
    two browsers entering it at once are counted one after the other."""
    query = select(AccessCode).where(AccessCode.merchant_id == merchant_id, AccessCode.code == code)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def existing_codes(session: AsyncSession, merchant_id: int, codes: Sequence[str]) -> set[str]:
    """Which of `codes` the merchant already has (codes are unique per merchant)."""
    if not codes:
        return set()
    rows = await session.scalars(
        select(AccessCode.code).where(AccessCode.merchant_id == merchant_id, AccessCode.code.in_(codes))
    )
    return set(rows.all())


async def codes_page(
    session: AsyncSession, merchant_id: int, product_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[AccessCode]]:
    query = select(AccessCode).where(AccessCode.merchant_id == merchant_id, AccessCode.product_id == product_id)
    return await page_of(session, query.order_by(AccessCode.id), offset=offset, limit=limit)


async def session_counts(session: AsyncSession, merchant_id: int, code_ids: Sequence[int]) -> dict[int, int]:
    """How many browsers hold each code."""
    if not code_ids:
        return {}
    rows = await session.execute(
        select(AccessCodeSession.code_id, func.count())
        .where(AccessCodeSession.merchant_id == merchant_id, AccessCodeSession.code_id.in_(code_ids))
        .group_by(AccessCodeSession.code_id)
    )
    return {int(code_id): int(count) for code_id, count in rows.all()}


async def code_session(
    session: AsyncSession, merchant_id: int, code_id: int, fingerprint: str
) -> AccessCodeSession | None:
    return await session.scalar(
        select(AccessCodeSession).where(
            AccessCodeSession.merchant_id == merchant_id,
            AccessCodeSession.code_id == code_id,
            AccessCodeSession.browser_fingerprint == fingerprint,
        )
    )


async def sessions_of(session: AsyncSession, merchant_id: int, code_id: int) -> Sequence[AccessCodeSession]:
    rows = await session.scalars(
        select(AccessCodeSession)
        .where(AccessCodeSession.merchant_id == merchant_id, AccessCodeSession.code_id == code_id)
        .order_by(AccessCodeSession.id)
    )
    return rows.all()


async def delete_code(session: AsyncSession, merchant_id: int, code_id: int) -> None:
    """The code and the browsers holding it."""
    await session.execute(
        delete(AccessCodeSession).where(
            AccessCodeSession.merchant_id == merchant_id, AccessCodeSession.code_id == code_id
        )
    )
    await session.execute(delete(AccessCode).where(AccessCode.merchant_id == merchant_id, AccessCode.id == code_id))
