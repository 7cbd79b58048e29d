"""Idempotent writes as Stripe does them: a write request may carry an `Idempotency-Key` header; the key, a
fingerprint of the request and the response are kept for 24 hours. Sent again, the same request gets the same
response without being run again; the same key with a different request, or while the first is still running,
is a conflict.

A request holds its key by a lease that its process renews while it runs (`hold`). A process that dies with the
request in flight (a crash, a kill, a lost host) stops renewing it, and once the lease has run out the next retry
takes the key over and runs the request again: what it finds done is answered as it stands (a payment is found by
its key, and told as it was settled, by the janitor if it came first), and what was not done is done once.

Keys belong to the credential that sent them (a hash of the Authorization header, or of the client's address
when there is none), so one caller's keys never meet another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import LargeBinary, String, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock, jobs
from boxoffice.kit.db import Base, BigId, transaction
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.settings import Settings

log = structlog.get_logger(__name__)

KEEP_FOR = timedelta(hours=24)
MAX_KEY = 255
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IN_PROGRESS = "A request with this Idempotency-Key is in progress; retry when it has finished"
# A live claim is renewed this many times per lease, so that a late renewal or two never lets it lapse.
RENEWALS_PER_LEASE = 3


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
    # While the request runs: which claim holds the key (a token of the request's own), and until when unless it
    # is renewed. None: a claim made before leases were kept, long lapsed.
    owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class Stored:
    status_code: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    record_id: int
    owner: str


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
    sessions: async_sessionmaker[AsyncSession],
    *,
    credential: bytes,
    key: str,
    method: str,
    target: bytes,
    body: bytes,
    lease: timedelta,
) -> Stored | Claim:
    """The stored response of an earlier identical request, or a claim on the key for this one (held for `lease`
    unless renewed): a new key's, or that of a request whose process stopped renewing it."""
    scope = _digest(credential)
    fingerprint = _digest(method.encode(), target, body)
    now = clock.now()
    async with sessions() as session:
        found = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        )
    owner = secrets.token_hex(16)
    if found is None or found.created_at < now - KEEP_FOR:
        try:
            async with transaction(sessions) as session:
                if found is not None:
                    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == found.id))
                record = IdempotencyRecord(
                    scope=scope, key=key, fingerprint=fingerprint, owner=owner, lease_until=now + lease
                )
                session.add(record)
            return Claim(record.id, owner)
        except IntegrityError:
            raise Conflict(IN_PROGRESS) from None
    if found.fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was used for a different request")
    if found.status_code is not None:
        return Stored(found.status_code, found.content_type, found.body or b"")
    if found.lease_until is not None and found.lease_until > now:
        raise Conflict(IN_PROGRESS)
    # Its process died: the claim is taken over, by one retry however many race for it.
    async with transaction(sessions) as session:
        held_by = IdempotencyRecord.owner.is_(None) if found.owner is None else IdempotencyRecord.owner == found.owner
        taken = await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == found.id, IdempotencyRecord.status_code.is_(None), held_by)
            .values(owner=owner, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    if not getattr(taken, "rowcount", 0):
        raise Conflict(IN_PROGRESS)
    log.info("idempotency.claim_taken_over", record_id=found.id, lapsed_at=found.lease_until)
    return Claim(found.id, owner)


@asynccontextmanager
async def hold(sessions: async_sessionmaker[AsyncSession], claim: Claim, lease: timedelta) -> AsyncIterator[None]:
    """Renew the claim's lease while the block runs, so that no retry takes over a request still running."""
    renewing = asyncio.create_task(_renew(sessions, claim, lease))
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing


async def _renew(sessions: async_sessionmaker[AsyncSession], claim: Claim, lease: timedelta) -> None:
    every = lease.total_seconds() / RENEWALS_PER_LEASE
    while True:
        await asyncio.sleep(every)
        try:
            async with transaction(sessions) as session:
                await session.execute(
                    update(IdempotencyRecord)
                    .where(IdempotencyRecord.id == claim.record_id, IdempotencyRecord.owner == claim.owner)
                    .values(lease_until=clock.now() + lease)
                    .execution_options(synchronize_session=False)
                )
        except SQLAlchemyError as exc:
            # The next renewal is due well before the lease runs out.
            log.warning("idempotency.renewal_failed", record_id=claim.record_id, error=str(exc))


async def finish(
    sessions: async_sessionmaker[AsyncSession], claim: Claim, status_code: int, content_type: str | None, body: bytes
) -> None:
    """Keep the response for replays; a server error is not kept, so the request may be tried again. A claim
    taken over by a retry (this request's process was taken for dead) is the retry's to finish."""
    async with transaction(sessions) as session:
        record = await session.get(IdempotencyRecord, claim.record_id)
        if record is None or record.owner != claim.owner:
            return
        if status_code >= 500:
            await session.delete(record)
            return
        record.status_code, record.content_type, record.body = status_code, content_type, body
        record.lease_until = None


@jobs.every(3600, "idempotency.purge")
async def purge_expired(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
    async with transaction(sessions) as session:
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - KEEP_FOR))
