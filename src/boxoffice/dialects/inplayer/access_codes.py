"""Access codes: the merchant's `/v2/items/{id}/access-codes` (our contract), and the viewer's code entry and
code sessions under `/items/access/codes` (the SDK's, no auth: the code, its id and the browser are the proof)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from typing_extensions import TypedDict

from boxoffice.access import codes
from boxoffice.access.models import AccessCode, AccessCodeSession
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, Client, CurrentMerchant, PageOf, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, integer, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit import throttle
from boxoffice.kit.errors import InvalidInput

router = APIRouter(route_class=InPlayerRoute, tags=["access codes"])

NEW_CODES = bodies.form(
    bodies.strings("codes", "The codes to create; or else"),
    bodies.integer("quantity", "How many codes to generate"),
    bodies.integer("max_sessions", "Browsers a code may be used in at once"),
    bodies.moment("starts_at", "When the codes start to work"),
    bodies.moment("expires_at", "When they stop working"),
)
ENTRY = bodies.form(
    bodies.integer("item_id", "The item the code opens", required=True),
    bodies.text("code", "The access code", required=True),
    bodies.text("browser_fingerprint", "The browser's fingerprint, which holds one of the code's sessions"),
)


class AccessCodeBody(TypedDict):
    id: int
    item_id: int
    code: str
    max_sessions: int
    active_sessions: int
    in_use: bool
    starts_at: int | None
    expires_at: int | None
    created_at: int | None


class CodeSession(TypedDict):
    id: int
    code: str
    code_id: int
    browser_fingerprint: str
    agent_info: str | None
    last_used: int | None


class CodeEntry(TypedDict):
    """The item's content, opened by the code in this browser."""

    item_id: int
    content: str
    in_use: bool
    browser_fingerprint: str
    code: str
    type: str
    code_id: int


def access_code(code: AccessCode, sessions: int) -> AccessCodeBody:
    return {
        "id": code.id,
        "item_id": code.product_id,
        "code": code.code,
        "max_sessions": code.max_sessions,
        "active_sessions": sessions,
        "in_use": sessions > 0,
        "starts_at": render.ts(code.starts_at),
        "expires_at": render.ts(code.expires_at),
        "created_at": render.ts(code.created_at),
    }


def code_session(code: AccessCode, held: AccessCodeSession) -> CodeSession:
    return {
        "id": held.id,
        "code": code.code,
        "code_id": code.id,
        "browser_fingerprint": held.browser_fingerprint,
        "agent_info": held.agent_info,
        "last_used": render.ts(held.last_used),
    }


@router.post("/v2/items/{item_id}/access-codes", status_code=201)
async def create_access_codes(
    session: Session, merchant: CurrentMerchant, item_id: PathId, body: Annotated[Fields, Depends(NEW_CODES)]
) -> list[AccessCodeBody]:
    """Create access codes for an item: the codes given, or a quantity generated."""
    created = await codes.create_codes(
        session,
        merchant.id,
        item_id,
        codes=strings(body, "codes"),
        quantity=integer(body, "quantity"),
        max_sessions=integer(body, "max_sessions"),
        starts_at=date_time(body, "starts_at"),
        expires_at=date_time(body, "expires_at"),
    )
    return [access_code(code, 0) for code in created]


@router.get("/v2/items/{item_id}/access-codes")
async def list_access_codes(
    session: Session,
    merchant: CurrentMerchant,
    item_id: PathId,
    paging: PageOf,
) -> render.Page[AccessCodeBody]:
    """An item's access codes and how many browsers hold each, a page at a time."""
    page, per_page = paging.page, paging.per_page
    total, rows, held = await codes.list_codes(session, merchant.id, item_id, page=page, limit=per_page)
    return render.page(total, page, per_page, [access_code(code, held.get(code.id, 0)) for code in rows])


@router.delete("/v2/items/{item_id}/access-codes/{code_id}")
async def delete_access_code(
    session: Session, merchant: CurrentMerchant, item_id: PathId, code_id: PathId
) -> render.Message:
    """Delete an access code."""
    await codes.delete_code(session, merchant.id, item_id, code_id)
    return render.message("Access code deleted")


@router.post("/items/access/codes/entry")
async def enter_access_code(
    request: Request, session: Session, settings: AppSettings, body: Annotated[Fields, Depends(ENTRY)], client: Client
) -> CodeEntry:
    """Open an item with an access code, in one browser.

    No token: the code is the proof. Attempts are limited per address."""
    # A code is a password anyone may try: guesses are counted like sign-in attempts.
    await throttle.hit(request.app.state.sessions, {f"code:ip:{client.ip_address}": settings.auth_rate_per_ip})
    item_id = integer(body, "item_id")
    if item_id is None or item_id < 1:
        raise InvalidInput({"item_id": "The item id is required"})
    entry = await codes.enter_code(
        session, item_id, text(body, "code"), text(body, "browser_fingerprint"), client.user_agent
    )
    return {
        "item_id": entry.product.id,
        "content": entry.product.content,
        "in_use": True,
        "browser_fingerprint": entry.session.browser_fingerprint,
        "code": entry.code.code,
        "type": entry.product.asset_type,
        "code_id": entry.code.id,
    }


@router.get("/items/access/codes/{code_id}/sessions")
async def list_code_sessions(session: Session, code_id: PathId) -> list[CodeSession]:
    """The browsers holding an access code."""
    code, rows = await codes.code_sessions(session, code_id)
    return [code_session(code, held) for held in rows]


@router.delete("/items/access/codes/{code_id}/{browser_fingerprint}")
async def release_access_code(session: Session, code_id: PathId, browser_fingerprint: str) -> render.Message:
    """Free an access code's session in one browser."""
    await codes.release_code(session, code_id, browser_fingerprint)
    return render.message("Successfully deleted session")
