"""Idempotent writes as Stripe does them: a write request may carry an `Idempotency-Key` header; the key, a
fingerprint of the request and the response are kept for 24 hours. Sent again, the same request gets the same
response without being run again; the same key with a different request, or while the first is still running,
is a conflict.

Keys belong to the credential that sent them (a hash of the Authorization header, or of the client's address
when there is none), so one caller's keys never meet another's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice import clock, jobs
from boxoffice.db import Base, BigId, transaction
from boxoffice.errors import Conflict, InvalidInput
from boxoffice.settings import Settings

KEEP_FOR = timedelta(hours=24)
MAX_KEY = 255
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class IdempotencyRecord(Base):
    """Not a TenantOwned row: it is keyed by a credential's hash and holds only a response already sent to it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now(), index=True)


@dataclass(frozen=True, slots=True)
class Stored:
    status_code: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    record_id: int


def _digest(*parts: bytes) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(len(part).to_bytes(8, "big"))
        hashed.update(part)
    return hashed.hexdigest()


def check_key(key: str) -> str:
    value = key.strip()
    if not value or len(value) > MAX_KEY or not value.isprintable():
        raise InvalidInput({"idempotency_key": f"The Idempotency-Key header is 1 to {MAX_KEY} printable characters"})
    return value


async def begin(
    sessions: async_sessionmaker[AsyncSession], *, credential: bytes, key: str, method: str, target: bytes, body: bytes
) -> Stored | Claim:
    """The stored response of an earlier identical request, or a claim on the key for this one."""
    scope = _digest(credential)
    fingerprint = _digest(method.encode(), target, body)
    async with sessions() as session:
        found = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        )
    if found is None or found.created_at < clock.now() - KEEP_FOR:
        try:
            async with transaction(sessions) as session:
                if found is not None:
                    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == found.id))
                record = IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint)
                session.add(record)
            return Claim(record.id)
        except IntegrityError:
            raise Conflict("A request with this Idempotency-Key is in progress; retry when it has finished") from None
    if found.fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was used for a different request")
    if found.status_code is None:
        raise Conflict("A request with this Idempotency-Key is in progress; retry when it has finished")
    return Stored(found.status_code, found.content_type, found.body or b"")


async def finish(
    sessions: async_sessionmaker[AsyncSession], claim: Claim, status_code: int, content_type: str | None, body: bytes
) -> None:
    """Keep the response for replays; a server error is not kept, so the request may be tried again."""
    async with transaction(sessions) as session:
        record = await session.get(IdempotencyRecord, claim.record_id)
        if record is None:
            return
        if status_code >= 500:
            await session.delete(record)
            return
        record.status_code, record.content_type, record.body = status_code, content_type, body


@jobs.every(3600, "idempotency.purge")
async def purge_expired(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
    async with transaction(sessions) as session:
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - KEEP_FOR))
