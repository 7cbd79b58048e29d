"""A hot path's one statement, run on the driver's own connection.

SQLAlchemy's execution of a statement costs more than the round trip it makes when the statement is small and
asked thousands of times a second: the session, the execution context, parameter and result processing through
several layers, ORM rows. `Prepared` keeps what of that is needed and does it once: the statement is built with
SQLAlchemy and checked by the tenancy guard when it is made, compiled once per dialect, and on asyncpg sent as the
driver's own prepared statement (asyncpg keeps one per connection and query text) with its values in order; the
row comes back as a tuple, each value converted as SQLAlchemy would convert it. Other drivers (SQLite) execute the
same statement through SQLAlchemy Core.

`Detached` turns such a row's columns into the model instance a closed session would have left: the rules that
read rows read them as they read any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.schema import Table

from boxoffice.kit.db import Base, check_scoped, converted, result_converters

M = TypeVar("M", bound=Base)
# The execution option that marks a statement of `Prepared` (checked by the guard when it was made) to whoever
# watches the statements an engine sends.
GUARDED = "tenancy_checked"
Convert = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound values' names, in the order of their $n
    constants: dict[str, Any]  # the values the statement itself holds (a LIMIT, a literal compared with)
    binds: tuple[Convert, ...]
    results: tuple[Convert, ...]


class Prepared:
    """`statement` (a SELECT), guarded once, sent the cheapest way the connection's driver allows."""

    def __init__(self, statement: Select[Any]) -> None:
        check_scoped(statement)
        self.statement = statement
        self._compiled: _Compiled | None = None

    async def first(self, connection: AsyncConnection, values: Mapping[str, Any]) -> Sequence[Any] | None:
        """The first row for `values`, or None."""
        if connection.dialect.driver != "asyncpg":
            result = await connection.execute(self.statement, dict(values), execution_options={GUARDED: True})
            row: Sequence[Any] | None = result.first()
            return row
        record = await self._on_driver(connection, values, "fetchrow")
        return None if record is None else converted([record], self._results)[0]

    async def all(self, connection: AsyncConnection, values: Mapping[str, Any]) -> list[Sequence[Any]]:
        """Every row for `values`."""
        if connection.dialect.driver != "asyncpg":
            result = await connection.execute(self.statement, dict(values), execution_options={GUARDED: True})
            return list(result.all())
        return list(converted(await self._on_driver(connection, values, "fetch"), self._results))

    async def _on_driver(self, connection: AsyncConnection, values: Mapping[str, Any], method: str) -> Any:
        compiled = self._compiled or self._compile(connection.dialect)
        driver: Any = (await connection.get_raw_connection()).driver_connection
        given = (values[name] if name in values else compiled.constants[name] for name in compiled.names)
        pairs = zip(given, compiled.binds, strict=True)
        arguments = [value if convert is None else convert(value) for value, convert in pairs]
        try:
            return await getattr(driver, method)(compiled.sql, *arguments)
        except Exception as error:
            if driver.is_closed():
                # As SQLAlchemy reports a connection the server dropped: the pool discards it, and a caller that
                # retries on `connection_invalidated` gets a fresh one.
                await connection.invalidate(error)
                raise DBAPIError(compiled.sql, arguments, error, connection_invalidated=True) from error
            raise

    @property
    def _results(self) -> tuple[Convert, ...]:
        assert self._compiled is not None  # compiled by `_on_driver`, which ran first
        return self._compiled.results

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        self._compiled = _Compiled(
            compiled.string,
            names,
            compiled.params,
            tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names),
            tuple(result_converters(self.statement, dialect)),
        )
        return self._compiled


def attribute_keys(model: type[Base]) -> tuple[str, ...]:
    """The attribute each of the model's table columns is read as, in the table's column order."""
    mapper = inspect(model)
    table = mapper.local_table
    assert isinstance(table, Table)
    return tuple(mapper.get_property_by_column(column).key for column in table.columns)


class Detached(Generic[M]):
    """Instances of `model` from the values of its table's columns (in the table's order, `keys`), as a closed
    session leaves what it loaded: readable, belonging to no session, known by its primary key. What that takes of
    the mapper is looked up once, when made: a first access check makes three."""

    def __init__(self, model: type[M]) -> None:
        mapper = inspect(model)
        self.keys = attribute_keys(model)
        self._new = mapper.class_manager.new_instance
        self._identity_key = mapper.identity_key_from_primary_key
        self._primary_key_at = tuple(self.keys.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key)

    def __call__(self, values: Sequence[Any]) -> M:
        instance: M = self._new()  # type: ignore[assignment]  # the manager of `model` makes instances of it
        instance.__dict__.update(zip(self.keys, values, strict=True))
        # What `make_transient_to_detached` does to a new instance, without its walk over the attributes not loaded
        # to expire them: a detached instance refuses to load those either way, and the walk is most of the cost.
        key = self._identity_key(tuple(values[at] for at in self._primary_key_at))
        instance_state(instance).key = key  # type: ignore[assignment]  # the identity of `model`, a mapped class
        return instance
