"""Cleeng's webhook subscriptions: `PUT /webhook_subscriptions/{topic}` (the body is the topic's whole list of
endpoints: those not sent again are removed) and `GET /webhook_subscriptions` (every topic's).

Each endpoint is `{url, name?, filters?, retryPolicy?}`. `filters` takes Cleeng's one filter,
`{"name": "paymentMethodId", "options": {"value": <id>}}`: the endpoint then gets only the events that carry that
payment method (an event that carries none is filtered out). Deliveries are posted as Cleeng posts them
(`dialects/cleeng/webhook_payloads.py`) by the same engine as every webhook: retried on a backoff, the endpoint
disabled after failing too long, logged and replayable through the merchant API's `/webhooks/{id}/deliveries`.

Not honoured, accepted and not kept: `retryPolicy` (Boxoffice's own retry schedule applies to every endpoint) and
any verification or signing settings (every delivery is signed, with the Standard Webhooks headers
`webhook-id`, `webhook-timestamp` and `webhook-signature`, keyed with the merchant's client secret)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from typing_extensions import TypedDict

from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import AppSettings, Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import BadBody, Fields, Shaped, Text, declare_list
from boxoffice.dialects.cleeng.webhook_topics import (
    BY_NAME,
    TOPICS,
    WIRE,
    Topic,
    endpoint_filters,
    payment_method_filter,
)
from boxoffice.webhooks import endpoints
from boxoffice.webhooks.endpoints import MAX_ENDPOINTS, TopicEndpoint
from boxoffice.webhooks.models import WebhookEndpoint

router = APIRouter(route_class=Api31Route, tags=["api31"])

URL = Text("url", "Where the topic's events are posted (http or https)", max_length=2000, required=True)
NAME = Text("name", "The publisher's name for the endpoint", max_length=1000)
FILTER = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "enum": ["paymentMethodId"]},
        "options": {
            "type": "object",
            "properties": {"value": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]}},
            "required": ["value"],
        },
    },
    "required": ["name", "options"],
}
FILTERS = Shaped(
    "filters",
    "Only events carrying this payment method's id (Cleeng's one filter, `paymentMethodId`)",
    {"anyOf": [{"type": "array", "items": FILTER, "maxItems": 1}, {"type": "null"}]},
)
RETRY_POLICY = Shaped(
    "retryPolicy",
    "Accepted and not kept: Boxoffice's own retry schedule (a backoff, then the endpoint disabled) applies",
    {"type": ["object", "null"]},
)
SUBSCRIBERS = declare_list(
    URL,
    NAME,
    FILTERS,
    RETRY_POLICY,
    description="The topic's whole list of endpoints: any not sent again is removed",
    max_items=MAX_ENDPOINTS,
)
TopicPath = Annotated[str, Path(max_length=64, description="A Cleeng webhook topic, such as `transactionCreated`")]


class FilterOptions(TypedDict):
    value: int


class Filter(TypedDict):
    name: Literal["paymentMethodId"]
    options: FilterOptions


class Endpoint(TypedDict):
    """An endpoint of a topic; `id` is its webhook id in the merchant API (its deliveries, retry, replay)."""

    id: int
    url: str
    name: str
    filters: list[Filter]
    enabled: bool


class Subscription(TypedDict):
    """A topic and the endpoints its events are posted to."""

    topic: str
    endpoints: list[Endpoint]


def _topic(name: str) -> Topic:
    found = BY_NAME.get(name)
    if found is None:
        raise Refused(404, f"Unknown webhook topic {name!r}")
    return found


def _payment_method(item: Fields, number: int) -> int | None:
    given = FILTERS.read(item)
    if given is None:
        return None
    if not isinstance(given, list) or not all(isinstance(f, dict) for f in given):
        raise BadBody(f"Invalid param filters of endpoint {number}: a list of filters")
    values: set[int] = set()
    for one in given:
        if one.get("name") != "paymentMethodId":
            raise Refused(422, f"Unknown filter {one.get('name')!r}: only paymentMethodId is supported")
        options = one.get("options")
        value = options.get("value") if isinstance(options, dict) else None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            raise BadBody(f"Invalid param filters of endpoint {number}: options.value, a payment method's id")
        values.add(value)
    if len(values) > 1:
        raise Refused(422, "An endpoint filters by one paymentMethodId at most")
    return next(iter(values), None)


def _wanted(topic: Topic, body: list[Fields]) -> list[TopicEndpoint]:
    wanted = []
    for number, item in enumerate(body):
        url = URL.read(item)
        if not url:
            raise BadBody(f"Invalid param url of endpoint {number}: the address to post to", 422)
        policy = RETRY_POLICY.read(item)  # accepted, not honoured (see above)
        if policy is not None and not isinstance(policy, dict):
            raise BadBody(f"Invalid param retryPolicy of endpoint {number}: an object")
        filters = endpoint_filters(topic, _payment_method(item, number))
        wanted.append(TopicEndpoint(url, NAME.read(item) or "", filters))
    return wanted


def _render(endpoint: WebhookEndpoint) -> Endpoint:
    method = payment_method_filter(endpoint.filters)
    shown: list[Filter] = [] if method is None else [{"name": "paymentMethodId", "options": {"value": method}}]
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "name": endpoint.description,
        "filters": shown,
        "enabled": endpoint.enabled,
    }


@router.put("/webhook_subscriptions/{topic}")
async def subscribe_to_topic(
    session: Session,
    settings: AppSettings,
    publisher: Publisher,
    body: Annotated[list[Fields], Depends(SUBSCRIBERS)],
    topic: TopicPath,
) -> Answer[list[Endpoint]]:
    """Set a topic's endpoints: the body is the whole list (an endpoint not sent again is removed; one sent again
    with the same `url` keeps its delivery log). Answers the topic's endpoints as they now are."""
    subscribed = _topic(topic)
    kept = await endpoints.replace_topic_endpoints(
        session,
        publisher.id,
        wire=WIRE,
        topic=subscribed.name,
        events=subscribed.types,
        wanted=_wanted(subscribed, body),
        allow_private=settings.webhooks_allow_private,
    )
    return answer([_render(e) for e in kept])


def subscriptions(found: list[WebhookEndpoint]) -> list[Subscription]:
    """Every topic that has endpoints, in the order of Cleeng's list of topics."""
    return [
        {"topic": t.name, "endpoints": [_render(e) for e in found if e.topic == t.name]}
        for t in TOPICS
        if any(e.topic == t.name for e in found)
    ]


@router.get("/webhook_subscriptions")
async def list_subscriptions(session: Session, publisher: Publisher) -> Answer[list[Subscription]]:
    """Every topic the publisher subscribed endpoints to, with its endpoints."""
    return answer(subscriptions(list(await endpoints.list_wire_endpoints(session, publisher.id, WIRE))))
