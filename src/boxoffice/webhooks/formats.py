"""What a webhook looks like on the wire is a dialect's business; the engine asks for it through this protocol.

The app registers each format under a key (`WireFormats`); an endpoint's `wire` names the one its deliveries are
posted in, `DEFAULT_WIRE` unless it says otherwise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.models import Event
from boxoffice.webhooks.models import DEFAULT_WIRE

__all__ = ["DEFAULT_WIRE", "WireFormat", "WireFormats"]


class WireFormat(Protocol):
    async def bodies(self, session: AsyncSession, events: Sequence[Event]) -> dict[int, bytes]:
        """The request body of each event (by `Event.id`), rendered as the receiver's API expects."""
        ...

    def headers(self, body: bytes, secret: str) -> dict[str, str]:
        """Content type, user agent and the dialect's own signature of `body`, keyed with the merchant's secret."""
        ...


# Every format the app posts in, by the key endpoints name it with (`WebhookEndpoint.wire`).
WireFormats = Mapping[str, WireFormat]
