"""Read caches for the hot path that never serve what has since changed, here or in another process.

Every cached value records the generation of its scope — a merchant, or one customer of a merchant — when it was
loaded. Committing a change to a row the caches read (an entitlement, a session, a customer, a product …) bumps
that scope's generation at once in this process, and writes a row to `cache_invalidations` in the same
transaction; every other process reads that feed twice a second and bumps the same scopes. So a revoked
entitlement or a logout stops access immediately on the worker that made it and within about half a second on
every other. Entries also expire after `STALE_AFTER` seconds, which bounds staleness for writes made outside the
ORM.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy import ForeignKey, delete, event, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId
from boxoffice.kit.stopping import Stopping

log = structlog.get_logger(__name__)
V = TypeVar("V")
_MISSING: Any = object()
# Cache time: a monotonic clock, replaceable in tests to show entries expiring.
now = time.monotonic
POLL_EVERY = 0.5
# How long an entry may be served without asking again. Changes made through Boxoffice end it at once; this
# bounds only what was written to the database behind Boxoffice's back.
STALE_AFTER = 120.0
KEEP_FEED = timedelta(minutes=10)
# Ids passed over by the feed that it keeps looking for (transactions in flight at once take at most a few each),
# and how far below the newest id it looks for them when it starts.
MAX_MISSING = 10_000
LOOK_BEHIND = 1_000
# The tables the caches read; changes elsewhere (login records, refresh tokens …) invalidate nothing.
WATCHED = frozenset(
    {
        "merchants",
        "customers",
        "auth_sessions",
        "pin_codes",
        "profiles",
        "entitlements",
        "products",
        "prices",
        "package_members",
        "country_sets",
        "restriction_settings",
    }
)
Scope = tuple[int, int | None]  # (merchant id, customer id or None for the whole merchant)


class CacheInvalidation(Base):
    """The cross-process feed of changed scopes."""

    __tablename__ = "cache_invalidations"
    # The feed is followed by id, so an id is never taken twice: without AUTOINCREMENT, SQLite would start again
    # from 1 once the housekeeping had deleted every row.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Not a TenantOwned row: it is plumbing that every process reads whole, never a merchant's data.
    scope_merchant_id: Mapped[int] = mapped_column(BigId, ForeignKey("merchants.id", ondelete="CASCADE"))
    scope_customer_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now(), index=True)


class Generations:
    """Change counters for this process, per merchant and per customer."""

    def __init__(self) -> None:
        self.everything = 0
        self.merchants: dict[int, int] = {}
        self.customers: dict[tuple[int, int], int] = {}

    def of(self, merchant_id: int, customer_id: int | None = None) -> tuple[int, int, int]:
        customer = self.customers.get((merchant_id, customer_id), 0) if customer_id is not None else 0
        return self.everything, self.merchants.get(merchant_id, 0), customer

    def bump(self, scope: Scope) -> None:
        merchant_id, customer_id = scope
        if customer_id is None:
            self.merchants[merchant_id] = self.merchants.get(merchant_id, 0) + 1
        else:
            key = (merchant_id, customer_id)
            self.customers[key] = self.customers.get(key, 0) + 1

    def bump_all(self) -> None:
        self.everything += 1


generations = Generations()


class TTLCache(Generic[V]):
    """A bounded map whose entries expire after `ttl` seconds or when their scope changes."""

    def __init__(self, ttl: float = STALE_AFTER, max_entries: int = 200_000) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: OrderedDict[Hashable, tuple[float, tuple[int, int, int], V]] = OrderedDict()

    def get(self, key: Hashable, merchant_id: int, customer_id: int | None = None) -> V:
        entry = self._entries.get(key)
        if entry is None:
            return _MISSING  # type: ignore[no-any-return]
        expires, generation, value = entry
        if expires < now() or generation != generations.of(merchant_id, customer_id):
            del self._entries[key]
            return _MISSING  # type: ignore[no-any-return]
        return value

    async def get_or_load(
        self, key: Hashable, load: Callable[[], Awaitable[V]], merchant_id: int, customer_id: int | None = None
    ) -> V:
        value = self.get(key, merchant_id, customer_id)
        if value is not _MISSING:
            return value
        # The generation is read before loading: a change committed meanwhile makes this entry stale at once.
        generation = generations.of(merchant_id, customer_id)
        value = await load()
        self.put(key, value, generation)
        return value

    def put(self, key: Hashable, value: V, generation: tuple[int, int, int]) -> None:
        """Keep `value`, loaded under `generation` (read before the load began), as get_or_load would have."""
        self._entries[key] = (now() + self.ttl, generation, value)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def has(self, key: Hashable, merchant_id: int, customer_id: int | None = None) -> bool:
        return self.get(key, merchant_id, customer_id) is not _MISSING

    def discard(self, key: Hashable) -> None:
        self._entries.pop(key, None)


def _scope_of_row(obj: Any) -> Scope | None:
    table = getattr(obj, "__tablename__", None)
    if table not in WATCHED:
        return None
    if table == "merchants":
        return (obj.id, None) if obj.id is not None else None
    if table == "customers":
        return (obj.merchant_id, obj.id) if obj.id is not None else None
    customer_id = getattr(obj, "customer_id", None)
    return obj.merchant_id, customer_id


def _scopes_of_statement(statement: Any, parameters: Any) -> list[Scope] | None:
    """The merchants (and customers) a bulk UPDATE/DELETE is pinned to by `column = value` in its WHERE. An
    executemany binds its pins per row (`merchant_id = :b_merchant_id`): then each row's values are its scopes."""
    pins: dict[str, BindParameter[Any]] = {}
    where = getattr(statement, "whereclause", None)
    for element in visitors.iterate(where) if where is not None else ():
        if (
            isinstance(element, BinaryExpression)
            and element.operator is operators.eq
            and getattr(element.left, "name", None) in ("merchant_id", "customer_id")
            and isinstance(element.right, BindParameter)
        ):
            pins[element.left.name] = element.right  # type: ignore[union-attr]
    if "merchant_id" not in pins:
        return None
    scopes: list[Scope] = []
    for bound in parameters if isinstance(parameters, list) else [parameters or {}]:
        values = {name: bound.get(pin.key, pin.value) for name, pin in pins.items()}
        merchant_id, customer_id = values["merchant_id"], values.get("customer_id")
        if not isinstance(merchant_id, int):
            return None
        scopes.append((merchant_id, customer_id if isinstance(customer_id, int) else None))
    return scopes


