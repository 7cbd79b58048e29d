"""`POST /v2/accounts/customers/data-capture`: a viewer without an account leaves contact details (no auth); the
merchant reads them back from `GET /v2/accounts/data-capture` (our contract)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from typing_extensions import TypedDict

from boxoffice.access.data_capture import capture_lead, list_leads
from boxoffice.access.models import DataCaptureLead
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, Client, CurrentMerchant, PageOf, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit import throttle

router = APIRouter(route_class=InPlayerRoute, tags=["data capture"])

LEAD = bodies.form(
    bodies.text("merchant_uuid", "The merchant whose data-capture item is opened", required=True),
    bodies.text("email", "The visitor's e-mail", required=True),
    bodies.text("full_name", "The visitor's name"),
    bodies.text("company", "The visitor's company"),
)


class Lead(TypedDict):
    id: int
    email: str
    full_name: str
    company: str
    created_at: int | None


MAX_SEARCH = 200


@router.post("/v2/accounts/customers/data-capture")
async def request_data_capture_access(
    request: Request, session: Session, settings: AppSettings, body: Annotated[Fields, Depends(LEAD)], client: Client
) -> render.Message:
    """Leave one's details to open the merchant's data-capture items.

    No token; attempts are limited per address."""
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


@router.get("/v2/accounts/data-capture")
async def list_data_capture_leads(
    session: Session,
    merchant: CurrentMerchant,
    paging: PageOf,
    search: str | None = Query(None, max_length=MAX_SEARCH),
) -> render.Page[Lead]:
    """The details visitors left, a page at a time; `search` narrows them by e-mail or name."""
    page, per_page = paging.page, paging.per_page
    total, rows = await list_leads(session, merchant.id, search=search, page=page, limit=per_page)
    return render.page(total, page, per_page, [_lead(row) for row in rows])


def _lead(lead: DataCaptureLead) -> Lead:
    return {
        "id": lead.id,
        "email": lead.email,
        "full_name": lead.full_name,
        "company": lead.company,
        "created_at": render.ts(lead.created_at),
    }
