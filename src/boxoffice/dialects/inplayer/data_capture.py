"""`POST /v2/accounts/customers/data-capture`: a viewer without an account leaves contact details (no auth)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from boxoffice import throttle
from boxoffice.access.data_capture import capture_lead
from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.deps import AppSettings, Body, Client, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute

router = APIRouter(route_class=InPlayerRoute, tags=["data capture"])


@router.post("/v2/accounts/customers/data-capture")
async def request_data_capture_access(
    request: Request, session: Session, settings: AppSettings, body: Body, client: Client
) -> dict[str, Any]:
    # Anyone may write here: one address is held to the sign-up pace.
    await throttle.hit(request.app.state.sessions, {f"capture:ip:{client.ip_address}": settings.auth_rate_per_ip})
    await capture_lead(
        session,
        merchant_uuid=text(body, "merchant_uuid"),
        email=text(body, "email"),
        full_name=text(body, "full_name"),
        company=text(body, "company"),
    )
    return render.message("Access successfully granted")
