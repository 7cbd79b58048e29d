"""A viewer's session shared across a merchant's domains (InPlayer's `reportSSOtoken`): one of the merchant's
sites hands Boxoffice the viewer's token, which Boxoffice keeps in a cookie of its own host; the merchant's other
sites, calling Boxoffice with the browser's credentials, are given it back while it is still good."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity.tokens import decode_claims, verify_access_token
from boxoffice.kit import clock
from boxoffice.kit.errors import Forbidden, Unauthenticated
from boxoffice.kit.settings import Settings

MAX_TOKEN = 4000


@dataclass(frozen=True, slots=True)
class SharedSession:
    token: str
    expires: int  # Unix seconds
    seconds_left: int


async def shared_session(session: AsyncSession, settings: Settings, token: str | None) -> SharedSession:
    """The viewer's session `token` names, if it is live: Unauthenticated otherwise, Forbidden for a merchant's
    (a merchant's token is never left in a browser's cookie)."""
    if not token or len(token) > MAX_TOKEN:
        raise Unauthenticated()
    principal = await verify_access_token(session, settings, token)
    if principal.is_merchant:
        raise Forbidden()
    expires = int((await decode_claims(session, settings, token))["exp"])
    left = expires - clock.unix(clock.now())
    if left <= 0:
        raise Unauthenticated()
    return SharedSession(token, expires, left)
