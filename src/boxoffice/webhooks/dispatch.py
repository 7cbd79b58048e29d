"""Turning committed events into deliveries (one per event and endpoint subscribed to its type) and e-mails.

Events are claimed with `FOR UPDATE SKIP LOCKED` and marked dispatched in the transaction that writes their
deliveries and e-mails, so each event is dispatched exactly once however many workers run — whatever order their
transactions committed in (an id cursor would skip an event whose transaction committed late).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events.event_types import WEBHOOK_TYPES
from boxoffice.events.models import Event
from boxoffice.kit import clock
from boxoffice.webhooks import deliveries_repository as repo
from boxoffice.webhooks.models import WebhookEndpoint
from boxoffice.webhooks.notices import send_notices

BATCH = 500
_WEBHOOK_TYPES = frozenset(WEBHOOK_TYPES)


def subscribed(endpoint: WebhookEndpoint, event: Event) -> bool:
    """The endpoint takes the event's type, and existed when it happened (an endpoint added a moment after an
    event the dispatcher hasn't reached yet doesn't get it; replay is how to send past events)."""
    return (
        event.type in _WEBHOOK_TYPES
        and (not endpoint.events or event.type in endpoint.events)
        and event.created_at >= endpoint.created_at
    )


async def dispatch_events(factory: async_sessionmaker[AsyncSession], *, limit: int = BATCH) -> int:
    """Dispatch up to `limit` events; returns how many."""
    async with factory() as session, session.begin():
        events = await repo.claim_undispatched(session, limit)
        if not events:
            return 0
        endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
        for endpoint in await repo.enabled_endpoints(session, {e.merchant_id for e in events}):
            endpoints[endpoint.merchant_id].append(endpoint)
        now = clock.now()
        await repo.insert_deliveries(
            session,
            [
                (event.merchant_id, endpoint.id, event.id)
                for event in events
                for endpoint in endpoints[event.merchant_id]
                if subscribed(endpoint, event)
            ],
            now,
        )
        await send_notices(session, events)
        await repo.mark_dispatched(session, [event.id for event in events], now)
        return len(events)
