"""Small signed, expiring references this server hands a client and takes back as they are: an Adyen session, and
the state the payer's PayPal approval returns with. Signed (HMAC-SHA256) with the merchant's client secret, which
never leaves the server; what they carry is readable, so they carry only ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

import orjson

from boxoffice.identity.models import Merchant
from boxoffice.kit import clock


def _signature(merchant: Merchant, body: str) -> str:
    return hmac.new(merchant.client_secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def _claims(token: str) -> dict[str, Any] | None:
    body = token.partition(".")[0]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def sign(merchant: Merchant, purpose: str, claims: dict[str, Any], expires: datetime) -> str:
    payload = {"p": purpose, "m": merchant.id, "exp": clock.unix(expires)} | claims
    body = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
    return f"{body}.{_signature(merchant, body)}"


def merchant_named(token: str) -> int | None:
    """Whose key to check `token` with: read before it is checked, so trusted for nothing else."""
    claims = _claims(token)
    merchant_id = claims.get("m") if claims else None
    return merchant_id if isinstance(merchant_id, int) and 0 < merchant_id < 2**63 else None


def opened(merchant: Merchant, purpose: str, token: str) -> dict[str, Any] | None:
    """The claims of a reference signed for `merchant` and `purpose` that has not expired; None otherwise."""
    body, _, signature = token.partition(".")
    if not hmac.compare_digest(_signature(merchant, body).encode(), signature.encode()):
        return None
    claims = _claims(token)
    if claims is None or claims.get("p") != purpose or claims.get("m") != merchant.id:
        return None
    expires = claims.get("exp")
    return claims if isinstance(expires, int) and expires >= clock.unix(clock.now()) else None
