"""What the sign-up form asks of a new customer: the register fields (listed, added, changed, removed) and the
consent terms (listed, defined, changed into a new version, taken off the form and put back)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import Path
from starlette.responses import Response

from boxoffice.identity import consents, register_fields
from boxoffice.identity.models import ConsentTerm, RegisterField
from boxoffice.identity.sign_up_form import sign_up_form
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.validation import Problems
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import catalog_forms as read
from boxoffice.web.dashboard.catalog_item_page import Id
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/catalog/sign-up"
TermName = Annotated[str, Path(max_length=64)]
TYPES = [
    ("input", "Text"),
    ("select", "List to choose from"),
    ("radio", "Buttons to choose from"),
    ("country", "Country"),
    ("datepicker", "Date"),
    ("checkbox", "Checkbox"),
]
FIELD_FIELDS = ("name", "label", "type", "required", "default_value", "placeholder", "options", "position")
TERM_FIELDS = ("name", "label", "required", "enabled_by_default")


def _options(typed: str, problems: Problems) -> dict[str, str]:
    """One option a line, `value = Label` (or the value alone, which is then its label too)."""
    options: dict[str, str] = {}
    for line in typed.splitlines():
        value, _, label = line.partition("=")
        if not line.strip():
            continue
        if not value.strip():
            problems.add("options", "Each option is a line: value = Label")
        options[value.strip()] = label.strip() or value.strip()
    return options


@dataclass(frozen=True, slots=True)
class _Definition:
    """The form as a register field's definition; `asdict` of it is a change in `update_register_field`'s names."""

    name: str
    label: str
    type_: str
    required: bool
    default_value: str
    placeholder: str
    options: dict[str, str]
    position: int


def _definition(form: dict[str, str]) -> _Definition:
    problems = Problems()
    definition = _Definition(
        name=form.get("name", "").strip(),
        label=form.get("label", ""),
        type_=form.get("type", ""),
        required=form.get("required") == "yes",
        default_value=form.get("default_value", ""),
        placeholder=form.get("placeholder", ""),
        options=_options(form.get("options", ""), problems),
        position=read.number(form.get("position"), "position", problems) or 0,
    )
    problems.raise_any()
    return definition


def _field_values(field: RegisterField) -> dict[str, str]:
    return {
        "name": field.name,
        "label": field.label,
        "type": field.type,
        "required": "yes" if field.required else "",
        "default_value": field.default_value,
        "placeholder": field.placeholder,
        "options": "\n".join(f"{value} = {label}" for value, label in field.options.items()),
        "position": str(field.position),
    }


def _term_values(term: ConsentTerm) -> dict[str, str]:
    return {
        "name": term.name,
        "label": term.label,
        "required": "yes" if term.required else "",
        "enabled_by_default": "yes" if term.enabled_by_default else "",
    }


def _refused(refused: InvalidInput | Conflict) -> tuple[int, dict[str, str]]:
    if isinstance(refused, InvalidInput):
        return 422, refused.errors
    return 409, {"name": refused.message}


async def _shown(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.READ_CATALOG)
    found = await sign_up_form(page.session, me.merchant.id)
    shown = {"field_values": {"type": "input", "position": "0"}, "term_values": {}}
    return page.render(
        "catalog_sign_up.html",
        status,
        register_fields=found.fields,
        terms=found.terms,
        types=TYPES,
        type_names=dict(TYPES),
        **(shown | {"told": page.request.query_params.get("told", ""), "field_errors": {}, "term_errors": {}} | values),
    )


@router.get(HERE)
async def sign_up(page: Dashboard) -> Response:
    return await _shown(page)


@router.post(f"{HERE}/fields")
async def create_field(page: Dashboard) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        made = _definition(form)
        field = await register_fields.create_register_field(
            page.session,
            me.merchant.id,
            name=made.name,
            label=made.label,
            type_=made.type_,
            required=made.required,
            default_value=made.default_value,
            placeholder=made.placeholder,
            options=made.options,
            position=made.position,
        )
    except (InvalidInput, Conflict) as refused:
        status, errors = _refused(refused)
        values = {name: form.get(name, "") for name in FIELD_FIELDS}
        return await _shown(page, status, field_values=values, field_errors=errors, told="")
    page.audit_as("Added a register field", f"field {field.id}: {field.name}")
    return page.redirect(f"{HERE}?told=field-added")


async def _field_page(page: DashboardContext, field_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    field = await register_fields.get_register_field(page.session, me.merchant.id, field_id)
    return page.render(
        "catalog_sign_up_field.html", status, field=field, types=TYPES, **({"values": _field_values(field)} | values)
    )


@router.get(f"{HERE}/fields/{{field_id}}")
async def field_form(page: Dashboard, field_id: Id) -> Response:
    return await _field_page(page, field_id)


@router.post(f"{HERE}/fields/{{field_id}}")
async def edit_field(page: Dashboard, field_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        changes = asdict(_definition(form))
        field = await register_fields.update_register_field(page.session, me.merchant.id, field_id, changes)
    except (InvalidInput, Conflict) as refused:
        status, errors = _refused(refused)
        values = {name: form.get(name, "") for name in FIELD_FIELDS}
        return await _field_page(page, field_id, status, values=values, errors=errors)
    page.audit_as("Changed a register field", f"field {field.id}: {field.name}")
    return page.redirect(f"{HERE}?told=field-changed")


@router.post(f"{HERE}/fields/{{field_id}}/remove")
async def remove_field(page: Dashboard, field_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    await page.check_form()
    await register_fields.delete_register_field(page.session, me.merchant.id, field_id)
    page.audit_as("Removed a register field", f"field {field_id}")
    return page.redirect(f"{HERE}?told=field-removed")


async def _define(page: DashboardContext, merchant_id: int, name: str, form: dict[str, str]) -> ConsentTerm:
    return await consents.define_term(
        page.session,
        merchant_id,
        name,
        label=form.get("label", ""),
        required=form.get("required") == "yes",
        enabled_by_default=form.get("enabled_by_default") == "yes",
        active=None,
    )


@router.post(f"{HERE}/terms")
async def create_term(page: Dashboard) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        term = await _define(page, me.merchant.id, form.get("name", "").strip(), form)
    except InvalidInput as refused:
        values = {name: form.get(name, "") for name in TERM_FIELDS}
        return await _shown(page, 422, term_values=values, term_errors=refused.errors, told="")
    page.audit_as("Defined a consent", f"consent {term.name}, version {term.version}")
    return page.redirect(f"{HERE}?told=term-defined")


async def _term_page(page: DashboardContext, name: str, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    found = await sign_up_form(page.session, me.merchant.id)
    term = next((term for term in found.terms if term.name == name), None)
    if term is None:
        raise NotFound("Consent not found")
    return page.render("catalog_sign_up_term.html", status, term=term, **({"values": _term_values(term)} | values))


@router.get(f"{HERE}/terms/{{name}}")
async def term_form(page: Dashboard, name: TermName) -> Response:
    return await _term_page(page, name)


@router.post(f"{HERE}/terms/{{name}}")
async def edit_term(page: Dashboard, name: TermName) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        term = await _define(page, me.merchant.id, name, form)
    except InvalidInput as refused:
        values = {field: form.get(field, "") for field in TERM_FIELDS}
        return await _term_page(page, name, 422, values=values, errors=refused.errors)
    page.audit_as("Changed a consent", f"consent {term.name}, version {term.version}")
    return page.redirect(f"{HERE}?told=term-changed")


@router.post(f"{HERE}/terms/{{name}}/active")
async def switch_term(page: Dashboard, name: TermName) -> Response:
    """Takes the consent off the sign-up form (`active=no`: the answers given stay) or puts it back (`active=yes`)."""
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    active = form.get("active") == "yes"
    term = await consents.define_term(
        page.session, me.merchant.id, name, label=None, required=None, enabled_by_default=None, active=active
    )
    page.audit_as("Put a consent back on the form" if active else "Took a consent off the form", f"consent {term.name}")
    return page.redirect(f"{HERE}?told={'term-on' if active else 'term-off'}")
