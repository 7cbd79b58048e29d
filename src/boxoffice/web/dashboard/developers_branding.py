"""The merchant's looks at the dashboard (what the hosted pages and the e-mails wear): listed, made, changed with a
preview of the draft before it is saved, and removed. An image is given by its URL, or uploaded as a file that
Boxoffice keeps and serves."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from boxoffice.branding import looks
from boxoffice.branding.images import MAX_BYTES, Upload
from boxoffice.branding.looks import COLORS, IMAGES, LookChanges
from boxoffice.branding.models import Branding
from boxoffice.kit import base_url
from boxoffice.kit.errors import InvalidInput
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.developers_forms import path_id
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers/branding"
TEXTS = ("brand_name", "logo", "cover_image", *COLORS, "footer", "terms_url")
FLAGS = ("dark_mode", "preview_top_border", "protected_label")


async def _uploads(page: DashboardContext) -> dict[str, Upload]:
    """The image files sent (`logo_file`, `cover_image_file`), by the look's field; at most one byte past the limit
    is read, so that the use case refuses a larger file without it being held whole."""
    form = await page.request.form()  # already read, and kept, by the form's check
    found: dict[str, Upload] = {}
    for name in IMAGES:
        sent = form.get(f"{name}_file")
        if isinstance(sent, UploadFile) and sent.filename:
            found[name] = Upload(await sent.read(MAX_BYTES + 1))
    return found


def _changes(form: dict[str, str], uploads: dict[str, Upload]) -> LookChanges:
    """Every field as the form sends it: a text left empty clears it, an unticked box is off. Ticking "default"
    makes the look the default; unticking it changes nothing (a default stays so until another takes its place).
    A file uploaded for an image takes the place of its URL."""

    def ticked(name: str) -> bool:
        return form.get(name) == "on"

    return LookChanges(
        brand_name=form.get("brand_name", ""),
        logo=uploads.get("logo") or form.get("logo", ""),
        cover_image=uploads.get("cover_image") or form.get("cover_image", ""),
        footer=form.get("footer", ""),
        terms_url=form.get("terms_url", ""),
        dark_mode=ticked("dark_mode"),
        preview_top_border=ticked("preview_top_border"),
        protected_label=ticked("protected_label"),
        is_default=True if ticked("is_default") else None,
        primary_color=form.get("primary_color", ""),
        secondary_color=form.get("secondary_color", ""),
        button_color=form.get("button_color", ""),
        button_text_color=form.get("button_text_color", ""),
        preview_button_color=form.get("preview_button_color", ""),
        preview_button_text_color=form.get("preview_button_text_color", ""),
    )


def _form_of(look: Branding) -> dict[str, str]:
    shown = {name: getattr(look, name) or "" for name in TEXTS}
    return shown | {name: "on" for name in (*FLAGS, "is_default") if getattr(look, name)}


def _owner(page: DashboardContext) -> looks.Owner:
    me = page.require(Permission.SETTINGS)
    return looks.Owner(me.merchant.id, me.merchant.uuid, base_url.of(page.settings.public_url))


async def _editor(page: DashboardContext, look: Branding | None, status: int = 200, **values: object) -> Response:
    """The look's form and the preview of what it shows (the draft's, once previewed); `look` None: a new one."""
    me = page.require(Permission.SETTINGS)
    listed = await looks.list_looks(page.session, me.merchant.id)
    defaults = {"values": _form_of(look) if look is not None else {}, "preview": look}
    return page.render(
        "developers_branding.html", status, looks=listed, look=look, colors=COLORS, **(defaults | values)
    )


@router.get(HERE)
async def branding(page: Dashboard) -> Response:
    return await _editor(page, None, told=page.request.query_params.get("told"))


@router.get(f"{HERE}/{{look_id}}")
async def look(page: Dashboard, look_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    found = await looks.get_look(page.session, me.merchant.id, path_id(look_id))
    return await _editor(page, found, told=page.request.query_params.get("told"))


async def _preview_or_save(page: DashboardContext, found: Branding | None) -> Response:
    """One form, two buttons: Preview shows the draft and writes nothing; Save writes it once it is valid."""
    owner = _owner(page)
    form = await page.check_form()
    changes = _changes(form, await _uploads(page))
    try:
        if form.get("action") != "save":
            page.audit_as("Previewed a look", form.get("brand_name", ""))
            draft = looks.preview_look(changes, found)
            return await _editor(page, found, values=form, preview=draft, told="previewed")
        if found is None:
            saved = await looks.create_look(page.session, page.settings, owner, changes)
        else:
            saved = await looks.change_look(page.session, page.settings, owner, found.id, changes)
    except InvalidInput as refused:
        return await _editor(page, found, 422, values=form, errors=refused.errors, preview=None)
    page.audit_as("Saved a look", saved.brand_name)
    return page.redirect(f"{HERE}/{saved.id}?told=saved")


@router.post(HERE)
async def new_look(page: Dashboard) -> Response:
    return await _preview_or_save(page, None)


@router.post(f"{HERE}/{{look_id}}")
async def change_look(page: Dashboard, look_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    return await _preview_or_save(page, await looks.get_look(page.session, me.merchant.id, path_id(look_id)))


@router.post(f"{HERE}/{{look_id}}/remove")
async def remove_look(page: Dashboard, look_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    removed = await looks.get_look(page.session, me.merchant.id, path_id(look_id))
    await looks.remove_look(page.session, me.merchant.id, removed.id)
    page.audit_as("Removed a look", removed.brand_name)
    return page.redirect(f"{HERE}?told=removed")
