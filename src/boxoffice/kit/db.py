"""Engines, sessions, the declarative base, and the guard that keeps every query inside its tenant."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from enum import StrEnum
from functools import cache
from itertools import compress
from operator import attrgetter, ne
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, TypeVarTuple

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Row,
    String,
    TypeDecorator,
    any_,
    bindparam,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
)
from sqlalchemy.sql import Delete, Insert, Select, Update, operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList, ColumnClause, ColumnElement, Grouping
from sqlalchemy.sql.schema import Table
from sqlalchemy.sql.selectable import (
    AliasedReturnsRows,
    CompoundSelect,
    FromClause,
    Join,
    ScalarSelect,
    SelectBase,
)

from boxoffice.kit import clock

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

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


def table_of(model: type[Base]) -> Table:
    """A mapped class's Core table: a statement on it runs as plain Core (an executemany stays one), outside the
    ORM's own strategies for UPDATE and DELETE."""
    return Base.metadata.tables[model.__tablename__]


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now(), onupdate=lambda: clock.now())


E = TypeVar("E", bound=StrEnum)


class Status(TypeDecorator[E]):
    """A status column: a plain VARCHAR in the schema, the StrEnum's values stored as they are, loaded back as
    members of the StrEnum."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        # A filter may hold a plain string (a status a request asked for): it is compared as it is.
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


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


def create_engine(
    raw_url: str, *, pre_ping: bool = True, server_settings: Mapping[str, str] | None = None, **kwargs: Any
) -> AsyncEngine:
    """An engine for `raw_url`. With `pre_ping`, every checkout from its pool first asks the server whether the
    connection is alive (a round trip), so that one the server dropped is replaced before anyone uses it.
    `server_settings` are set on each of its PostgreSQL connections (SQLite has none)."""
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

        @event.listens_for(engine.sync_engine, "savepoint")
        def _savepoint_takes_the_write_lock(connection: Any, _name: str) -> None:
            # The driver opens a transaction at the first INSERT/UPDATE/DELETE, which waits (busy_timeout) for the
            # write lock. A SAVEPOINT outside a transaction opens a deferred one instead; its reads then pin a
            # snapshot, and a write after them cannot wait: SQLite refuses it at once with "database is locked".
            # Savepoints are taken in order to write, so their transaction asks for the write lock first.
            if not connection.connection.driver_connection.in_transaction:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if server_settings:
        kwargs["connect_args"] = {"server_settings": dict(server_settings)}
    return create_async_engine(url, pool_pre_ping=pre_ping, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def within(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    """Conditions keeping a time column in [since, until); an open end bounds nothing."""
    bounds = []
    if since is not None:
        bounds.append(column >= since)
    if until is not None:
        bounds.append(column < until)
    return bounds


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database; raises when it cannot be reached (the readiness probe)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back whole when it raises."""
    async with factory() as session, session.begin():
        yield session


