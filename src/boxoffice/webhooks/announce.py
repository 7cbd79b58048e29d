"""Telling the processes that hold notification streams that a customer's events have committed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def on_commit(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Arrange for the events in `rows` to be announced when the session's transaction commits."""
