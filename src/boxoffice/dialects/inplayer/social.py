"""Social sign-in as InPlayer's SDK does it (`getSocialLoginUrls`): `GET /accounts/social?state=…` lists an
address per identity provider of the merchant; each begins the sign-in and sends the viewer to the provider, whose
answer comes back to `/accounts/social/callback`, which sends the viewer on to the app's `redirect` with the
tokens in the fragment (`#access_token=…&refresh_token=…&expires=…`), or with an OAuth 2 `error` when it failed.

The SDK writes `state` — base64 of JSON `{client_id, redirect}` — into the query without URL-encoding it, so it is
read from the raw query string, where a `+` of the base64 is still a plus."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Annotated, Any
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import RedirectResponse, Response
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, Client, Oidc, Sealing, Session
from boxoffice.dialects.inplayer.errors import SOCIAL_REFUSALS
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import merchants, social_sign_in
from boxoffice.identity.social_sign_in import SocialSignInRefused
from boxoffice.kit import base_url, throttle
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])
COOKIE = "boxoffice_social_state"
COOKIE_PATH = "/accounts/social"
CALLBACK = "/accounts/social/callback"
MAX_STATE = 4000
_CLIENT_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
CALLBACK_FORM = bodies.form(
    bodies.text("state", "The state the sign-in was sent with"),
    bodies.text("code", "The provider's authorization code"),
    bodies.text("error", "The provider's error, when the sign-in failed"),
    description="The provider's answer, posted by the viewer's browser (Apple's `form_post`)",
)


class SocialUrls(TypedDict):
    social_urls: list[dict[str, str]]
    code: int


def _raw_state(request: Request) -> str:
    raw = request.scope.get("query_string", b"").decode("latin-1")
    for pair in raw.split("&"):
        name, _, value = pair.partition("=")
        if name == "state":
            return unquote(value)  # percent-escapes only: a plus is base64's
    return ""


def _state(raw: str) -> tuple[str, str]:
    """The client id and redirect address of InPlayer's `state` (standard or URL-safe base64, padded or not)."""
    problem = {"state": "The state must be base64 of JSON with client_id and redirect"}
    if not raw or len(raw) > MAX_STATE:
        raise InvalidInput(problem)
    cleaned = raw.strip().replace(" ", "+").replace("-", "+").replace("_", "/").rstrip("=")
    try:
        found: Any = json.loads(base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True))
    except (binascii.Error, ValueError, RecursionError):
        raise InvalidInput(problem) from None
    client_id = found.get("client_id") or found.get("uuid") if isinstance(found, dict) else None
    redirect = found.get("redirect") if isinstance(found, dict) else None
    if not isinstance(client_id, str) or not isinstance(redirect, str) or not redirect:
        raise InvalidInput(problem)
    if not _CLIENT_ID.fullmatch(client_id):
        raise InvalidInput({"state": "The state's client_id is not a merchant's uuid"})
    return client_id, redirect


def _app_told(redirect: str, fields: dict[str, str | int]) -> RedirectResponse:
    """The viewer sent back to the app, `fields` in the fragment: never sent to a server, kept out of logs."""
    return RedirectResponse(redirect.split("#", 1)[0] + "#" + urlencode(fields), status_code=302)


def _refusal_told(refused: SocialSignInRefused) -> RedirectResponse:
    if refused.redirect is None:
        raise refused
    message, _, code = SOCIAL_REFUSALS[refused.reason]
    return _app_told(refused.redirect, {"error": code, "error_description": message})


@router.get("/accounts/social")
async def social_urls(request: Request, session: Session) -> SocialUrls:
    """An address per identity provider of the merchant (`state`: base64 of JSON `{client_id, redirect}`, the
    redirect on one of the merchant's allowed origins). Opening one signs the viewer in there and brings them
    back to `redirect` with `#access_token=…&refresh_token=…&expires=…`."""
    client_id, redirect = _state(_raw_state(request))
    merchant = await merchants.find_merchant(session, client_id)
    names = await social_sign_in.social_sign_in_providers(session, merchant, redirect)
    base = base_url.of(request.app.state.settings.public_url)
    query = urlencode({"client_id": merchant.uuid, "redirect": redirect})
    return {"social_urls": [{name: f"{base}{COOKIE_PATH}/{name}/start?{query}"} for name in names], "code": 200}


@router.get("/accounts/social/{provider}/start", response_class=RedirectResponse, status_code=302)
async def begin(
    request: Request,
    settings: AppSettings,
    oidc: Oidc,
    sealer: Sealing,
    client: Client,
    provider: Annotated[str, Path(max_length=32)],
    client_id: Annotated[str, Query(max_length=64, pattern=r"^[0-9A-Za-z-]+$")],
    redirect: Annotated[str, Query(max_length=2000)],
    sessions: OwnTransactions,
) -> Response:
    """Begin a sign-in with `provider`: the viewer is sent to it, and this browser is given the sign-in's state
    (in a cookie the callback checks)."""
    await throttle.hit(sessions, {f"social:ip:{client.ip_address}": settings.auth_rate_per_ip})
    base = base_url.of(settings.public_url)
    try:
        begun = await social_sign_in.begin_social_sign_in(
            sessions, oidc, sealer, client_id, provider, redirect, callback_url=base + CALLBACK
        )
    except SocialSignInRefused as refused:
        return _refusal_told(refused)
    response = RedirectResponse(begun.authorization_url, status_code=302)
    secure = base.startswith("https://")
    response.set_cookie(
        COOKIE,
        begun.state,
        max_age=int(begun.lifetime.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        secure=secure,
        # Apple answers with a cross-site POST, which carries only a SameSite=None cookie (and that only over https).
        samesite="none" if secure else "lax",
    )
    return response


async def _finish(
    request: Request,
    sessions: OwnTransactions,
    settings: AppSettings,
    oidc: Oidc,
    sealer: Sealing,
    client: Client,
    state: str | None,
    code: str | None,
    error: str | None,
) -> Response:
    try:
        finished = await social_sign_in.finish_social_sign_in(
            sessions,
            settings,
            oidc,
            sealer,
            state=state or "",
            browser_state=request.cookies.get(COOKIE),
            code=code,
            error=error,
            callback_url=base_url.of(settings.public_url) + CALLBACK,
            client=client,
        )
    except SocialSignInRefused as refused:
        response = _refusal_told(refused)
    else:
        tokens = finished.tokens
        response = _app_told(
            finished.redirect,
            {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token, "expires": tokens.expires},
        )
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


@router.get(CALLBACK, response_class=RedirectResponse, status_code=302)
async def callback(
    request: Request,
    settings: AppSettings,
    oidc: Oidc,
    sealer: Sealing,
    client: Client,
    sessions: OwnTransactions,
    state: Annotated[str | None, Query(max_length=1000)] = None,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    error: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """Where the provider sends the viewer back: signed in, they go on to the app's address with the tokens."""
    return await _finish(request, sessions, settings, oidc, sealer, client, state, code, error)


@router.post(CALLBACK, response_class=RedirectResponse, status_code=302)
async def callback_posted(
    request: Request,
    settings: AppSettings,
    oidc: Oidc,
    sealer: Sealing,
    client: Client,
    body: Annotated[Fields, Depends(CALLBACK_FORM)],
    sessions: OwnTransactions,
) -> Response:
    """The provider's answer as a form post (Apple's `response_mode=form_post`)."""
    state, code, error = text(body, "state"), text(body, "code"), text(body, "error")
    return await _finish(request, sessions, settings, oidc, sealer, client, state, code, error)
