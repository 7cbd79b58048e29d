"""Webhook endpoints, their delivery log, retry and replay (the merchant contract); a merchant token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, CurrentMerchant, PageOf, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, flag, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.webhook_payloads import EventEnvelope, envelope, resource
from boxoffice.events.models import Event
from boxoffice.identity.models import Merchant
from boxoffice.webhooks import deliveries, endpoints
from boxoffice.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from boxoffice.webhooks.subjects import load_subjects

router = APIRouter(route_class=InPlayerRoute, tags=["webhooks"])

ENDPOINT = (
    bodies.strings("events", "The event types it receives; none: every type"),
    bodies.text("description", "The merchant's note"),
    bodies.flag("enabled", "Whether events are sent to it"),
)
NEW_ENDPOINT = bodies.form(bodies.text("url", "Where events are posted", required=True), *ENDPOINT)
CHANGED_ENDPOINT = bodies.form(
    bodies.text("url", "Where events are posted"), *ENDPOINT, description="Fields not sent are left as they are"
)
REPLAY = bodies.form(
    bodies.text("event_id", "One event to post again"),
    bodies.moment("since", "Or: every event since then"),
)


class Endpoint(TypedDict):
    """A webhook endpoint; `secret_hint` ends like the merchant's secret deliveries are signed with."""

    id: int
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    secret_hint: str
    created_at: int | None
    updated_at: int | None


class Delivery(TypedDict):
    id: int
    webhook_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: int | None
    created_at: int | None
    delivered_at: int | None


class Attempt(TypedDict):
    attempted_at: int | None
    status_code: int | None
    response: str | None
    error: str | None
    duration_ms: int


class DeliveryLog(Delivery):
    attempt_log: list[Attempt]


class Replayed(render.Message):
    replayed: int


def _endpoint(endpoint: WebhookEndpoint, merchant: Merchant) -> Endpoint:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        # Deliveries are signed with the merchant's secret (GET /accounts/keys); its last characters say which.
        "secret_hint": "…" + merchant.client_secret[-4:],
        "created_at": render.ts(endpoint.created_at),
        "updated_at": render.ts(endpoint.updated_at),
    }


def _delivery(delivery: WebhookDelivery, event: Event) -> Delivery:
    return {
        "id": delivery.id,
        "webhook_id": delivery.endpoint_id,
        "event_id": event.event_id,
        "event_type": event.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": render.ts(delivery.next_attempt_at) if delivery.status == DeliveryStatus.PENDING else None,
        "created_at": render.ts(delivery.created_at),
        "delivered_at": render.ts(delivery.delivered_at),
    }


def _attempt(attempt: WebhookAttempt) -> Attempt:
    return {
        "attempted_at": render.ts(attempt.attempted_at),
        "status_code": attempt.status_code,
        "response": attempt.response_excerpt,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
    }


def _change(body: dict[str, Any]) -> endpoints.EndpointChange:
    return endpoints.EndpointChange(
        url=text(body, "url"),
        events=strings(body, "events"),
        description=text(body, "description"),
        enabled=flag(body, "enabled"),
    )


@router.post("/webhooks", status_code=201)
async def create_webhook(
    session: Session, merchant: CurrentMerchant, settings: AppSettings, body: Annotated[Fields, Depends(NEW_ENDPOINT)]
) -> Endpoint:
    """Add a webhook endpoint events are posted to, signed with the merchant's secret."""
    created = await endpoints.create_endpoint(
        session, merchant.id, _change(body), allow_private=settings.webhooks_allow_private
    )
    return _endpoint(created, merchant)


@router.get("/webhooks")
async def list_webhooks(session: Session, merchant: CurrentMerchant) -> list[Endpoint]:
    """The merchant's webhook endpoints."""
    return [_endpoint(e, merchant) for e in await endpoints.list_endpoints(session, merchant.id)]


@router.get("/webhooks/events")
async def list_events(
    session: Session, merchant: CurrentMerchant, paging: PageOf, type: str | None = Query(None, max_length=64)
) -> render.Page[EventEnvelope]:
    """The events a webhook could carry, newest first, each as it is posted: to find one to replay.

    `type` narrows them to one event type."""
    total, found = await deliveries.list_events(
        session, merchant.id, type or None, paging.page * paging.per_page, paging.per_page
    )
    subjects = await load_subjects(session, found)
    shown = [envelope(event, resource(event, subjects)) for event in found]
    return render.page(total, paging.page, paging.per_page, shown)


@router.get("/webhooks/{webhook_id}")
async def get_webhook(session: Session, merchant: CurrentMerchant, webhook_id: PathId) -> Endpoint:
    """One of the merchant's webhook endpoints."""
    return _endpoint(await endpoints.get_endpoint(session, merchant.id, webhook_id), merchant)


@router.put("/webhooks/{webhook_id}")
async def update_webhook(
    session: Session,
    merchant: CurrentMerchant,
    settings: AppSettings,
    body: Annotated[Fields, Depends(CHANGED_ENDPOINT)],
    webhook_id: PathId,
) -> Endpoint:
    """Change a webhook endpoint; fields not sent are left as they are."""
    changed = await endpoints.update_endpoint(
        session, merchant.id, webhook_id, _change(body), allow_private=settings.webhooks_allow_private
    )
    return _endpoint(changed, merchant)


@router.delete("/webhooks/{webhook_id}")
async def delete_webhook(session: Session, merchant: CurrentMerchant, webhook_id: PathId) -> render.Message:
    """Remove a webhook endpoint."""
    await endpoints.delete_endpoint(session, merchant.id, webhook_id)
    return render.message("Webhook deleted")


@router.get("/webhooks/{webhook_id}/deliveries")
async def list_deliveries(
    session: Session,
    merchant: CurrentMerchant,
    paging: PageOf,
    webhook_id: PathId,
    status: str | None = Query(None, max_length=16),
) -> render.Page[Delivery]:
    """An endpoint's deliveries, newest first, a page at a time.

    `status` narrows them to `pending`, `delivered` or `failed`."""
    total, found = await deliveries.list_deliveries(
        session, merchant.id, webhook_id, status or None, paging.page * paging.per_page, paging.per_page
    )
    return render.page(total, paging.page, paging.per_page, [_delivery(d, e) for d, e in found])


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}")
async def get_delivery(
    session: Session, merchant: CurrentMerchant, webhook_id: PathId, delivery_id: PathId
) -> DeliveryLog:
    """One delivery and each attempt at it."""
    log = await deliveries.get_delivery(session, merchant.id, webhook_id, delivery_id)
    return {**_delivery(log.delivery, log.event), "attempt_log": [_attempt(a) for a in log.attempts]}


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")
async def retry_delivery(
    session: Session, merchant: CurrentMerchant, webhook_id: PathId, delivery_id: PathId
) -> Delivery:
    """Send a delivery again now."""
    log = await deliveries.retry_delivery(session, merchant.id, webhook_id, delivery_id)
    return _delivery(log.delivery, log.event)


@router.post("/webhooks/{webhook_id}/replay")
async def replay(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(REPLAY)], webhook_id: PathId
) -> Replayed:
    """Post past events to an endpoint again.

    `event_id` (one event) or `since` (a date as `dates` reads it: every event since)."""
    count = await deliveries.replay_events(
        session, merchant.id, webhook_id, event_id=text(body, "event_id"), since=date_time(body, "since")
    )
    return {**render.message(f"{count} events queued for delivery"), "replayed": count}
