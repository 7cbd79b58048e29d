"""Engines, sessions, the declarative base, and the guard that keeps every query inside its tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.sql import Delete, Select, Update, visitors
from sqlalchemy.sql.schema import Column, Table

from boxoffice import clock

# Integer ids that are BIGINT on PostgreSQL but INTEGER on SQLite, where only INTEGER PRIMARY KEY autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=False)}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now(), onupdate=lambda: clock.now())


TENANT_TABLES: set[str] = set()


class TenantOwned:
    """A row that belongs to one merchant. Every query touching it must say which merchant."""

    @declared_attr
    def merchant_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("merchants.id", ondelete="CASCADE"), index=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = getattr(cls, "__tablename__", None)
        if isinstance(name, str):
            TENANT_TABLES.add(name)


class TenantLeak(RuntimeError):
    """Raised when a statement reads or writes tenant rows without naming the merchant."""


def async_url(raw: str) -> URL:
    """Accept plain `sqlite:///…` / `postgresql://…` URLs and pick the async driver."""
    url = make_url(raw)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url.set(drivername="sqlite+aiosqlite")
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        return url.set(drivername="postgresql+asyncpg")
    return url


def create_engine(raw_url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(raw_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back whole when it raises."""
    async with factory() as session, session.begin():
        yield session


def _tables_in(statement: Any) -> list[Table]:
    if isinstance(statement, Select):
        return [t for f in statement.get_final_froms() for t in _leaf_tables(f)]
    if isinstance(statement, Update | Delete):
        return [statement.table] if isinstance(statement.table, Table) else []
    return []


def _leaf_tables(from_clause: Any) -> list[Table]:
    if isinstance(from_clause, Table):
        return [from_clause]
    found: list[Table] = []
    for element in visitors.iterate(from_clause):
        if isinstance(element, Table):
            found.append(element)
    return found


def _scoped_tables(statement: Any) -> set[str]:
    """Tables whose `merchant_id` the statement constrains (in WHERE or in a JOIN's ON)."""
    clauses = []
    where = getattr(statement, "whereclause", None)
    if where is not None:
        clauses.append(where)
    if isinstance(statement, Select):
        clauses.extend(statement.get_final_froms())
    scoped: set[str] = set()
    for clause in clauses:
        for element in visitors.iterate(clause):
            if isinstance(element, Column) and element.name == "merchant_id" and element.table is not None:
                scoped.add(element.table.name)
    return scoped


@event.listens_for(Session, "do_orm_execute")
def _guard_tenancy(state: ORMExecuteState) -> None:
    if state.is_relationship_load or state.execution_options.get("cross_tenant"):
        return
    statement = state.statement
    tenant_tables = {t.name for t in _tables_in(statement) if t.name in TENANT_TABLES}
    missing = tenant_tables - _scoped_tables(statement)
    if missing:
        raise TenantLeak(f"query on {sorted(missing)} is not scoped to a merchant")