@asynccontextmanager
async def one_connection(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions made as `factory` makes them, all on one connection taken from its engine's pool for the block.
    A loop of short transactions is then spared a checkout for each, and the ping that comes with every checkout
    of a pre-pinging pool (on asyncpg, three round trips: BEGIN, an empty query, ROLLBACK)."""
    engine = factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as connection:
        yield async_sessionmaker(class_=factory.class_, **(factory.kw | {"bind": connection}))


T = TypeVar("T")
Ts = TypeVarTuple("Ts")
R = TypeVar("R", bound="DataclassInstance")


def among(session: AsyncSession, column: ColumnElement[T], values: Sequence[T]) -> ColumnElement[bool]:
    """`column IN values` for a batch of hundreds: on PostgreSQL `column = ANY(:values)`, the values bound as one
    array, where an IN list binds (and SQLAlchemy renders and processes) a parameter for each."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


async def hold(session: AsyncSession, *name: object) -> None:
    """Until the transaction ends, the one transaction holding `name`: a check of what no row stands for yet (that
    an id is free) and the insert after it go on alone. On PostgreSQL a transaction-level advisory lock on the
    name's hash. On SQLite, the write lock, which one transaction holds at a time: a savepoint takes it (see
    `_savepoint_takes_the_write_lock`), where a read alone would not."""
    if session.get_bind().dialect.name != "postgresql":
        async with session.begin_nested():
            await session.connection()  # the savepoint is only emitted when its connection is asked for
        return
    digest = hashlib.blake2b(repr(name).encode(), digest_size=8).digest()
    await session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


@cache
def _fields_of(row_type: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(row_type))


def columns_of(table: Table, row_type: type[DataclassInstance]) -> list[Column[Any]]:
    """The columns of `table` a plain row type holds (a dataclass whose fields are named after them), in the order
    of its fields: a Core select of these makes each result row into one with `row_type(*row)`."""
    return [table.c[name] for name in _fields_of(row_type)]


class WorkingCopies(Generic[R]):
    """Plain rows (see `columns_of`) a batch changes in memory and then writes back as Core executemany UPDATEs
    keyed by `keys`.

    Loaded as ORM objects and flushed by the unit of work, hundreds of rows cost more to track, compare and
    write one by one than the rules that change them. Plain rows are changed by the same rules (written against
    the fields they read, which the mapped classes have too), and `changes()` says what changed since they were
    taken, column by column, grouped so that each group is one executemany of its repository (a WHERE on the
    `b_`-prefixed keys, a SET of the columns that changed)."""

    def __init__(self, row_type: type[R], keys: Sequence[str]) -> None:
        self._keys = tuple(f"b_{key}" for key in keys)
        # A row's values, keys first: one C call for all of them.
        self._fields = (*keys, *(name for name in _fields_of(row_type) if name not in keys))
        self._values: Callable[[R], tuple[Any, ...]] = attrgetter(*self._fields)
        self._taken: list[tuple[R, tuple[Any, ...]]] = []

    def take(self, rows: Iterable[R]) -> None:
        self._taken += [(row, self._values(row)) for row in rows]

    def changes(self, *, as_one: bool = False) -> list[list[dict[str, Any]]]:
        """Each group's parameter sets: `b_<key>` for each key, and the new value of each column that changed.
        `as_one`: a single group, each changed row setting every column that changed in any of them; for rows the
        caller holds locked, whose unchanged values are still what it read, so that writing them again is a no-op."""
        groups: dict[tuple[bool, ...], list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
        for row, before in self._taken:
            now = self._values(row)
            if now != before:
                keys = dict(zip(self._keys, now, strict=False))  # the keys' values, which come first
                groups.setdefault(tuple(map(ne, now, before)), []).append((now, keys))  # the keys never change
        if as_one and len(groups) > 1:
            every = tuple(map(any, zip(*groups, strict=True)))
            groups = {every: [row for rows in groups.values() for row in rows]}
        for changed, rows in groups.items():
            columns = list(compress(self._fields, changed))
            for now, values in rows:
                values.update(zip(columns, compress(now, changed), strict=True))
        return [[values for _, values in rows] for rows in groups.values()]


class Page(NamedTuple, Generic[T]):
    """One page of a listing, with how many items the whole listing has."""

    total: int
    items: Sequence[T]


async def count_of(session: AsyncSession, statement: Select[*Ts]) -> int:
    """How many rows `statement` selects (its order, if any, left out)."""
    return await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


async def page_of(session: AsyncSession, statement: Select[T], *, offset: int, limit: int) -> Page[T]:
    """The objects `statement` selects, as ordered by it, from `offset` on and at most `limit` of them."""
    rows = await session.scalars(statement.offset(offset).limit(limit))
    return Page(await count_of(session, statement), rows.all())


async def rows_page_of(session: AsyncSession, statement: Select[*Ts], *, offset: int, limit: int) -> Page[Row[*Ts]]:
    """`page_of` for a statement selecting several things a row."""
    rows = await session.execute(statement.offset(offset).limit(limit))
    return Page(await count_of(session, statement), rows.all())


async def stream_batches(
    session: AsyncSession, statement: Select[*Ts], size: int
) -> AsyncGenerator[Sequence[Any], None]:
    """The rows of a Core `statement` in batches of `size`, for reading millions of them with flat memory. Each
    row is a sequence of its columns' values, converted as SQLAlchemy would convert them. Checked by the tenancy
    guard as the session's own queries are. Nothing else may use the session until the batches are done or the
    generator is closed (`contextlib.aclosing`: leaving an `async for` early does not close it).

    On asyncpg the rows come from a cursor of its own (`DECLARE`) on the session's connection, fetched by the
    driver without SQLAlchemy's per-row result handling, and the next batch is asked for before this one is
    handed out: the server reads and sends it while the caller works through this one. A declared cursor is
    planned as one, without the parallel workers a cursor cannot use: asyncpg's own cursor got a plan made for
    them and ran it without them, which took the server 4.0 s of CPU for a million transactions against 2.9."""
    check_scoped(statement)
    await session.flush()  # as the session's own query would: what it holds unwritten is read too
    connection = await session.connection()
    if connection.dialect.driver != "asyncpg":
        result = await connection.stream(statement.execution_options(yield_per=size))
        try:
            async for batch in result.partitions(size):
                yield batch
        finally:
            await result.close()
        return
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect).construct_expanded_state()
    processors = compiled.processors
    arguments = [
        processors[name](value) if name in processors else value
        for name, value in zip(compiled.positiontup or (), compiled.positional_parameters, strict=True)
    ]
    converters = result_converters(statement, dialect)
    raw: Any = (await connection.get_raw_connection()).driver_connection
    cursor = f"batches_{next(_CURSORS)}"
    fetch = f"FETCH FORWARD {int(size)} FROM {cursor}"
    async with contextlib.AsyncExitStack() as stack:
        if not raw.is_in_transaction():  # SQLAlchemy begins its transaction at its first statement; a cursor needs one
            await stack.enter_async_context(raw.transaction(readonly=True))
        await raw.execute(f"DECLARE {cursor} NO SCROLL CURSOR FOR {compiled.statement}", *arguments)
        pending: asyncio.Future[Sequence[Any]] | None = asyncio.ensure_future(raw.fetch(fetch))
        try:
            while pending is not None:
                rows, pending = await pending, None
                if len(rows) == size:
                    pending = asyncio.ensure_future(raw.fetch(fetch))
                    await asyncio.sleep(0)  # let it send its request before the caller takes the loop
                if rows:
                    yield converted(rows, converters)
        finally:
            if pending is not None:  # the caller stopped early: the connection must be idle again
                with contextlib.suppress(Exception):
                    await pending
            with contextlib.suppress(Exception):
                await raw.execute(f"CLOSE {cursor}")


_CURSORS = itertools.count(1)  # names for the cursors streams declare, unique in the process


def result_converters(statement: Select[*Ts], dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    """What SQLAlchemy would do to each column of `statement`'s rows as the driver returns them (None: nothing), for
    rows read from the driver itself."""
    return [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns]


def converted(rows: Sequence[Any], converters: Sequence[Callable[[Any], Any] | None]) -> Sequence[Any]:
    """`rows` from the driver itself, each value converted by `result_converters`' function for its column."""
    # Only the columns that need it are visited: a first access check's row has 42 columns, of which a few do.
    to_convert = [(at, to) for at, to in enumerate(converters) if to is not None]
    if not to_convert:
        return rows
    done = []
    for row in rows:
        values = list(row)
        for at, to in to_convert:
            values[at] = to(values[at])
        done.append(tuple(values))
    return done


# The guard. A tenant table in a statement's FROM is "scoped" when the statement pins its `merchant_id` to
# a value the code chose: `merchant_id = :x` or `merchant_id IN (:x, :y)` in a conjunct of the WHERE (or of
# an inner JOIN's ON), or equated there to another `merchant_id` (or `merchants.id`) that is itself pinned;
# a `merchants` row is pinned by its id or uuid. Anything weaker (`!=`, `IS NOT NULL`, one arm of an OR, two
# tenant tables joined on their merchant ids but neither pinned) is not scoped. Subqueries (in WHERE, in the
# column list, in FROM, UNION arms) are checked as statements of their own; a correlated subquery may lean
# on the pins of the statement around it. A left join's ON narrows only its right side.

MERCHANTS = "merchants"
_MERCHANT_KEYS = ("id", "uuid")

Node = tuple[Any, str]  # (a FROM element: a table or an alias of one, column name)


def _plain(element: Any) -> Any:
    return element._deannotate() if hasattr(element, "_deannotate") else element


def _table_of(from_clause: Any) -> Table | None:
    """The table behind a FROM element that is a table or an alias of one."""
    if isinstance(from_clause, Table):
        return from_clause
    if isinstance(from_clause, AliasedReturnsRows) and isinstance(from_clause.element, Table):
        return from_clause.element
    return None


def _is_tenant(from_clause: Any) -> bool:
    table = _table_of(from_clause)
    return table is not None and table.name in TENANT_TABLES


def _is_merchants(from_clause: Any) -> bool:
    table = _table_of(from_clause)
    return table is not None and table.name == MERCHANTS


def _key_node(column: Any) -> Node | None:
    """The node a column stands for when it names a merchant: `<tenant>.merchant_id`, `merchants.id|uuid`."""
    if not isinstance(column, ColumnClause) or column.table is None:
        return None
    source = _plain(column.table)
    if column.name == "merchant_id" and _is_tenant(source):
        return (source, "merchant_id")
    if column.name in _MERCHANT_KEYS and _is_merchants(source):
        return (source, "id")  # id and uuid are both unique: pinning either pins the row
    return None


def _conjuncts(clause: Any) -> list[Any]:
    clause = _plain(clause)
    while isinstance(clause, Grouping):
        clause = clause.element
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return [c for part in clause.clauses for c in _conjuncts(part)]
    return [clause]


def _columns_in(expression: Any) -> tuple[list[Any], bool]:
    """The columns an expression reads, and whether it holds a subquery (which never counts as a pin)."""
    columns, has_select = [], False
    for element in visitors.iterate(expression):
        if isinstance(element, SelectBase | ScalarSelect):
            has_select = True
        elif isinstance(element, ColumnClause) and element.table is not None:
            columns.append(element)
    return columns, has_select


class _Scope:
    """One SELECT (or the target of an UPDATE/DELETE): its FROM elements, and what its criteria pin."""

    def __init__(self, local: list[Any], outer_pinned: set[Node]) -> None:
        self.local = local
        self.local_ids = {id(f) for f in local}
        self.outer_pinned = outer_pinned
        self.pinned: set[Node] = set()
        self.edges: list[tuple[Node, Node]] = []  # (a, b): b is pinned whenever a is

    def add(self, clause: Any, restricted: set[int] | None = None) -> None:
        """Learn from one WHERE/ON clause. `restricted`: the FROM elements an outer join's ON can narrow."""
        for conjunct in _conjuncts(clause):
            if not isinstance(conjunct, BinaryExpression):
                continue
            if conjunct.operator not in (operators.eq, operators.in_op):
                continue
            self._learn(conjunct.left, conjunct.right, restricted)
            if conjunct.operator is operators.eq:
                self._learn(conjunct.right, conjunct.left, restricted)

    def _learn(self, key_side: Any, other_side: Any, restricted: set[int] | None) -> None:
        node = _key_node(_plain(key_side))
        if node is None or id(node[0]) not in self.local_ids:
            return
        if restricted is not None and id(node[0]) not in restricted:
            return
        columns, has_select = _columns_in(other_side)
        if has_select:
            return
        if not columns:
            self.pinned.add(node)
            return
        if len(columns) != 1:
            return
        other = _key_node(_plain(columns[0]))
        if other is None:
            return
        if id(other[0]) in self.local_ids:
            self.edges.append((other, node))
        elif other in self.outer_pinned:
            self.pinned.add(node)

    def resolve(self) -> set[Node]:
        pinned = set(self.pinned)
        changed = True
        while changed:
            changed = False
            for source, target in self.edges:
                if source in pinned and target not in pinned:
                    pinned.add(target)
                    changed = True
        return pinned

    def missing(self) -> list[str]:
        pinned = self.resolve()
        return [
            _table_of(f).name  # type: ignore[union-attr]
            for f in self.local
            if _is_tenant(f) and (f, "merchant_id") not in pinned
        ]


def _flatten_from(from_clause: Any, scope_froms: list[Any], joins: list[Any], subqueries: list[Any]) -> None:
    from_clause = _plain(from_clause)
    if isinstance(from_clause, Join):
        _flatten_from(from_clause.left, scope_froms, joins, subqueries)
        _flatten_from(from_clause.right, scope_froms, joins, subqueries)
        joins.append(from_clause)
    elif _table_of(from_clause) is not None:
        scope_froms.append(from_clause)
    elif isinstance(from_clause, AliasedReturnsRows) and isinstance(from_clause.element, SelectBase):
        subqueries.append(from_clause.element)


def _froms_of_join(join: Any) -> set[int]:
    found: list[Any] = []
    _flatten_from(join, found, [], [])
    return {id(f) for f in found}


def _nested_selects(element: Any, skip_froms: bool) -> list[Any]:
    """Statements nested in an expression (scalar subqueries, EXISTS, IN (SELECT …)), not inside those."""
    found = []
    for child in element.get_children():
        if isinstance(child, SelectBase):
            found.append(child)
        elif isinstance(child, AliasedReturnsRows):
            if not skip_froms and isinstance(child.element, SelectBase):
                found.append(child.element)
        elif isinstance(child, FromClause):
            continue
        else:
            found.extend(_nested_selects(child, skip_froms=False))
    return found


def _leaks(statement: Any, outer_froms: list[Any], outer_pinned: set[Node]) -> list[str]:
    """Names of tenant tables `statement` reads or writes without pinning their merchant."""
    statement = _plain(statement)
    if isinstance(statement, CompoundSelect):
        return [name for part in statement.selects for name in _leaks(part, outer_froms, outer_pinned)]
    if isinstance(statement, Select):
        froms: list[Any] = []
        joins: list[Any] = []
        subqueries: list[Any] = []
        for from_clause in statement.get_final_froms():
            _flatten_from(from_clause, froms, joins, subqueries)
        # A table the enclosing statement already has in its FROM is correlated, not read afresh.
        outer_ids = {id(f) for f in outer_froms}
        local = [f for f in froms if id(f) not in outer_ids]
        scope = _Scope(local, outer_pinned)
        if statement.whereclause is not None:
            scope.add(statement.whereclause)
        for join in joins:
            if join.onclause is None:
                continue
            if join.full:
                continue
            scope.add(join.onclause, _froms_of_join(join.right) if join.isouter else None)
        if statement._having_criteria:
            for criterion in statement._having_criteria:
                scope.add(criterion)
        missing = scope.missing()
        nested_outer, nested_pinned = outer_froms + local, outer_pinned | scope.resolve()
        for subquery in subqueries:
            missing += _leaks(subquery, [], set())
        for nested in _nested_selects(statement, skip_froms=True):
            missing += _leaks(nested, nested_outer, nested_pinned)
        for join in joins:
            if join.onclause is not None:
                for nested in _nested_selects(join.onclause, skip_froms=False):
                    missing += _leaks(nested, nested_outer, nested_pinned)
        return missing
    if isinstance(statement, Update | Delete):
        target = _plain(statement.table)
        local = [target] if _table_of(target) is not None else []
        where = statement.whereclause
        if where is not None:
            # Other tables named in the criteria are joined in (UPDATE … FROM / DELETE … USING).
            for column in _columns_in(where)[0]:
                source = _plain(column.table)
                if _table_of(source) is not None and all(source is not f for f in local + outer_froms):
                    local.append(source)
        scope = _Scope(local, outer_pinned)
        if where is not None:
            scope.add(where)
        missing = scope.missing()
        for nested in _nested_selects(statement, skip_froms=True):
            missing += _leaks(nested, outer_froms + local, outer_pinned | scope.resolve())
        return missing
    if isinstance(statement, Insert) and statement.select is not None:
        return _leaks(statement.select, [], set())
    return []


@event.listens_for(Session, "do_orm_execute")
def _guard_tenancy(state: ORMExecuteState) -> None:
    # Relationship and column loads fetch rows of objects the session already holds, which were loaded scoped.
    if state.is_relationship_load or state.is_column_load or state.execution_options.get("cross_tenant"):
        return
    check_scoped(state.statement)


def check_scoped(statement: Any) -> None:
    """The guard's verdict on a statement: raises TenantLeak when it reads or writes a tenant's rows without pinning
    the merchant. Sessions ask it of everything they execute; a statement run another way must ask it itself."""
    missing = _verdict(statement)
    if missing:
        raise TenantLeak(f"query on {sorted(set(missing))} is not scoped to a merchant")


# Verdicts per statement shape. Whether a statement pins its merchant depends on its structure, not on the values
# bound into it, and SQLAlchemy's cache key names exactly that structure; walking the tree costs about a
# millisecond, looking the shape up a microsecond.
_VERDICTS: dict[Any, list[str]] = {}


def _verdict(statement: Any) -> list[str]:
    cache_key = statement._generate_cache_key()
    if cache_key is None:
        return _leaks(statement, [], set())
    verdict = _VERDICTS.get(cache_key.key)
    if verdict is None:
        verdict = _leaks(statement, [], set())
        if len(_VERDICTS) >= 10_000:
            _VERDICTS.clear()
        _VERDICTS[cache_key.key] = verdict
    return verdict
