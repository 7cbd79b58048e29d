"""The publisher a Cleeng request's `X-Publisher-Token` header names: API 3.1 on every call, MediaStore on its SSO
login. The same per-merchant token as the JSON-RPC API's `publisherToken`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from boxoffice.identity.models import Merchant
from boxoffice.identity.publisher_tokens import merchant_by_publisher_token
from boxoffice.kit.requests import session_of

PUBLISHER_TOKEN = APIKeyHeader(
    name="X-Publisher-Token",
    scheme_name="publisherToken",
    description="The publisher token of the merchant's API keys (`GET /accounts/keys`, the dashboard)",
    auto_error=False,
)


async def get_publisher(request: Request, token: Annotated[str | None, Security(PUBLISHER_TOKEN)]) -> Merchant:
    return await merchant_by_publisher_token(session_of(request), token)
