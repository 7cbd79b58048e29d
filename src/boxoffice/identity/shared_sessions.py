"""A viewer's session shared across a merchant's domains (InPlayer's `reportSSOtoken`): one of the merchant's
sites hands Boxoffice the viewer's token, which Boxoffice keeps in a cookie of its own host, one per merchant; the
merchant's other sites, calling Boxoffice with the browser's credentials, are given it back while it is still
good. A browser names the page that calls (`Origin`): only pages on the token's own merchant's allowed origins may
keep, forget or read it, so no other merchant's page (nor any other site) can read a viewer's token or slip its
own into the browser."""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import merchants
from boxoffice.identity.models import Merchant
from boxoffice.identity.tokens import decode_claims, verify_access_token
from boxoffice.kit import clock
from boxoffice.kit.errors import Forbidden, NotFound, Unauthenticated
from boxoffice.kit.settings import Settings

MAX_TOKEN = 4000


@dataclass(frozen=True, slots=True)
class SharedSession:
    merchant_uuid: str
    token: str
    expires: int  # Unix seconds
    seconds_left: int


def _check_origin(merchant: Merchant, origin: str | None) -> None:
    if origin is not None and not merchants.serves_page(merchant, origin):
        raise Forbidden("This page may not use the merchant's shared session")


async def share_session(
    session: AsyncSession, settings: Settings, token: str | None, origin: str | None
) -> SharedSession:
    """The viewer's session `token` names, to keep for the merchant's sites: Unauthenticated unless it is live,
    Forbidden for a merchant's (never left in a browser's cookie) or from a page not on the merchant's origins."""
    if not token or len(token) > MAX_TOKEN:
        raise Unauthenticated()
    principal = await verify_access_token(session, settings, token)
    if principal.is_merchant:
        raise Forbidden()
    merchant = await merchants.merchant_of(session, principal.merchant_id)
    _check_origin(merchant, origin)
    expires = int((await decode_claims(session, settings, token))["exp"])
    left = expires - clock.unix(clock.now())
    if left <= 0:
        raise Unauthenticated()
    return SharedSession(merchant.uuid, token, expires, left)


async def forget_shared_session(session: AsyncSession, token: str | None, origin: str | None) -> str:
    """The uuid of the merchant whose kept session to forget: the token's, read even when it has expired (a
    sign-out after the session ended still forgets it), from a page on that merchant's origins."""
    try:
        claims = jwt.decode(token or "", options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthenticated() from None
    merchant = await merchants.find_merchant(session, str(claims.get("mui") or "")[:64])
    _check_origin(merchant, origin)
    return merchant.uuid


async def shared_session(
    session: AsyncSession, settings: Settings, merchant_uuid: str, token: str | None, origin: str | None
) -> SharedSession:
    """The session kept for the merchant, while it lasts, for a page on the merchant's origins."""
    merchant = await merchants.find_merchant(session, merchant_uuid)
    _check_origin(merchant, origin)
    kept = await share_session(session, settings, token, None)
    if kept.merchant_uuid != merchant.uuid:
        raise NotFound("No shared session")
    return kept
