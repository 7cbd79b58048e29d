"""Helpers for webhook tests: endpoints through the API, a sender to run, and signature checks written apart from
the code under test, from the two schemes' specifications."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from boxoffice.app import webhook_sender
from boxoffice.webhooks.sender import Sender
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant
from tests.webhooks.receiver import Received


async def add_webhook(server: Server, merchant: Merchant, url: str, *events: str) -> dict[str, Any]:
    form = {"url": url, "description": "orders system"} | {f"events[{i}]": e for i, e in enumerate(events)}
    response = await server.http.post("/webhooks", data=form, headers=merchant.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


@asynccontextmanager
async def sending(server: Server) -> AsyncIterator[Sender]:
    sender = webhook_sender(server.app.state.sessions, server.settings)
    try:
        yield sender
    finally:
        await sender.aclose()


def inplayer_signature_holds(received: Received, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers.get("x-inplayer-signature", ""), expected)


def standard_signature_holds(received: Received, secret: str) -> bool:
    """Standard Webhooks: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, among space-separated signatures."""
    message_id, timestamp = received.headers["webhook-id"], received.headers["webhook-timestamp"]
    content = message_id.encode() + b"." + timestamp.encode() + b"." + received.body
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), content, hashlib.sha256).digest()).decode()
    offered = received.headers.get("webhook-signature", "").split(" ")
    return any(s.startswith("v1,") and hmac.compare_digest(s[3:], expected) for s in offered)
