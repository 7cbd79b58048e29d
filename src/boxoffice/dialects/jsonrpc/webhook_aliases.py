"""The deprecated webhook methods (`subscribeToWebhookEvent`, `listWebhookSubscriptions`): Cleeng made them aliases
of API 3.1's webhook subscriptions, which Boxoffice does not serve yet. Each answers, once the publisher token is
known, with the generic code and words saying so, rather than as a method that does not exist."""

from __future__ import annotations

from typing import Any

from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import Code, Refused

NOT_SERVED = (
    "{method} is deprecated: Cleeng's webhooks come with API 3.1 (webhook_subscriptions), "
    "which this server does not serve yet"
)


async def _not_served(call: Call, method: str) -> dict[str, Any]:
    await call.publisher()
    raise Refused(Code.GENERIC, NOT_SERVED.format(method=method))


async def subscribe_to_webhook_event(call: Call) -> dict[str, Any]:
    return await _not_served(call, "subscribeToWebhookEvent")


async def list_webhook_subscriptions(call: Call) -> dict[str, Any]:
    return await _not_served(call, "listWebhookSubscriptions")


METHODS: Methods = {
    "subscribeToWebhookEvent": subscribe_to_webhook_event,
    "listWebhookSubscriptions": list_webhook_subscriptions,
}
