"""Signed playback: the SDK's `GET /items/{id}/access/cloudfront` and `GET /v2/items/jw-media/token`; signed
cookies for streaming (`GET /items/{id}/access/cloudfront/cookies`) and the merchant's signing keys under
`/v2/playback` (our contract)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request, Response
from typing_extensions import TypedDict

from boxoffice.access import playback, signed_cookies
from boxoffice.access.playback import PlaybackSettings
from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import Client, CurrentCustomer, CurrentMerchant, PathId, Sealing, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity.merchants import merchant_of
from boxoffice.kit import clock

router = APIRouter(route_class=InPlayerRoute, tags=["playback"])

CLOUDFRONT_KEYS = bodies.form(
    bodies.text("key_pair_id", "CloudFront's key pair id", required=True),
    bodies.text("private_key", "The key pair's private key, PEM", required=True),
)
JW_SECRET = bodies.form(bodies.text("secret", "The JW Player property's API secret", required=True))
# `url` is read from the raw query string (`raw_url`), so it is declared by hand.
SIGNED_URL = {
    "parameters": [
        {
            "name": "url",
            "in": "query",
            "required": True,
            "description": "The CloudFront URL to sign, unencoded to the end of the query string (or encoded)",
            "schema": {"type": "string"},
        }
    ]
}


class CloudFrontKeys(TypedDict):
    configured: bool
    key_pair_id: str | None
    private_key: str | None
    key_bits: int | None


class JwSecret(TypedDict):
    configured: bool
    secret: str | None


class PlaybackKeys(TypedDict):
    """The merchant's signing keys, their secrets masked."""

    cloudfront: CloudFrontKeys
    jw: JwSecret


class VideoUrl(TypedDict):
    video_url: str


class MediaToken(TypedDict):
    token: str


class SignedCookies(TypedDict):
    """The cookies set on the answer, named again for a player that sets them itself."""

    resource: str
    expires: int
    domain: str
    path: str
    cookies: dict[str, str]


def playback_settings(settings: PlaybackSettings) -> PlaybackKeys:
    cloudfront = settings.cloudfront_key_pair_id is not None and settings.cloudfront_key_bits is not None
    return {
        "cloudfront": {
            "configured": cloudfront,
            "key_pair_id": settings.cloudfront_key_pair_id,
            "private_key": "********" if cloudfront else None,
            "key_bits": settings.cloudfront_key_bits,
        },
        "jw": {"configured": settings.jw_secret_hint is not None, "secret": settings.jw_secret_hint},
    }


def raw_url(request: Request) -> str | None:
    """The `url` parameter as the SDK sends it: not encoded, so it runs to the end of the query string and may
    hold `?` and `&` of its own. A client that does encode it (`https%3A%2F%2F…`) is decoded, up to the next `&`."""
    query: str = request.scope.get("query_string", b"").decode("latin-1")
    if query.startswith("url="):
        value = query[len("url=") :]
    elif (at := query.find("&url=")) >= 0:
        value = query[at + len("&url=") :]
    else:
        return None
    if "://" not in value and value.lower().startswith(("http%3a", "https%3a")):
        value = unquote(value.split("&", 1)[0])
    return value


@router.get("/v2/playback")
async def get_playback_keys(session: Session, merchant: CurrentMerchant, sealer: Sealing) -> PlaybackKeys:
    """The merchant's playback signing keys, masked."""
    return playback_settings(await playback.playback_settings(session, merchant.id, sealer))


@router.put("/v2/playback/cloudfront")
async def set_cloudfront_keys(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(CLOUDFRONT_KEYS)], sealer: Sealing
) -> PlaybackKeys:
    """Set the CloudFront key pair viewers' playback URLs are signed with."""
    settings = await playback.set_cloudfront_keys(
        session,
        merchant.id,
        key_pair_id=text(body, "key_pair_id"),
        private_key=text(body, "private_key"),
        sealer=sealer,
    )
    return playback_settings(settings)


@router.put("/v2/playback/jw")
async def set_jw_secret(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(JW_SECRET)], sealer: Sealing
) -> PlaybackKeys:
    """Set the JW Player secret media tokens are signed with."""
    return playback_settings(await playback.set_jw_secret(session, merchant.id, text(body, "secret"), sealer))


@router.get("/items/{item_id}/access/cloudfront", openapi_extra=SIGNED_URL)
async def get_cloudfront_url(
    request: Request, session: Session, customer: CurrentCustomer, item_id: PathId, client: Client, sealer: Sealing
) -> VideoUrl:
    """A signed CloudFront URL for an item the viewer has access to."""
    merchant = await merchant_of(session, customer.merchant_id)
    signed = await playback.signed_cloudfront_url(
        session, merchant, customer, item_id, raw_url(request), client, sealer
    )
    return {"video_url": signed.value}


@router.get("/items/{item_id}/access/cloudfront/cookies", openapi_extra=SIGNED_URL)
async def get_cloudfront_cookies(
    request: Request,
    response: Response,
    session: Session,
    customer: CurrentCustomer,
    item_id: PathId,
    client: Client,
    sealer: Sealing,
    cookie_domain: str | None = None,
) -> SignedCookies:
    """Signed CloudFront cookies for streaming an item the viewer has access to.

    The three CloudFront cookies for the folder of the playlist at `url` (sent as `getCloudfrontURL` sends its
    URL), set on the answer and named in its body for a player that sets them itself."""
    merchant = await merchant_of(session, customer.merchant_id)
    signed = await signed_cookies.signed_cloudfront_cookies(
        session, merchant, customer, item_id, raw_url(request), cookie_domain, client, sealer
    )
    for name, value in signed.cookies.items():
        response.set_cookie(
            name,
            value,
            expires=signed.expires_at.replace(tzinfo=UTC),
            path=signed.path,
            domain=signed.domain,
            secure=True,
            httponly=True,
            samesite="none",  # the player's page and the CDN may be different sites
        )
    return {
        "resource": signed.resource,
        "expires": clock.unix(signed.expires_at),
        "domain": signed.domain,
        "path": signed.path,
        "cookies": signed.cookies,
    }


@router.get("/v2/items/jw-media/token")
async def get_signed_media_token(
    session: Session,
    customer: CurrentCustomer,
    client: Client,
    sealer: Sealing,
    media_id: str | None = None,
    app_config_id: str | None = None,
) -> MediaToken:
    """A signed JW Player token for a media of an item the viewer has access to.

    `app_config_id` names the app asking; the token depends only on the media and the merchant's secret."""
    merchant = await merchant_of(session, customer.merchant_id)
    signed = await playback.signed_media_token(session, merchant, customer, media_id, client, sealer)
    return {"token": signed.value}
