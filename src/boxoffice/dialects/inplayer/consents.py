"""The merchant's consent terms (Boxoffice's own routes: InPlayer has none), which customers answer through the
MediaStore API: `GET /v2/consents`, `PUT /v2/consents/{name}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.deps import Body, CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import flag, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import consents
from boxoffice.identity.models import ConsentTerm

router = APIRouter(route_class=InPlayerRoute, tags=["consents"])


def _term(term: ConsentTerm) -> dict[str, Any]:
    return {
        "name": term.name,
        "label": term.label,
        "version": term.version,
        "required": term.required,
        "enabled_by_default": term.enabled_by_default,
        "active": term.active,
        "updated_at": render.ts(term.updated_at),
    }


@router.get("/v2/consents")
async def list_consents(session: Session, merchant: CurrentMerchant) -> list[dict[str, Any]]:
    return [_term(t) for t in await consents.list_terms(session, merchant.id, active_only=False)]


@router.put("/v2/consents/{name}")
async def put_consent(
    session: Session, merchant: CurrentMerchant, body: Body, name: str = Path(max_length=64)
) -> dict[str, Any]:
    term = await consents.define_term(
        session,
        merchant.id,
        name,
        label=text(body, "label"),
        required=flag(body, "required"),
        enabled_by_default=flag(body, "enabled_by_default"),
        active=flag(body, "active"),
    )
    return _term(term)
