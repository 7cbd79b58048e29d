"""Every team query. A member is looked up by address or token across merchants only to sign in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.db import Page, page_of
from boxoffice.team.models import AuditEntry, Member, MemberSession, MemberStatus, SessionState

# Signing in names an address or a token, not a merchant: it is how the merchant is found.
_CROSS = {"cross_tenant": True}


async def member_by_email(session: AsyncSession, email: str) -> Member | None:
    statement = select(Member).where(func.lower(Member.email) == email.lower()).execution_options(**_CROSS)
    return await session.scalar(statement)


async def member_by_token(session: AsyncSession, token_hash: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.token_hash == token_hash).execution_options(**_CROSS))


async def member_by_id(session: AsyncSession, merchant_id: int, member_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.merchant_id == merchant_id, Member.id == member_id))


async def holder_of(session: AsyncSession, merchant_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.merchant_id == merchant_id, Member.holder.is_(True)))


async def members_of(session: AsyncSession, merchant_id: int) -> Sequence[Member]:
    statement = (
        select(Member)
        .where(Member.merchant_id == merchant_id, Member.status != MemberStatus.REMOVED)
        .order_by(Member.id)
    )
    return (await session.scalars(statement)).all()


async def session_by_token(session: AsyncSession, token_hash: str) -> MemberSession | None:
    statement = select(MemberSession).where(MemberSession.token_hash == token_hash).execution_options(**_CROSS)
    return await session.scalar(statement)


async def sessions_of(
    session: AsyncSession, merchant_id: int, member_id: int, now: datetime
) -> Sequence[MemberSession]:
    statement = (
        select(MemberSession)
        .where(
            MemberSession.merchant_id == merchant_id,
            MemberSession.member_id == member_id,
            MemberSession.state == SessionState.ACTIVE,
            MemberSession.expires_at > now,
        )
        .order_by(MemberSession.last_seen_at.desc())
    )
    return (await session.scalars(statement)).all()


async def end_sessions(session: AsyncSession, merchant_id: int, member_id: int, *, but: int | None = None) -> None:
    statement = update(MemberSession).where(
        MemberSession.merchant_id == merchant_id,
        MemberSession.member_id == member_id,
        MemberSession.state != SessionState.ENDED,
    )
    if but is not None:
        statement = statement.where(MemberSession.id != but)
    await session.execute(statement.values(state=SessionState.ENDED))


async def search_audit(
    session: AsyncSession, merchant_id: int, text: str, *, offset: int, limit: int
) -> Page[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.merchant_id == merchant_id)
    if text:
        needle = text.lower()  # `%` and `_` typed are looked for as themselves (autoescape)
        statement = statement.where(
            or_(
                func.lower(AuditEntry.actor).contains(needle, autoescape=True),
                func.lower(AuditEntry.action).contains(needle, autoescape=True),
                func.lower(AuditEntry.target).contains(needle, autoescape=True),
                AuditEntry.ip_address.contains(needle, autoescape=True),
            )
        )
    return await page_of(session, statement.order_by(AuditEntry.id.desc()), offset=offset, limit=limit)
