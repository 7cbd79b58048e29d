"""The customer token JSON-RPC's methods hand out: an RS256 JWT of a new customer session, valid for 60 days
(`BOXOFFICE_CLEENG_CUSTOMER_TOKEN_TTL`) unless the session is ended first (signing out elsewhere, a new password,
the merchant's session limit). It names the session as every dialect's tokens do, so MediaStore's JWTs are
customer tokens here too."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.jsonrpc.calls import Call
from boxoffice.identity import authentication
from boxoffice.identity.models import AuthSession, Customer, Merchant
from boxoffice.identity.tokens import IssuedTokens, session_claims, sign_rs256, token_expiry
from boxoffice.kit.settings import Settings


async def issue(
    session: AsyncSession, settings: Settings, merchant: Merchant, auth_session: AuthSession, customer: Customer | None
) -> tuple[str, int]:
    expires = token_expiry(settings, auth_session, settings.cleeng_customer_token_ttl)
    claims = session_claims(merchant, auth_session, customer, expires)
    if customer is not None:
        claims["customerId"] = customer.id
    return await sign_rs256(session, settings, claims), expires


async def customer_token(call: Call, merchant: Merchant, customer: Customer) -> dict[str, str]:
    """`{token}`: a new session for the customer, signed in by the publisher's back end."""
    issued = await authentication.start_session(
        call.session, call.settings, merchant, customer, call.client, issue=issue
    )
    return token_of(issued)


def token_of(issued: IssuedTokens) -> dict[str, str]:
    """`{token}` for a session a use case started with `issue`."""
    return {"token": issued.access_token}
