"""The merchant's identity providers (the contract): `GET /v2/identity-providers`, `PUT` and `DELETE
/v2/identity-providers/{name}`, client secrets masked. Each is offered to viewers by `GET /accounts/social`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, CurrentMerchant, Sealing, Session
from boxoffice.dialects.inplayer.forms import flag, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.social import CALLBACK
from boxoffice.identity import identity_providers
from boxoffice.identity.identity_providers import ProviderChange, ProviderSettings
from boxoffice.kit import base_url

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])

PROVIDER = bodies.form(
    bodies.text("issuer", "The issuer's address (given for google, apple and facebook; required for any other)"),
    bodies.text("client_id", "The client id the provider gave the merchant"),
    bodies.text("client_secret", "The client secret (sealed at rest where encryption keys are set; Apple's is a JWT)"),
    bodies.text("scopes", "Scopes separated by spaces, `openid` among them (a preset's, else `openid email`)"),
    bodies.text("authorization_endpoint", "Only where the issuer publishes no discovery document"),
    bodies.text("token_endpoint", "Only where the issuer publishes no discovery document"),
    bodies.text("jwks_uri", "Only where the issuer publishes no discovery document"),
    bodies.flag("active", "Whether viewers are offered it (default true)"),
)


class ProviderShown(TypedDict):
    name: str
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str
    authorization_endpoint: str | None
    token_endpoint: str | None
    jwks_uri: str | None
    active: bool
    redirect_uri: str


class Providers(TypedDict):
    collection: list[ProviderShown]


def _shown(request: Request, found: ProviderSettings) -> ProviderShown:
    return {
        "name": found.name,
        "issuer": found.issuer,
        "client_id": found.client_id,
        "client_secret": found.client_secret_hint,
        "scopes": found.scopes,
        "authorization_endpoint": found.authorization_endpoint,
        "token_endpoint": found.token_endpoint,
        "jwks_uri": found.jwks_uri,
        "active": found.active,
        # The address to register with the provider as the client's redirect URI.
        "redirect_uri": base_url.of(request.app.state.settings.public_url) + CALLBACK,
    }


@router.get("/v2/identity-providers")
async def list_identity_providers(
    request: Request, session: Session, merchant: CurrentMerchant, sealer: Sealing
) -> Providers:
    """The merchant's identity providers, client secrets masked."""
    found = await identity_providers.identity_providers(session, merchant.id, sealer)
    return {"collection": [_shown(request, row) for row in found]}


@router.put("/v2/identity-providers/{name}")
async def set_identity_provider(
    request: Request,
    session: Session,
    settings: AppSettings,
    merchant: CurrentMerchant,
    sealer: Sealing,
    name: str,
    body: Annotated[Fields, Depends(PROVIDER)],
) -> ProviderShown:
    """Add the identity provider `name` (`google`, `apple`, `facebook`, or a name of the merchant's own for any
    other OpenID Connect issuer), or change it; fields not sent are left as they are."""
    change = ProviderChange(
        issuer=text(body, "issuer"),
        client_id=text(body, "client_id"),
        client_secret=text(body, "client_secret"),
        scopes=text(body, "scopes"),
        authorization_endpoint=text(body, "authorization_endpoint"),
        token_endpoint=text(body, "token_endpoint"),
        jwks_uri=text(body, "jwks_uri"),
        active=flag(body, "active"),
    )
    found = await identity_providers.set_identity_provider(
        session, merchant.id, name, change, sealer=sealer, allow_private=settings.outbound_allow_private
    )
    return _shown(request, found)


@router.delete("/v2/identity-providers/{name}")
async def remove_identity_provider(session: Session, merchant: CurrentMerchant, name: str) -> render.Message:
    """Remove an identity provider: its sign-ins under way end; accounts linked through it keep their passwords
    and other ways in."""
    await identity_providers.remove_identity_provider(session, merchant.id, name)
    return render.message("Identity provider removed")
