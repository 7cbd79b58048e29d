"""The deprecated webhook methods: known, behind the publisher token, and answered with the generic code and words
saying that Cleeng's webhooks come with API 3.1, not served yet."""

from __future__ import annotations

import pytest

from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher

METHODS = ("subscribeToWebhookEvent", "listWebhookSubscriptions")


@pytest.mark.parametrize("method", METHODS)
async def test_a_webhook_alias_says_it_is_not_served_yet(rpc: JsonRpc, publisher: Publisher, method: str) -> None:
    message = await rpc.refused(999, method, publisherToken=publisher.token, topic="transactionCreated", url="x")
    assert method in message and "3.1" in message and "not serve" in message


@pytest.mark.parametrize("method", METHODS)
async def test_a_webhook_alias_asks_for_the_publisher_token_first(rpc: JsonRpc, method: str) -> None:
    await rpc.refused(3, method, publisherToken="not-a-token")
    await rpc.refused(3, method)
    await rpc.refused(3, method, publisherToken=["a", "list"])
