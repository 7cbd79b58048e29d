"""InPlayer's `reportSSOtoken`: `POST /sso/cookie` (multipart `token`, `delete` 0 or 1) keeps the viewer's token in
a cookie of this host, one per merchant, or forgets it; `GET /sso/cookie?client_id=…`, sent with the browser's
credentials from another of the merchant's sites (an allowed origin), gives it back while the session lasts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, Session
from boxoffice.dialects.inplayer.forms import flag, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import shared_sessions
from boxoffice.kit import base_url

router = APIRouter(route_class=InPlayerRoute, tags=["accounts"])
COOKIE = "boxoffice_sso_"  # and the merchant's uuid
PATH = "/sso/cookie"
REPORT = bodies.form(
    bodies.text("token", "The viewer's access token"),
    bodies.flag("delete", "`1` to forget the kept token (signing out everywhere), `0` to keep this one"),
)


class Shared(TypedDict):
    token: str
    expires: int


def _secure(request: Request) -> bool:
    return base_url.of(request.app.state.settings.public_url).startswith("https://")


@router.post(PATH, response_model=render.Message)
async def report_sso_token(
    request: Request, session: Session, settings: AppSettings, body: Annotated[Fields, Depends(REPORT)]
) -> JSONResponse:
    """Keep the viewer's token for the merchant's other sites, or forget it (`delete=1`)."""
    origin, token = request.headers.get("origin"), text(body, "token")
    if flag(body, "delete"):
        merchant_uuid = await shared_sessions.forget_shared_session(session, token, origin)
        response = JSONResponse(render.message("SSO token removed"))
        secure = _secure(request)
        response.delete_cookie(
            COOKIE + merchant_uuid, path=PATH, secure=secure, httponly=True, samesite="none" if secure else "lax"
        )
        return response
    shared = await shared_sessions.share_session(session, settings, token, origin)
    response = JSONResponse(render.message("SSO token saved"))
    secure = _secure(request)
    response.set_cookie(
        COOKIE + shared.merchant_uuid,
        shared.token,
        max_age=shared.seconds_left,
        path=PATH,
        httponly=True,
        secure=secure,
        # Set and read by the merchant's sites on other hosts: a cross-site cookie, which needs https.
        samesite="none" if secure else "lax",
    )
    return response


@router.get(PATH)
async def shared_sso_token(
    request: Request,
    session: Session,
    settings: AppSettings,
    client_id: Annotated[str, Query(max_length=64, pattern=r"^[0-9A-Za-z-]+$")],
) -> Shared:
    """The token kept for the merchant `client_id` by `POST /sso/cookie`, while its session lasts; 401 when none
    is, or it has ended; 403 for a page not on the merchant's allowed origins."""
    kept = request.cookies.get(COOKIE + client_id)
    shared = await shared_sessions.shared_session(session, settings, client_id, kept, request.headers.get("origin"))
    return {"token": shared.token, "expires": shared.expires}
