"""Merchant-defined sign-up fields, and checking a registration against them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from iso3166 import countries_by_alpha2
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.identity import repository as repo
from boxoffice.identity.models import RegisterField
from boxoffice.kit import validation
from boxoffice.kit.errors import Conflict, NotFound

FIELD_TYPES = ("input", "select", "radio", "country", "datepicker", "checkbox")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Names the account itself uses; a register field may not shadow them.
RESERVED = frozenset(
    {
        "email",
        "username",
        "password",
        "password_confirmation",
        "full_name",
        "client_id",
        "type",
        "referrer",
        "grant_type",
        "branding_id",
        "date_of_birth",
    }
)
TRUE = frozenset({"true", "1", "on", "yes"})
MAX_POSITION = 1_000_000
MAX_TEXT = 500  # what the label, default value and placeholder columns hold


async def list_register_fields(session: AsyncSession, merchant_id: int) -> Sequence[RegisterField]:
    return await repo.register_fields(session, merchant_id)


async def get_register_field(session: AsyncSession, merchant_id: int, field_id: int) -> RegisterField:
    field = await repo.register_field(session, merchant_id, field_id)
    if field is None:
        raise NotFound("Register field not found")
    return field


def _check_definition(
    problems: validation.Problems,
    *,
    name: str,
    label: str,
    type_: str,
    options: dict[str, str],
    position: int,
) -> None:
    if not _NAME.match(name):
        problems.add("name", "The name must be lowercase letters, digits and underscores, starting with a letter")
    elif name in RESERVED:
        problems.add("name", "This name is reserved")
    if not label.strip():
        problems.add("label", "The label is required")
    elif len(label) > MAX_TEXT:
        problems.add("label", f"The label may not be longer than {MAX_TEXT} characters")
    if type_ not in FIELD_TYPES:
        problems.add("type", f"The type must be one of: {', '.join(FIELD_TYPES)}")
    elif type_ in ("select", "radio") and not options:
        problems.add("options", "A select or radio field needs options")
    if not -MAX_POSITION <= position <= MAX_POSITION:
        problems.add("position", f"The position must be from -{MAX_POSITION} to {MAX_POSITION}")


def _check_texts(problems: validation.Problems, texts: dict[str, object]) -> None:
    """The default value and the placeholder fit their columns."""
    for name in ("default_value", "placeholder"):
        value = texts.get(name)
        if isinstance(value, str) and len(value) > MAX_TEXT:
            problems.add(name, f"The {name.replace('_', ' ')} may not be longer than {MAX_TEXT} characters")


async def create_register_field(
    session: AsyncSession,
    merchant_id: int,
    *,
    name: str,
    label: str,
    type_: str,
    required: bool,
    default_value: str,
    placeholder: str,
    options: dict[str, str],
    position: int,
) -> RegisterField:
    problems = validation.Problems()
    _check_definition(problems, name=name, label=label, type_=type_, options=options, position=position)
    _check_texts(problems, {"default_value": default_value, "placeholder": placeholder})
    problems.raise_any()
    if await repo.register_field_by_name(session, merchant_id, name):
        raise Conflict("A register field with this name already exists")
    field = RegisterField(
        merchant_id=merchant_id,
        name=name,
        label=label,
        type=type_,
        required=required,
        default_value=default_value,
        placeholder=placeholder,
        options=options,
        position=position,
    )
    session.add(field)
    await session.flush()
    return field


async def update_register_field(
    session: AsyncSession, merchant_id: int, field_id: int, changes: dict[str, object]
) -> RegisterField:
    field = await get_register_field(session, merchant_id, field_id)
    merged = {
        "name": field.name,
        "label": field.label,
        "type_": field.type,
        "options": field.options,
        "position": field.position,
    } | {k: v for k, v in changes.items() if k in ("name", "label", "type_", "options", "position")}
    problems = validation.Problems()
    _check_definition(
        problems,
        name=str(merged["name"]),
        label=str(merged["label"]),
        type_=str(merged["type_"]),
        options=dict(merged["options"]),  # type: ignore[call-overload]
        position=int(merged["position"]),  # type: ignore[call-overload]
    )
    _check_texts(problems, changes)
    problems.raise_any()
    if merged["name"] != field.name and await repo.register_field_by_name(session, merchant_id, str(merged["name"])):
        raise Conflict("A register field with this name already exists")
    for key, value in changes.items():
        setattr(field, "type" if key == "type_" else key, value)
    await session.flush()
    return field


async def delete_register_field(session: AsyncSession, merchant_id: int, field_id: int) -> None:
    await session.delete(await get_register_field(session, merchant_id, field_id))
    await session.flush()


def check_registration(
    fields: Sequence[RegisterField], values: dict[str, str], problems: validation.Problems, *, later: bool = False
) -> dict[str, str]:
    """Validate the answers to a merchant's register fields; returns them, defaults filled in. With `later`, a
    required field left unanswered is no problem: the client has no way to send it, and it is asked afterwards
    (see capture). A problem names the field by its name (its label may be a sentence, or a link)."""
    answers = dict(values)
    for field in fields:
        value = (answers.get(field.name) or "").strip()
        if not value and field.default_value:
            value = answers[field.name] = field.default_value
        if not value:
            if field.required and not later:
                problems.add(field.name, f"The {field.name} field is required")
            continue
        if field.type in ("select", "radio") and value not in field.options:
            problems.add(field.name, f"The {field.name} field must be one of the offered options")
        elif field.type == "country":
            if value.upper() not in countries_by_alpha2:
                problems.add(field.name, f"The {field.name} field must be an ISO 3166 country code")
            answers[field.name] = value.upper()
        elif field.type == "checkbox" and field.required and value.lower() not in TRUE:
            problems.add(field.name, f"The {field.name} field must be accepted")
        elif field.type == "datepicker":
            try:
                date.fromisoformat(value)
            except ValueError:
                problems.add(field.name, f"The {field.name} field must be a date in the form YYYY-MM-DD")
    return answers