# A transaction that changes more of one merchant's customers than this (a renewal batch) drops the merchant's
# caches once, rather than writing a row to the feed for each customer.
MANY_CUSTOMERS = 32


def _remember(session: Session, scope: Scope) -> None:
    scopes: set[Scope] = session.info.setdefault("changed_scopes", set())
    merchant_id, customer_id = scope
    if scope in scopes or (merchant_id, None) in scopes:
        return
    if customer_id is not None:
        counts: dict[int, int] = session.info.setdefault("customers_changed", {})
        counts[merchant_id] = counts.get(merchant_id, 0) + 1
        if counts[merchant_id] > MANY_CUSTOMERS:
            scope = (merchant_id, None)
    scopes.add(scope)
    session.add(CacheInvalidation(scope_merchant_id=scope[0], scope_customer_id=scope[1]))


@event.listens_for(Session, "before_flush")
def _collect_row_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        scope = _scope_of_row(obj)
        if scope is not None:
            _remember(session, scope)


@event.listens_for(Session, "do_orm_execute")
def _collect_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or state.is_relationship_load:
        return
    if getattr(getattr(state.statement, "table", None), "name", None) not in WATCHED:
        return
    scopes = _scopes_of_statement(state.statement, state.parameters)
    if scopes is None:
        state.session.info["bulk_change"] = True
    for scope in scopes or ():
        _remember(state.session, scope)


