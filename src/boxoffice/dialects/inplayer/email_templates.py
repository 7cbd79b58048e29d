"""A merchant's own e-mail templates (our contract): `GET/PUT/DELETE /v2/email-templates/{name}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.deps import Body, CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.mail import overrides
from boxoffice.mail.overrides import TemplateState

router = APIRouter(route_class=InPlayerRoute, tags=["email-templates"])


def _template(state: TemplateState) -> dict[str, Any]:
    return {
        "name": state.name,
        "customized": state.customized,
        "subject": state.sources.subject,
        "text": state.sources.text,
        "html": state.sources.html,
        "variables": state.variables,
    }


@router.get("/v2/email-templates")
async def list_templates(session: Session, merchant: CurrentMerchant) -> list[dict[str, Any]]:
    return [
        {"name": state.name, "customized": state.customized, "updated_at": render.ts(state.updated_at)}
        for state in await overrides.list_templates(session, merchant.id)
    ]


@router.get("/v2/email-templates/{name}")
async def get_template(session: Session, merchant: CurrentMerchant, name: str) -> dict[str, Any]:
    return _template(await overrides.template_state(session, merchant.id, name))


@router.put("/v2/email-templates/{name}")
async def customize_template(session: Session, merchant: CurrentMerchant, name: str, body: Body) -> dict[str, Any]:
    """Every part is Jinja, tried on sample values in the sandbox before anything is saved (422 otherwise)."""
    state = await overrides.customize_template(
        session, merchant.id, name, subject=text(body, "subject"), text=text(body, "text"), html=text(body, "html")
    )
    return _template(state)


@router.delete("/v2/email-templates/{name}")
async def revert_template(session: Session, merchant: CurrentMerchant, name: str) -> dict[str, Any]:
    """Back to the built-in version, which the answer shows."""
    return _template(await overrides.revert_template(session, merchant.id, name))
