"""What a merchant asks its customers after sign-up, answered through the MediaStore API (Boxoffice's own routes:
InPlayer has none): consent terms (`GET /v2/consents`, `PUT /v2/consents/{name}`) and capture (`GET`/`PUT
/v2/capture-settings`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentMerchant, Session
from boxoffice.dialects.inplayer.forms import flag, mapping, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import capture, consents
from boxoffice.identity.models import CaptureSettings, ConsentTerm
from boxoffice.kit.errors import InvalidInput

router = APIRouter(route_class=InPlayerRoute, tags=["consents"])

TERM = bodies.form(
    bodies.text("label", "What the customer is asked to agree to"),
    bodies.flag("required", "Whether sign-up needs the customer's consent"),
    bodies.flag("enabled_by_default", "Whether the box starts ticked"),
    bodies.flag("active", "Whether customers are asked"),
)
QUESTION = {
    "type": "object",
    "properties": {
        "question": {"type": "string"},
        "required": {"type": "boolean"},
        "options": {"type": "array", "items": {"type": "string"}},
    },
}
CAPTURE = bodies.form(
    bodies.flag("enabled", "Whether customers are asked after sign-up"),
    bodies.mapping("fields", "Each field's name: `off`, `optional` or `required`"),
    bodies.nested(
        "questions",
        {"type": "array", "items": QUESTION},
        "`questions[i][question]`, `[required]`, `[options][j]`: the questions given replace all of them",
    ),
)


class ConsentTermBody(TypedDict):
    name: str
    label: str
    version: int
    required: bool
    enabled_by_default: bool
    active: bool
    updated_at: int | None


class CaptureBody(TypedDict):
    enabled: bool
    fields: dict[str, str]
    questions: list[dict[str, Any]]


def _term(term: ConsentTerm) -> ConsentTermBody:
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
async def list_consents(session: Session, merchant: CurrentMerchant) -> list[ConsentTermBody]:
    """The merchant's consent terms, inactive ones included."""
    return [_term(t) for t in await consents.list_terms(session, merchant.id, active_only=False)]


@router.put("/v2/consents/{name}")
async def put_consent(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(TERM)], name: str = Path(max_length=64)
) -> ConsentTermBody:
    """Define a consent term, or change it (a changed label is a new version customers are asked again)."""
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


def _capture(settings: CaptureSettings | None) -> CaptureBody:
    if settings is None:
        return {"enabled": False, "fields": {}, "questions": []}
    return {"enabled": settings.enabled, "fields": settings.fields, "questions": settings.questions}


@router.get("/v2/capture-settings")
async def read_capture(session: Session, merchant: CurrentMerchant) -> CaptureBody:
    """What the merchant asks its customers after sign-up: fields and questions."""
    return _capture(await capture.capture_settings_of(session, merchant.id))


@router.put("/v2/capture-settings")
async def put_capture(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(CAPTURE)]
) -> CaptureBody:
    """Set what the merchant asks its customers after sign-up.

    `enabled`; `fields[name]` = off, optional or required; `questions[i][question]`, `questions[i][required]`,
    `questions[i][options][j]` (questions given replace all of them)."""
    fields = mapping(body, "fields")
    raw = body.get("questions")
    questions = None
    if raw is not None:
        items = raw if isinstance(raw, list) else list(raw.values()) if isinstance(raw, dict) else None
        if items is None or not all(isinstance(q, dict) for q in items):
            raise InvalidInput({"questions": "Questions are questions[i][question], [required], [options][j]"})
        questions = [
            {
                "question": q.get("question"),
                "required": str(q.get("required", "")).lower() in ("1", "true", "on", "yes"),
                "options": q.get("options") if isinstance(q.get("options"), list) else [],
            }
            for q in items
        ]
    settings = await capture.configure_capture(
        session,
        merchant.id,
        enabled=flag(body, "enabled"),
        fields={str(k): str(v) for k, v in fields.items()} if fields is not None else None,
        questions=questions,
    )
    return _capture(settings)