@event.listens_for(Session, "after_commit")
def _bump_generations(session: Session) -> None:
    session.info.pop("customers_changed", None)
    for scope in session.info.pop("changed_scopes", ()):
        generations.bump(scope)
    if session.info.pop("bulk_change", False):
        generations.bump_all()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop("changed_scopes", None)
    session.info.pop("customers_changed", None)
    session.info.pop("bulk_change", None)


class InvalidationFeed:
    """Follows `cache_invalidations` so this process learns what other processes changed.

    A row's id is taken when its transaction flushes, but transactions commit in any order: a poll may read id
    N+1 while N is still uncommitted. So every id the feed has passed without reading is looked for again on
    each poll until it appears; an id that never does (its transaction rolled back) is given up after
    `STALE_AFTER`, by which time every entry loaded before its commit could have expired anyway."""

    def __init__(self) -> None:
        self.last_id: int | None = None
        # Ids below `last_id` not read yet, and the cache time at which they were passed over.
        self.missing: dict[int, float] = {}
        self._polls = 0

    async def poll(self, sessions: async_sessionmaker[AsyncSession]) -> int:
        """Bump every scope changed since the last poll; returns how many changes were read."""
        async with sessions() as session, session.begin():
            if self.last_id is None:
                await self._start(session)
                return 0
            wanted = CacheInvalidation.id > self.last_id
            if self.missing:
                wanted = or_(wanted, CacheInvalidation.id.in_(list(self.missing)))
            rows = (
                await session.execute(
                    select(
                        CacheInvalidation.id, CacheInvalidation.scope_merchant_id, CacheInvalidation.scope_customer_id
                    )
                    .where(wanted)
                    .order_by(CacheInvalidation.id)
                )
            ).all()
            for row_id, merchant_id, customer_id in rows:
                generations.bump((merchant_id, customer_id))
                self._read(row_id)
            self._give_up_old_gaps()
            self._polls += 1
            if self._polls % 120 == 0:
                await session.execute(
                    delete(CacheInvalidation).where(CacheInvalidation.created_at < clock.now() - KEEP_FEED)
                )
            return len(rows)

    async def _start(self, session: AsyncSession) -> None:
        """Follow from the newest row; the ids just below it that aren't there yet may belong to transactions
        in flight, so they are looked for as ids passed over."""
        newest = await session.scalar(select(func.coalesce(func.max(CacheInvalidation.id), 0))) or 0
        present = set(
            await session.scalars(select(CacheInvalidation.id).where(CacheInvalidation.id > newest - LOOK_BEHIND))
        )
        noticed = now()
        self.missing = {i: noticed for i in range(max(newest - LOOK_BEHIND, 0) + 1, newest) if i not in present}
        self.last_id = newest

    def _read(self, row_id: int) -> None:
        assert self.last_id is not None
        if row_id <= self.last_id:
            self.missing.pop(row_id, None)
            return
        noticed = now()
        for skipped in range(max(self.last_id + 1, row_id - MAX_MISSING), row_id):
            self.missing[skipped] = noticed
        self.last_id = row_id

    def _give_up_old_gaps(self) -> None:
        # Ids are added in increasing order, so the oldest come first.
        cutoff = now() - STALE_AFTER
        for gap, noticed in list(self.missing.items()):
            if noticed >= cutoff and len(self.missing) <= MAX_MISSING:
                break
            del self.missing[gap]

    async def run(self, sessions: async_sessionmaker[AsyncSession], stopping: Stopping) -> None:
        while not stopping.requested:
            try:
                await self.poll(sessions)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The feed being unreachable must not stop the app; entries still expire by their TTL.
                log.exception("cache.feed_poll_failed")
            await stopping.pause(POLL_EVERY)
