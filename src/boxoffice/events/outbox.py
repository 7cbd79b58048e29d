"""Writing domain events: in the caller's transaction, so an event exists exactly when its change does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import announce
from boxoffice.events import repository as repo
from boxoffice.kit import clock


@dataclass(frozen=True, slots=True)
class DomainEvent:
    merchant_id: int
    type: str  # InPlayer's webhook names (§6): payment.card.success, subscribe.success, asset.access.granted …
    customer_id: int | None
    resource: dict[str, Any] = field(default_factory=dict)


async def record(session: AsyncSession, *events: DomainEvent) -> None:
    """Add events to the caller's transaction (one statement however many), and have the app processes holding
    the customers' notification streams told when that transaction commits."""
    now = clock.now()
    rows = [
        {
            "merchant_id": event.merchant_id,
            "event_id": str(uuid.uuid4()),
            "type": event.type,
            "customer_id": event.customer_id,
            "resource": event.resource,
            "created_at": now,
        }
        for event in events
    ]
    await repo.insert_events(session, rows)
    await announce.on_commit(session, rows)
