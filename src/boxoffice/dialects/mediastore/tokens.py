"""MediaStore's JWTs: RS256, naming `customerId` and `publisherId` as clients decode them (they never check the
signature; a server can, against `/.well-known/jwks.json`). `customerId` is a number, as `order.customerId` is:
the SDK compares the two strictly."""

from __future__ import annotations

from typing import Any

import jwt
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.mediastore.errors import EXPIRED_JWT, INVALID_JWT, MISSING_JWT, Refused
from boxoffice.dialects.mediastore.publishers import publisher_id
from boxoffice.dialects.openapi import bearer as bearer_scheme
from boxoffice.identity.models import AuthSession, Customer, Merchant
from boxoffice.identity.tokens import Principal, session_claims, sign_rs256, token_expiry, verify_rs256
from boxoffice.kit import clock
from boxoffice.kit.errors import Unauthenticated
from boxoffice.kit.settings import Settings

# The customer's JWT in `Authorization: Bearer`, as `components.securitySchemes` names it.
CUSTOMER_JWT = bearer_scheme(
    "mediastoreJwt",
    "A customer's JWT (RS256), from `POST /auths`, `POST /customers` or `POST /auths/refresh_token`; "
    "it names `customerId` and `publisherId`",
)


# An SSO login's JWT lasts a day, as Cleeng's does: the publisher's back end signed the customer in.
SSO_TTL = 24 * 3600


async def issue(
    session: AsyncSession, settings: Settings, merchant: Merchant, auth_session: AuthSession, customer: Customer | None
) -> tuple[str, int]:
    return await _issued(session, settings, merchant, auth_session, customer, settings.mediastore_token_ttl)


async def issue_for_sso(
    session: AsyncSession, settings: Settings, merchant: Merchant, auth_session: AuthSession, customer: Customer | None
) -> tuple[str, int]:
    return await _issued(session, settings, merchant, auth_session, customer, SSO_TTL)


async def _issued(
    session: AsyncSession,
    settings: Settings,
    merchant: Merchant,
    auth_session: AuthSession,
    customer: Customer | None,
    ttl: int,
) -> tuple[str, int]:
    expires = token_expiry(settings, auth_session, ttl)
    claims = session_claims(merchant, auth_session, customer, expires) | {"publisherId": publisher_id(merchant)}
    if customer is not None:
        claims |= {"customerId": customer.id, "email": customer.email}
    return await sign_rs256(session, settings, claims), expires


def _expired(token: str) -> bool:
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    expiry = claims.get("exp")
    return isinstance(expiry, int) and expiry < clock.unix(clock.now())


async def bearer(
    request: Request, session: AsyncSession, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The customer a request's JWT (read by `CUSTOMER_JWT`) stands for, with the AUTH code the SDK knows for each
    way it can fail."""
    if credentials is None:
        raise Refused(401, "Missing JWT", MISSING_JWT)
    token = credentials.credentials
    try:
        principal, _ = await verify_rs256(session, request.app.state.settings, token)
    except Unauthenticated:
        if _expired(token):
            raise Refused(401, "JWT expired", EXPIRED_JWT) from None
        raise Refused(401, "Invalid JWT", INVALID_JWT) from None
    if principal.customer_id is None:
        raise Refused(401, "Invalid JWT: not a customer's", INVALID_JWT)
    return principal
