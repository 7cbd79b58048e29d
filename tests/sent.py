"""The statements an engine's connections send, seen where they leave: SQLAlchemy's cursor executions, and on
asyncpg the statements given to the driver itself (`boxoffice.kit.prepared`), which SQLAlchemy never sees."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Sent:
    statements: list[str] = field(default_factory=list)
    # Those SQLAlchemy executed, with the execution options they carried; the driver's own have none.
    options: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def settled(self) -> list[str]:
        """The statements, once the driver's loggers scheduled by the statements already run have run: they are
        called back at the event loop's next turn, which this takes."""
        await asyncio.sleep(0)
        return self.statements


def watch(engine: AsyncEngine) -> Sent:
    """Every statement `engine` sends from now on, in order (until the end of the test)."""
    sent = Sent()

    def executed(
        _connection: Connection, _cursor: Any, statement: str, _parameters: Any, context: ExecutionContext, _many: bool
    ) -> None:
        sent.options[len(sent.statements)] = dict(context.execution_options)
        sent.statements.append(statement)

    def logged(query: Any) -> None:
        sent.statements.append(query.query)

    def lent(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Asyncpg hands its query loggers each statement run by `fetch*`/`execute` (SQLAlchemy's own go through
        # prepared statements, which it does not log) with `call_soon`: see `settled`.
        dbapi_connection.driver_connection.add_query_logger(logged)

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    if engine.dialect.driver == "asyncpg":
        event.listen(engine.sync_engine, "checkout", lent)
    return sent
