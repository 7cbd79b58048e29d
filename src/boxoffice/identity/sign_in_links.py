"""Links that sign a customer in to the hosted pages. The merchant's back end asks for one for its customer and
hands it to them; opened before it expires, and only once, it starts the customer's session on the pages and
names the page to go on to.

A link carries an RS256 token of the server's own keys (`tokens.sign_rs256`). Its nonce is a session held for it:
made revoked, so that no API takes the token for a customer's, and marked opened by the one opening that finds
it still held (`repository.open_held_session`). Opening it starts a new session, as a sign-in does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity import signing_keys
from boxoffice.identity.authentication import start_session
from boxoffice.identity.models import AuthSession, Customer, Merchant
from boxoffice.identity.tokens import ISSUER, IssuedTokens, sign_rs256
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Unauthenticated
from boxoffice.kit.settings import Settings

LIFETIME = timedelta(minutes=15)
USE = "sign_in_link"
HELD = "sign_in_link_held"  # the reason of a link's session not yet opened
OPENED = "sign_in_link_opened"
MAX_TOKEN = 4000


@dataclass(frozen=True, slots=True)
class OpenedLink:
    tokens: IssuedTokens
    customer: Customer
    page: str  # where the link leads, as it was asked for


async def sign_in_link_token(
    session: AsyncSession, settings: Settings, merchant: Merchant, customer: Customer, page: str
) -> str:
    """A token that signs `customer` in once, within `LIFETIME`, and names `page` (the caller's own words for
    where to go on to)."""
    now = clock.now()
    held = AuthSession(
        merchant_id=merchant.id,
        customer_id=customer.id,
        expires_at=now + LIFETIME,
        revoked_at=now,
        revoked_reason=HELD,
    )
    session.add(held)
    await session.flush()
    claims = {
        "iss": ISSUER,
        "sub": customer.uuid,
        "jti": str(uuid.uuid4()),
        "iat": clock.unix(now),
        "exp": clock.unix(now + LIFETIME),
        "mid": merchant.id,
        "mui": merchant.uuid,
        "sid": held.id,
        "use": USE,
        "page": page,
    }
    return await sign_rs256(session, settings, claims)


async def _claims(session: AsyncSession, settings: Settings, token: str) -> dict[str, Any]:
    if not token or len(token) > MAX_TOKEN:
        raise Unauthenticated()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        raise Unauthenticated() from None
    keys = await signing_keys.verifying_keys(
        session, settings, signing_keys.RS256, kid if isinstance(kid, str) else None
    )
    for key in keys:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.verifier,
                algorithms=["RS256"],
                issuer=ISSUER,
                # Expiry is checked against `clock`, not the wall, below.
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["exp"]},
            )
        except jwt.PyJWTError:
            continue
        if (
            claims.get("use") == USE
            and all(isinstance(claims.get(name), int) for name in ("exp", "mid", "sid"))
            and isinstance(claims.get("page"), str)
            and claims["exp"] >= clock.unix(clock.now())
        ):
            return claims
        break
    raise Unauthenticated()


async def open_sign_in_link(
    session: AsyncSession, settings: Settings, merchant: Merchant, token: str, client: ClientInfo
) -> OpenedLink:
    """Sign in the customer a link names: Unauthenticated for a token that is forged, altered, expired, another
    merchant's, already opened, or for an account that is gone or deactivated since."""
    claims = await _claims(session, settings, token)
    if claims["mid"] != merchant.id:
        raise Unauthenticated()
    customer_id = await repo.open_held_session(session, merchant.id, claims["sid"], HELD, OPENED, clock.now())
    customer = await repo.customer_by_id(session, merchant.id, customer_id) if customer_id is not None else None
    if customer is None or customer.erased_at is not None or not customer.active:
        raise Unauthenticated()
    issued = await start_session(session, settings, merchant, customer, client)
    return OpenedLink(issued, customer, claims["page"])
