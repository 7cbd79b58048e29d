"""The Standard Webhooks signature (https://www.standardwebhooks.com) every delivery carries besides its dialect's
own: it binds the message id and a timestamp into the signature, so a receiver can refuse old or repeated
requests — which a signature of the body alone (InPlayer's) cannot do."""

from __future__ import annotations

import base64
import hashlib
import hmac


def standard_webhook_headers(message_id: str, timestamp: int, body: bytes, secret: str) -> dict[str, str]:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
