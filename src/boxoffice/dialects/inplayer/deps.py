"""What an InPlayer endpoint needs from its request: the session, the caller, the body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.inplayer.forms import MAX_INTEGER, text
from boxoffice.dialects.openapi import bearer
from boxoffice.identity.accounts import customer_of
from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.oidc import OidcClient
from boxoffice.identity.tokens import Principal, verify_access_token
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Forbidden, Unauthenticated
from boxoffice.kit.requests import get_client, get_session, get_settings, session_of, settings_of
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from boxoffice.team import audit

MAX_PAGE = 100
# The two kinds of access token, as `components.securitySchemes` names them: a call for either kind lists both.
VIEWER_TOKEN = bearer("viewerToken", "A viewer's access token, from `POST /accounts/authenticate` with a client id")
MERCHANT_TOKEN = bearer(
    "merchantToken", "A merchant's access token, from `POST /accounts/authenticate` without a client id"
)
# What a scheme's dependency hands on; unused: the token is read and checked by `get_principal`.
Scheme = HTTPAuthorizationCredentials | None


async def get_sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


async def get_oidc(request: Request) -> OidcClient:
    oidc: OidcClient = request.app.state.oidc
    return oidc


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return token.strip()


async def get_principal(request: Request) -> Principal:
    return await verify_access_token(session_of(request), settings_of(request), bearer_token(request))


async def get_any_principal(
    principal: Annotated[Principal, Depends(get_principal)],
    _viewer: Annotated[Scheme, Security(VIEWER_TOKEN)],
    _merchant: Annotated[Scheme, Security(MERCHANT_TOKEN)],
) -> Principal:
    """The caller, whichever kind of token it holds."""
    return principal


async def get_customer(
    principal: Annotated[Principal, Depends(get_principal)],
    _viewer: Annotated[Scheme, Security(VIEWER_TOKEN)],
    request: Request,
) -> Customer:
    if principal.is_merchant:
        raise Forbidden("This call is for customer tokens")
    return await customer_of(session_of(request), principal)


async def get_merchant(
    principal: Annotated[Principal, Depends(get_principal)],
    _merchant: Annotated[Scheme, Security(MERCHANT_TOKEN)],
    request: Request,
) -> Merchant:
    """The merchant behind a merchant token; a customer token never passes."""
    if not principal.is_merchant:
        raise Forbidden()
    # A write by the merchant API is kept in the audit log, under the token's session.
    request.state.actor = audit.Actor.api(
        principal.merchant_id, f"API (merchant token, session {principal.session_id})"
    )
    return await merchant_of(session_of(request), principal.merchant_id)


async def get_token_merchant(principal: Annotated[Principal, Depends(get_any_principal)], request: Request) -> Merchant:
    """The merchant a token of either kind belongs to."""
    return await merchant_of(session_of(request), principal.merchant_id)


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    per_page: int


async def get_paging(
    page: int = Query(0, ge=0, le=1_000_000),
    limit: int | None = Query(None, ge=1, le=MAX_PAGE),
    size: int | None = Query(None, ge=1, le=MAX_PAGE),
) -> Paging:
    """A v1 list page: `?page=` counted from 0, `?limit=` (or `size`) rows of it, 15 unless told."""
    return Paging(page, limit or size or 15)


Session = Annotated[AsyncSession, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_settings)]
PageOf = Annotated[Paging, Depends(get_paging)]
Sealing = Annotated[Sealer, Depends(get_sealer)]
Oidc = Annotated[OidcClient, Depends(get_oidc)]
Client = Annotated[ClientInfo, Depends(get_client)]
CurrentPrincipal = Annotated[Principal, Depends(get_any_principal)]
CurrentCustomer = Annotated[Customer, Depends(get_customer)]
CurrentMerchant = Annotated[Merchant, Depends(get_merchant)]
TokenMerchant = Annotated[Merchant, Depends(get_token_merchant)]
# A row id in the path: a positive number the database can hold (a larger one is a 422, not a crash).
PathId = Annotated[int, Path(ge=1, le=MAX_INTEGER)]


def client_with_referrer(client: ClientInfo, body: dict[str, Any]) -> ClientInfo:
    """The SDK names the page it was used on in a `referrer` field rather than the header."""
    referrer = text(body, "referrer")
    if not referrer:
        return client
    return ClientInfo(client.ip_address, client.country_code, client.device, client.user_agent, referrer)
