"""Signing in and out: `POST /auths`, `POST /auths/refresh_token`, `DELETE /refresh_tokens`, and the public key
the JWTs are signed with."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from boxoffice.dialects.mediastore import tokens
from boxoffice.dialects.mediastore.body import number, string
from boxoffice.dialects.mediastore.deps import AppSettings, Body, Client, CurrentCustomer, Session
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.publishers import merchant_of_publisher
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity import authentication
from boxoffice.identity.signing_keys import public_jwks
from boxoffice.identity.tokens import IssuedTokens
from boxoffice.kit.errors import Unauthenticated

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
# ott-web-app signs the viewer out on these two texts.
REFRESH_REFUSED = "Refresh token is expired or does not exist"
MISSING_PARAMETER = "Missing or invalid parameter"


def tokens_of(issued: IssuedTokens) -> dict[str, Any]:
    return {"jwt": issued.access_token, "refreshToken": issued.refresh_token}


@router.post("/auths")
async def log_in(request: Request, session: Session, settings: AppSettings, client: Client, body: Body) -> Any:
    email, password = authentication.sign_in_name(string(body, "email", max_length=320)), string(body, "password")
    merchant = await merchant_of_publisher(session, number(body, "publisherId"))
    if not email or not password:
        raise Refused(400, "The email and password are required", INVALID_BODY)
    account = f"{merchant.uuid}:{email}"
    await authentication.check_sign_in_rate(request.app.state.sessions, settings, client.ip_address, account)
    issued, customer = await authentication.sign_in(
        session, settings, merchant, email, password, client, issue=tokens.issue
    )
    return answer(tokens_of(issued) | {"customerId": customer.id})


@router.post("/auths/refresh_token")
async def refresh(session: Session, settings: AppSettings, body: Body) -> Any:
    given = string(body, "refreshToken")
    if not given:
        raise Refused(422, MISSING_PARAMETER, INVALID_BODY)
    try:
        issued, _, customer = await authentication.refresh_session(session, settings, given, None, issue=tokens.issue)
    except Unauthenticated as refused:
        error = Refused(401, REFRESH_REFUSED)
        error.keep_changes = refused.keep_changes  # a replayed token ends its session, refused or not
        raise error from None
    if customer is None:  # a merchant's session has no MediaStore tokens
        raise Refused(401, REFRESH_REFUSED)
    return answer(tokens_of(issued))


@router.delete("/refresh_tokens")
async def revoke_refresh_tokens(session: Session, customer: CurrentCustomer) -> Any:
    """Sign out everywhere: every session's refresh token, and with it the JWTs those sessions were given."""
    await authentication.end_all_sessions(session, customer, "logout_everywhere")
    return answer({})


@router.get("/.well-known/jwks.json")
async def jwks(session: Session) -> JSONResponse:
    return JSONResponse(await public_jwks(session))
