"""The deprecated webhook methods, aliases of API 3.1's webhook subscriptions: `subscribeToWebhookEvent` adds an
endpoint to a topic (keeping its others, and those API 3.1 set), `listWebhookSubscriptions` lists every topic's;
both behind the publisher token, and bad arguments write nothing."""

from __future__ import annotations

import pytest

from boxoffice.webhooks.models import WebhookEndpoint
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok
from tests.dialects.inplayer.conftest import count_rows, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of

METHODS = ("subscribeToWebhookEvent", "listWebhookSubscriptions")


async def test_an_endpoint_subscribed_through_the_alias_is_one_of_api_31s(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    api = Api31(server.http, publisher)
    ok(await api.put("/webhook_subscriptions/transactionCreated", [{"url": "https://a.example.com/hook"}]))
    for url in ("https://b.example.com/hook", "https://b.example.com/hook"):  # twice is one endpoint
        answer = await rpc.call(
            "subscribeToWebhookEvent", publisherToken=publisher.token, topic="transactionCreated", url=url
        )
        assert answer == {"success": True}
    await rpc.call(
        "subscribeToWebhookEvent",
        publisherToken=publisher.token,
        topic="customerRegistered",
        url="https://c.example.com",
    )
    items, total = await rpc.items("listWebhookSubscriptions", publisherToken=publisher.token)
    assert (items, total) == (
        [
            {"topic": "transactionCreated", "url": "https://a.example.com/hook"},
            {"topic": "transactionCreated", "url": "https://b.example.com/hook"},
            {"topic": "customerRegistered", "url": "https://c.example.com"},
        ],
        3,
    )
    listed = ok(await api.get("/webhook_subscriptions"))
    assert [(s["topic"], len(s["endpoints"])) for s in listed] == [("transactionCreated", 2), ("customerRegistered", 1)]
    other = await publisher_of(server, await make_merchant(server, "other@publisher.example.com"))
    assert await rpc.items("listWebhookSubscriptions", publisherToken=other.token) == ([], 0)


async def test_bad_arguments_are_refused_and_write_nothing(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    token = publisher.token
    assert "topic" in await rpc.refused(
        11, "subscribeToWebhookEvent", publisherToken=token, topic="noSuchTopic", url="https://a.example.com"
    )
    await rpc.refused(11, "subscribeToWebhookEvent", publisherToken=token, topic="transactionCreated", url="not a url")
    await rpc.refused(11, "subscribeToWebhookEvent", publisherToken=token, topic="transactionCreated")
    await rpc.refused(11, "subscribeToWebhookEvent", publisherToken=token, topic=["a"], url="https://a.example.com")
    private = "http://127.0.0.1:8080/hook"  # the operator's default settings: never this machine
    await rpc.refused(11, "subscribeToWebhookEvent", publisherToken=token, topic="transactionCreated", url=private)
    assert await count_rows(server, WebhookEndpoint, publisher.merchant.id) == 0


@pytest.mark.parametrize("method", METHODS)
async def test_a_webhook_alias_asks_for_the_publisher_token_first(rpc: JsonRpc, method: str) -> None:
    await rpc.refused(3, method, publisherToken="not-a-token", topic="transactionCreated", url="https://a.example")
    await rpc.refused(3, method)
    await rpc.refused(3, method, publisherToken=["a", "list"])
