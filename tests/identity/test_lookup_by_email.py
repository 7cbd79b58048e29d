"""Sign-in, sign-up and password reset find an account by e-mail whatever its case, through an index on both
engines: a scan of a merchant's customers took 110 ms at 300,000, on every sign-in of a storm."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity import repository


async def _plan(sessions: async_sessionmaker[AsyncSession], lookup: Callable[[AsyncSession], Awaitable[Any]]) -> str:
    """The query plan of the statement `lookup` sends, as the database would run it on a large table."""
    sent: list[tuple[str, Any]] = []
    async with sessions() as session:
        engine = session.bind.sync_engine  # type: ignore[union-attr]

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            await lookup(session)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        [(statement, parameters)] = sent
        connection = await session.connection()
        if engine.dialect.name == "postgresql":
            # The tables here are small: only a plan that can't scan shows whether an index serves the lookup.
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in rows)


async def test_a_customer_is_found_by_email_in_any_case_through_an_index(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    plan = await _plan(sessions, lambda session: repository.customer_by_email(session, 1, "Viewer@Example.com"))
    assert "ix_customers_merchant_id_lower_email" in plan, plan


async def test_a_merchant_is_found_by_email_in_any_case_through_an_index(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    plan = await _plan(sessions, lambda session: repository.merchant_by_email(session, "Owner@Example.com"))
    assert "ix_merchants_lower_email" in plan, plan
