"""InPlayer's `reportSSOtoken`: `POST /sso/cookie` (multipart `token`, `delete` 0 or 1) keeps the viewer's token in
a cookie of this host, or forgets it; `GET /sso/cookie`, sent with the browser's credentials from another of the
merchant's sites (an allowed origin), gives it back while the session lasts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
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
COOKIE = "boxoffice_sso"
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


@router.post(PATH)
async def report_sso_token(
    request: Request, session: Session, settings: AppSettings, body: Annotated[Fields, Depends(REPORT)]
) -> JSONResponse:
    """Keep the viewer's token for the merchant's other sites, or forget it (`delete=1`)."""
    secure = _secure(request)
    if flag(body, "delete"):
        response = JSONResponse(render.message("SSO token removed"))
        response.delete_cookie(COOKIE, path=PATH, secure=secure, httponly=True, samesite="none" if secure else "lax")
        return response
    shared = await shared_sessions.shared_session(session, settings, text(body, "token"))
    response = JSONResponse(render.message("SSO token saved"))
    response.set_cookie(
        COOKIE,
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
async def shared_sso_token(request: Request, session: Session, settings: AppSettings) -> Shared:
    """The token kept by `POST /sso/cookie` while its session lasts; 401 when none is, or it has ended."""
    shared = await shared_sessions.shared_session(session, settings, request.cookies.get(COOKIE))
    return {"token": shared.token, "expires": shared.expires}
