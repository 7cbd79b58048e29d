"""A merchant's webhook endpoints: add, change, remove, list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events.event_types import WEBHOOK_TYPES
from boxoffice.kit import addresses
from boxoffice.kit.errors import InvalidInput, LimitReached, NotFound
from boxoffice.webhooks import endpoints_repository as repo
from boxoffice.webhooks.filters import FACTS, NAMEABLE_TYPES
from boxoffice.webhooks.models import WebhookEndpoint

MAX_ENDPOINTS = 50
MAX_URL = 2000
MAX_DESCRIPTION = 1000


@dataclass(frozen=True, slots=True)
class EndpointChange:
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


async def _checked_url(url: str, *, allow_private: bool) -> str:
    url = url.strip()
    if not url:
        raise InvalidInput({"url": "The URL is required"})
    if len(url) > MAX_URL:
        raise InvalidInput({"url": f"The URL is longer than {MAX_URL} characters"})
    try:
        host = addresses.check_url(url)
    except ValueError as exc:
        raise InvalidInput({"url": str(exc)}) from exc
    if allow_private:
        return url
    # Refused now, where the merchant sees why; the sender checks every address it dials again.
    refused = await addresses.private_addresses(host)
    if refused:
        reason = f"{host} is or resolves to a private, loopback or link-local address ({refused[0]})"
        raise InvalidInput({"url": f"Webhooks can't be sent there: {reason}"})
    return url


def _checked_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in WEBHOOK_TYPES]
    if unknown:
        raise InvalidInput({"events": f"Unknown event type {unknown[0]!r}"})
    return sorted(set(events), key=WEBHOOK_TYPES.index)


def _checked_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput({"description": f"The description is longer than {MAX_DESCRIPTION} characters"})
    return description


async def create_endpoint(
    session: AsyncSession, merchant_id: int, change: EndpointChange, *, allow_private: bool
) -> WebhookEndpoint:
    if change.url is None:
        raise InvalidInput({"url": "The URL is required"})
    url = await _checked_url(change.url, allow_private=allow_private)
    events = _checked_events(change.events or [])
    description = _checked_description(change.description or "")
    if await repo.count_endpoints(session, merchant_id) >= MAX_ENDPOINTS:
        raise LimitReached(f"A merchant has at most {MAX_ENDPOINTS} webhook endpoints")
    endpoint = WebhookEndpoint(
        merchant_id=merchant_id,
        url=url,
        events=events,
        description=description,
        enabled=True if change.enabled is None else change.enabled,
        consecutive_failures=0,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(session: AsyncSession, merchant_id: int, endpoint_id: int) -> WebhookEndpoint:
    found = await repo.endpoint(session, merchant_id, endpoint_id)
    if found is None:
        raise NotFound("Webhook not found")
    return found


async def list_endpoints(session: AsyncSession, merchant_id: int) -> Sequence[WebhookEndpoint]:
    return await repo.endpoints(session, merchant_id)


async def update_endpoint(
    session: AsyncSession, merchant_id: int, endpoint_id: int, change: EndpointChange, *, allow_private: bool
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    url = None if change.url is None else await _checked_url(change.url, allow_private=allow_private)
    if change.events is not None and endpoint.topic is not None:
        # A topic's endpoint takes the types its topic is made of, and is changed through its topic.
        if sorted(change.events) != sorted(endpoint.events):
            raise InvalidInput({"events": f"This endpoint takes the types of its topic {endpoint.topic!r}"})
        events = None
    else:
        events = None if change.events is None else _checked_events(change.events)
    description = None if change.description is None else _checked_description(change.description)
    if url is not None:
        endpoint.url = url
    if events is not None:
        endpoint.events = events
    if description is not None:
        endpoint.description = description
    if change.enabled is True and not endpoint.enabled:
        # Turned back on by the merchant: a fresh start, not the tail of the backoff that disabled it.
        endpoint.consecutive_failures, endpoint.retry_at, endpoint.disabled_reason = 0, None, None
    if change.enabled is not None:
        endpoint.enabled = change.enabled
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, merchant_id: int, endpoint_id: int) -> None:
    endpoint = await get_endpoint(session, merchant_id, endpoint_id)
    await session.delete(endpoint)
    await session.flush()


@dataclass(frozen=True, slots=True)
class TopicEndpoint:
    """One endpoint of a topic, as the merchant sends it: where, a note, and the conditions events must meet."""

    url: str
    description: str = ""
    filters: dict[str, Any] = field(default_factory=dict)


def _checked_filters(filters: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = [name for name in filters if name not in FACTS]
    if unknown:
        raise InvalidInput({where: f"Events can't be filtered by {unknown[0]!r}"})
    return dict(filters)


async def replace_topic_endpoints(
    session: AsyncSession,
    merchant_id: int,
    *,
    wire: str,
    topic: str,
    events: Sequence[str],
    wanted: Sequence[TopicEndpoint],
    allow_private: bool,
) -> Sequence[WebhookEndpoint]:
    """Make the merchant's endpoints of `topic` (posted in `wire`, taking exactly `events`) the `wanted` ones:
    an endpoint sent again with the same URL is kept (with its delivery log), takes the new note and filters and
    is enabled again if it was disabled, new ones are added, and those not sent again are removed. Everything is
    checked before anything is written."""
    unknown = [e for e in events if e not in NAMEABLE_TYPES]
    if not events or unknown:
        raise InvalidInput({"events": f"Unknown event type {unknown[0]!r}" if unknown else "No event type named"})
    checked = [
        TopicEndpoint(
            await _checked_url_at(item.url, number, allow_private=allow_private),
            _checked_description(item.description),
            _checked_filters(item.filters, f"endpoints[{number}].filters"),
        )
        for number, item in enumerate(wanted)
    ]
    existing = list(await repo.endpoints_of_wire(session, merchant_id, wire, topic))
    if await repo.count_endpoints(session, merchant_id) - len(existing) + len(checked) > MAX_ENDPOINTS:
        raise LimitReached(f"A merchant has at most {MAX_ENDPOINTS} webhook endpoints")
    kept: list[WebhookEndpoint] = []
    for item in checked:
        endpoint = next((e for e in existing if e.url == item.url), None)
        if endpoint is None:
            endpoint = WebhookEndpoint(
                merchant_id=merchant_id, wire=wire, topic=topic, url=item.url, enabled=True, consecutive_failures=0
            )
            session.add(endpoint)
        else:
            existing.remove(endpoint)
            if not endpoint.enabled:  # sent again by the merchant: a fresh start, as when it is turned back on
                endpoint.enabled, endpoint.consecutive_failures = True, 0
                endpoint.retry_at, endpoint.disabled_reason = None, None
        endpoint.events, endpoint.description, endpoint.filters = list(events), item.description, item.filters
        kept.append(endpoint)
    for gone in existing:
        await session.delete(gone)
    await session.flush()
    return kept


async def _checked_url_at(url: str, number: int, *, allow_private: bool) -> str:
    try:
        return await _checked_url(url, allow_private=allow_private)
    except InvalidInput as refused:
        raise InvalidInput({f"endpoints[{number}].url": " ".join(refused.errors.values())}) from None


async def list_wire_endpoints(session: AsyncSession, merchant_id: int, wire: str) -> Sequence[WebhookEndpoint]:
    """The merchant's endpoints posted in `wire`, every topic's, oldest first."""
    return await repo.endpoints_of_wire(session, merchant_id, wire)


async def add_topic_endpoint(
    session: AsyncSession,
    merchant_id: int,
    *,
    wire: str,
    topic: str,
    events: Sequence[str],
    wanted: TopicEndpoint,
    allow_private: bool,
) -> Sequence[WebhookEndpoint]:
    """Add one endpoint to `topic`, keeping the others (one with the same URL takes its place); answers the
    topic's endpoints."""
    existing = await repo.endpoints_of_wire(session, merchant_id, wire, topic)
    kept = [TopicEndpoint(e.url, e.description, dict(e.filters)) for e in existing if e.url != wanted.url.strip()]
    return await replace_topic_endpoints(
        session,
        merchant_id,
        wire=wire,
        topic=topic,
        events=events,
        wanted=[*kept, wanted],
        allow_private=allow_private,
    )
