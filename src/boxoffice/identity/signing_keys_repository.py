"""Queries on the server's signing keys (server-wide rows: no merchant owns them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.models import SigningKey


async def signing_keys(session: AsyncSession) -> Sequence[SigningKey]:
    """Every key, newest first (a handful: rotations delete what has expired)."""
    return (await session.scalars(select(SigningKey).order_by(SigningKey.id.desc()))).all()


async def purposes_with_live_keys(session: AsyncSession, now: datetime) -> set[str]:
    rows = await session.scalars(
        select(SigningKey.purpose).where(or_(SigningKey.expires_at.is_(None), SigningKey.expires_at > now)).distinct()
    )
    return set(rows)


async def expire_keys(session: AsyncSession, purpose: str, at: datetime) -> None:
    """Keys of `purpose` that verify until `at` at the latest."""
    await session.execute(
        update(SigningKey)
        .where(SigningKey.purpose == purpose, or_(SigningKey.expires_at.is_(None), SigningKey.expires_at > at))
        .values(expires_at=at)
    )


async def delete_expired_keys(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(SigningKey).where(SigningKey.expires_at <= now))
