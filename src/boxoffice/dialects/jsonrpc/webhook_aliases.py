"""The deprecated webhook methods, aliases of API 3.1's webhook subscriptions (`dialects/api31/webhooks.py`):
`subscribeToWebhookEvent` (`topic`, `url`) adds an endpoint to a topic, keeping its others;
`listWebhookSubscriptions` lists every topic's endpoints. Both behind the publisher token."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.cleeng.webhook_topics import BY_NAME, TOPICS, WIRE, endpoint_filters
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import Code, Refused
from boxoffice.webhooks import endpoints
from boxoffice.webhooks.endpoints import TopicEndpoint
from boxoffice.webhooks.models import WebhookEndpoint


def _endpoint(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"topic": endpoint.topic, "url": endpoint.url}


async def subscribe_to_webhook_event(call: Call) -> dict[str, Any]:
    merchant = await call.publisher()
    name = call.params.text("topic", max_length=64)
    url = call.params.text("url", max_length=2000)
    topic = BY_NAME.get(name)
    if topic is None:
        raise Refused(Code.INVALID_ARGUMENTS, f"Unknown webhook topic {name!r}")
    await endpoints.add_topic_endpoint(
        call.session,
        merchant.id,
        wire=WIRE,
        topic=topic.name,
        events=topic.types,
        wanted=TopicEndpoint(url, "", endpoint_filters(topic, None)),
        allow_private=call.settings.webhooks_allow_private,
    )
    return {"success": True}


async def list_webhook_subscriptions(call: Call) -> dict[str, Any]:
    merchant = await call.publisher()
    found = await endpoints.list_wire_endpoints(call.session, merchant.id, WIRE)
    order = {topic.name: number for number, topic in enumerate(TOPICS)}
    items = [_endpoint(e) for e in sorted(found, key=lambda e: (order.get(e.topic or "", len(order)), e.id))]
    return {"items": items, "totalItemCount": len(items)}


METHODS: Methods = {
    "subscribeToWebhookEvent": subscribe_to_webhook_event,
    "listWebhookSubscriptions": list_webhook_subscriptions,
}
