"""What a webhook looks like on the wire is a dialect's business; the engine asks for it through this protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.models import Event


class WireFormat(Protocol):
    async def bodies(self, session: AsyncSession, events: Sequence[Event]) -> dict[int, bytes]:
        """The request body of each event (by `Event.id`), rendered as the receiver's API expects."""
        ...

    def headers(self, body: bytes, secret: str) -> dict[str, str]:
        """Content type, user agent and the dialect's own signature of `body`, keyed with the merchant's secret."""
        ...
