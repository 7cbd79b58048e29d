"""Turning committed events into deliveries (one per event and endpoint subscribed to its type) and e-mails.

Events are claimed with `FOR UPDATE SKIP LOCKED` and marked dispatched by one statement, in the transaction that
writes their deliveries and e-mails, so each event is dispatched exactly once however many workers run — whatever
order their transactions committed in (an id cursor would skip an event whose transaction committed late).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit import clock
from boxoffice.webhooks import deliveries_repository as repo
from boxoffice.webhooks.filters import passes, takes_type
from boxoffice.webhooks.models import WebhookEndpoint
from boxoffice.webhooks.notices import NOTICE_TYPES, send_notices

BATCH = 500


def subscribed(endpoint: WebhookEndpoint, event: repo.Claimed) -> bool:
    """The endpoint takes the event's type (`boxoffice.webhooks.filters.takes_type`: every webhook type when it
    names none, else exactly those it names), and existed when it happened (an endpoint added a moment after an
    event the dispatcher hasn't reached yet doesn't get it; replay is how to send past events). Its `filters`
    are asked of the event apart, once the event is read whole."""
    return takes_type(endpoint.events, event.type) and event.created_at >= endpoint.created_at


async def dispatch_events(factory: Callable[[], AsyncSession], *, limit: int = BATCH) -> int:
    """Dispatch up to `limit` events; returns how many."""
    async with factory() as session, session.begin():
        now = clock.now()
        events = await repo.claim_undispatched(session, limit, now)
        if not events:
            return 0
        endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
        for endpoint in await repo.enabled_endpoints(session, {e.merchant_id for e in events}):
            endpoints[endpoint.merchant_id].append(endpoint)
        pairs = [
            (event, endpoint)
            for event in events
            for endpoint in endpoints[event.merchant_id]
            if subscribed(endpoint, event)
        ]
        # Only the events an endpoint filters are read whole (their resources tell what the filters ask).
        filtered = {event.id for event, endpoint in pairs if endpoint.filters}
        resources = {e.id: e.resource for e in await repo.events_by_id(session, filtered)}
        await repo.insert_deliveries(
            session,
            [
                (event.merchant_id, endpoint.id, event.id)
                for event, endpoint in pairs
                if not endpoint.filters or passes(endpoint.filters, resources.get(event.id, {}))
            ],
            now,
        )
        # Only the few events that may send an e-mail are read whole (their resources say what it tells).
        noticed = [event.id for event in events if event.customer_id is not None and event.type in NOTICE_TYPES]
        await send_notices(session, await repo.events_by_id(session, noticed))
        return len(events)
