"""The delivery log a merchant reads, and sending again by hand: retry a delivery, replay past events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.event_types import TEST_TYPE, WEBHOOK_TYPES
from boxoffice.events.models import Event
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.webhooks import deliveries_repository as engine_repo
from boxoffice.webhooks import endpoints_repository as repo
from boxoffice.webhooks.endpoints import get_endpoint
from boxoffice.webhooks.filters import passes, takes_type
from boxoffice.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

MAX_REPLAY = 10_000


@dataclass(frozen=True, slots=True)
class DeliveryLog:
    delivery: WebhookDelivery
    event: Event
    attempts: Sequence[WebhookAttempt]
    wire: str  # the wire format its endpoint is posted in


async def list_deliveries(
    session: AsyncSession, merchant_id: int, endpoint_id: int, status: str | None, offset: int, limit: int
) -> tuple[int, Sequence[tuple[WebhookDelivery, Event]]]:
    await get_endpoint(session, merchant_id, endpoint_id)
    try:
        wanted = DeliveryStatus(status) if status is not None else None
    except ValueError:
        raise InvalidInput({"status": "The status is pending, delivered or failed"}) from None
    return await repo.deliveries_page(session, merchant_id, endpoint_id, wanted, offset, limit)


async def get_delivery(session: AsyncSession, merchant_id: int, endpoint_id: int, delivery_id: int) -> DeliveryLog:
    found = await repo.delivery(session, merchant_id, endpoint_id, delivery_id)
    if found is None:
        raise NotFound("Delivery not found")
    delivery, event = found
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    return DeliveryLog(delivery, event, await repo.attempts(session, merchant_id, delivery.id), endpoint.wire)


async def retry_delivery(session: AsyncSession, merchant_id: int, endpoint_id: int, delivery_id: int) -> DeliveryLog:
    """Send it again now, whatever state it is in; the endpoint's backoff doesn't hold it back."""
    log = await get_delivery(session, merchant_id, endpoint_id, delivery_id)
    log.delivery.status, log.delivery.next_attempt_at = DeliveryStatus.PENDING, clock.now()
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    endpoint.retry_at = None
    await session.flush()
    return log


async def replay_events(
    session: AsyncSession, merchant_id: int, endpoint_id: int, *, event_id: str | None, since: datetime | None
) -> int:
    """Deliver past events to the endpoint again, as new deliveries with the events' own ids (so a receiver that
    already has one can tell): one event by id, or every event since a time — only events the endpoint takes, of its
    types and through its filters (one event it doesn't take is refused)."""
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    if (event_id is None) == (since is None):
        raise InvalidInput({"event_id": "Name an event_id, or a since time to replay from"})
    if event_id is not None:
        event = await repo.event_by_uuid(session, merchant_id, event_id)
        # A named-only type is not to be seen but by an endpoint naming it.
        if event is None or not (event.type in WEBHOOK_TYPES or event.type in endpoint.events):
            raise NotFound("Event not found")
        # Only what the endpoint takes, as the dispatcher would have sent it: of its types, through its filters.
        if not takes_type(endpoint.events, event.type):
            raise InvalidInput({"event_id": f"This endpoint doesn't take events of type {event.type!r}"})
        if not passes(endpoint.filters, event.resource):
            raise InvalidInput({"event_id": "The event doesn't meet this endpoint's filters"})
        events: Sequence[Event] = [event]
    else:
        assert since is not None
        types = endpoint.events or list(WEBHOOK_TYPES)
        found = await repo.events_since(session, merchant_id, types, since, MAX_REPLAY)
        # What the endpoint takes: of its types, those its filters let through.
        events = [e for e in found if passes(endpoint.filters, e.resource)]
    await engine_repo.insert_deliveries(session, [(merchant_id, endpoint.id, e.id) for e in events], clock.now())
    return len(events)


async def send_test_event(session: AsyncSession, merchant_id: int, endpoint_id: int) -> WebhookDelivery:
    """Post a test event to one endpoint now, to see that it is reached and checks the signature: an event of its
    own type, written already dispatched so that no other endpoint gets it, and delivered like any other."""
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("The endpoint is disabled: enable it to send it a test event")
    now = clock.now()
    event = Event(
        merchant_id=merchant_id,
        event_id=str(uuid.uuid4()),
        type=TEST_TYPE,
        customer_id=None,
        resource={"message": "A test event sent from the dashboard", "webhook_id": endpoint.id},
        created_at=now,
        dispatched_at=now,
    )
    session.add(event)
    await session.flush()
    delivery = WebhookDelivery(
        merchant_id=merchant_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    # Sent now, even while the endpoint backs off after failures: a test is what tells whether it is fixed.
    endpoint.retry_at = None
    await session.flush()
    return delivery


async def list_events(
    session: AsyncSession, merchant_id: int, event_type: str | None, offset: int, limit: int
) -> tuple[int, Sequence[Event]]:
    if event_type is not None and event_type not in WEBHOOK_TYPES:
        raise InvalidInput({"type": f"Unknown event type {event_type!r}"})
    return await repo.events_page(session, merchant_id, WEBHOOK_TYPES, event_type, offset, limit)
