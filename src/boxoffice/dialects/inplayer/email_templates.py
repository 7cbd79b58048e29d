"""A merchant's own e-mail templates (our contract): `GET/PUT/DELETE /v2/email-templates/{name}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.mail import overrides
from boxoffice.mail.overrides import TemplateState

router = APIRouter(route_class=InPlayerRoute, tags=["email-templates"])

TEMPLATE = bodies.form(
    bodies.text("subject", "The subject line, Jinja"),
    bodies.text("text", "The plain-text body, Jinja"),
    bodies.text("html", "The HTML body, Jinja"),
    description="The parts not sent keep their built-in version",
)


class TemplateSummary(TypedDict):
    name: str
    customized: bool
    updated_at: int | None


class Template(TypedDict):
    """A template's parts as sent (the merchant's, or the built-in ones) and the variables they may use."""

    name: str
    customized: bool
    subject: str
    text: str
    html: str | None
    variables: list[str]


def _template(state: TemplateState) -> Template:
    return {
        "name": state.name,
        "customized": state.customized,
        "subject": state.sources.subject,
        "text": state.sources.text,
        "html": state.sources.html,
        "variables": state.variables,
    }


@router.get("/v2/email-templates")
async def list_templates(session: Session, merchant: CurrentMerchant) -> list[TemplateSummary]:
    """The e-mails Boxoffice sends, and whether the merchant has customized each."""
    return [
        {"name": state.name, "customized": state.customized, "updated_at": render.ts(state.updated_at)}
        for state in await overrides.list_templates(session, merchant.id)
    ]


@router.get("/v2/email-templates/{name}")
async def get_template(session: Session, merchant: CurrentMerchant, name: str) -> Template:
    """One e-mail template: its parts and the variables they may use."""
    return _template(await overrides.template_state(session, merchant.id, name))


@router.put("/v2/email-templates/{name}")
async def customize_template(
    session: Session, merchant: CurrentMerchant, name: str, body: Annotated[Fields, Depends(TEMPLATE)]
) -> Template:
    """Customize one of the e-mails Boxoffice sends for the merchant.

    Every part is Jinja, tried on sample values in the sandbox before anything is saved (422 otherwise)."""
    state = await overrides.customize_template(
        session, merchant.id, name, subject=text(body, "subject"), text=text(body, "text"), html=text(body, "html")
    )
    return _template(state)


@router.delete("/v2/email-templates/{name}")
async def revert_template(session: Session, merchant: CurrentMerchant, name: str) -> Template:
    """Drop the merchant's version of an e-mail template.

    Back to the built-in version, which the answer shows."""
    return _template(await overrides.revert_template(session, merchant.id, name))
