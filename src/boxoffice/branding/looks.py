"""A merchant's looks: made, changed, listed and removed; and which one a page or an e-mail wears."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.branding import images
from boxoffice.branding import repository as repo
from boxoffice.branding.images import Upload
from boxoffice.branding.models import MAX_URL, Branding
from boxoffice.kit import validation
from boxoffice.kit.errors import Missing, NotFound
from boxoffice.kit.settings import Settings

MAX_BRAND_NAME = 200
MAX_FOOTER = 5000
MAX_TEMPLATE = 2**31 - 1  # what the column holds on every engine
COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}", re.ASCII)
COLORS = (
    "primary_color",
    "secondary_color",
    "button_color",
    "button_text_color",
    "preview_button_color",
    "preview_button_text_color",
)
IMAGES = ("logo", "cover_image")


@dataclass(frozen=True, slots=True)
class LookChanges:
    """What a merchant sends for a look. None leaves a field as it is (or its default, for a new look); an empty
    text clears it. An image is a URL, or an uploaded file Boxoffice keeps and serves."""

    brand_name: str | None = None
    is_default: bool | None = None
    logo: str | Upload | None = None
    cover_image: str | Upload | None = None
    primary_color: str | None = None
    secondary_color: str | None = None
    button_color: str | None = None
    button_text_color: str | None = None
    preview_button_color: str | None = None
    preview_button_text_color: str | None = None
    preview_top_border: bool | None = None
    protected_label: bool | None = None
    footer: str | None = None
    template_id: int | None = None
    terms_url: str | None = None
    dark_mode: bool | None = None


def _color(value: str, field: str, problems: validation.Problems) -> str | None:
    value = value.strip()
    if not value:
        return None
    if not COLOR.fullmatch(value):
        problems.add(field, "A colour is written #rrggbb or #rgb")
        return None
    value = value.lower()
    return value if len(value) == 7 else "#" + "".join(digit * 2 for digit in value[1:])


def _url(value: str, field: str, problems: validation.Problems) -> str | None:
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > MAX_URL:
        problems.add(field, f"An absolute http(s) URL of at most {MAX_URL} characters is expected")
        return None
    return value


def _values(changes: LookChanges, problems: validation.Problems) -> dict[str, Any]:
    """The columns to write, checked; images not yet stored (`_store_images`)."""
    given = {field.name: getattr(changes, field.name) for field in fields(changes)}
    values: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if changes.brand_name is not None:
        values["brand_name"] = validation.required_text(
            changes.brand_name, "brand_name", problems, max_length=MAX_BRAND_NAME
        )
    for name in COLORS:
        if isinstance(given[name], str):
            values[name] = _color(given[name], name, problems)
    for name in (*IMAGES, "terms_url"):
        value = given[name]
        if isinstance(value, str):
            values[name] = _url(value, name, problems)
        elif isinstance(value, Upload) and (problem := images.problem_with(value.content)):
            problems.add(name, problem)
    if changes.footer is not None:
        footer = changes.footer.strip()
        if len(footer) > MAX_FOOTER:
            problems.add("footer", f"The footer may not be longer than {MAX_FOOTER} characters")
        values["footer"] = footer or None
    if changes.template_id is not None and not 0 <= changes.template_id <= MAX_TEMPLATE:
        problems.add("template_id", f"The template id is a whole number from 0 to {MAX_TEMPLATE}")
    return values


async def _store_images(
    values: dict[str, Any], settings: Settings, merchant_id: int, merchant_uuid: str, base: str
) -> None:
    """Uploads kept as files, and the URL they are served at written instead. Kept before the look's row is
    committed: an image whose look is then refused stays behind unused, named by its content, and is the same
    file if sent again."""
    for name in IMAGES:
        upload = values.get(name)
        if isinstance(upload, Upload):
            stored = await images.keep(settings, merchant_id, upload.content)
            values[name] = base + images.path_of(merchant_uuid, stored)


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose look it is, and where its uploaded images will be served: `base` is the server's base URL."""

    merchant_id: int
    merchant_uuid: str
    base: str


async def _write(
    session: AsyncSession, settings: Settings, owner: Owner, look: Branding, changes: LookChanges
) -> Branding:
    new = look.id is None
    problems = validation.Problems()
    if new and changes.brand_name is None:
        problems.add("brand_name", "The brand name is required")
    values = _values(changes, problems)
    problems.raise_any()
    await _store_images(values, settings, owner.merchant_id, owner.merchant_uuid, owner.base)
    # A merchant with looks has exactly one default: its first look, or the last one made default.
    first = new and await repo.default_branding(session, owner.merchant_id) is None
    if values.get("is_default") or first:
        if not look.is_default:
            await repo.clear_default(session, owner.merchant_id)
        values["is_default"] = True
    else:
        values.pop("is_default", None)  # a default stays so until another look takes its place
    for name, value in values.items():
        setattr(look, name, value)
    session.add(look)
    await session.flush()
    return look


PREVIEWED = (
    "brand_name", "logo", "cover_image", *COLORS, "preview_top_border", "protected_label", "footer", "terms_url",
    "dark_mode",
)  # fmt: skip


def preview_look(changes: LookChanges, base: Branding | None) -> Branding:
    """`base` (or a new look) as it would look with `changes`, checked as saving them checks them (InvalidInput
    otherwise), and never written: a look of its own, outside any session. An image uploaded but not kept yet
    has no address to show it at: the preview goes without it."""
    problems = validation.Problems()
    if base is None and not (changes.brand_name or "").strip():
        problems.add("brand_name", "The brand name is required")
    values = _values(changes, problems)
    problems.raise_any()
    shown = Branding(**{name: getattr(base, name) for name in PREVIEWED} if base is not None else {})
    for name, value in values.items():
        if name in PREVIEWED:
            setattr(shown, name, None if isinstance(value, Upload) else value)
    return shown


async def create_look(session: AsyncSession, settings: Settings, owner: Owner, changes: LookChanges) -> Branding:
    """A new look; the merchant's first is its default."""
    return await _write(session, settings, owner, Branding(merchant_id=owner.merchant_id), changes)


async def change_look(
    session: AsyncSession, settings: Settings, owner: Owner, branding_id: int, changes: LookChanges
) -> Branding:
    look = await get_look(session, owner.merchant_id, branding_id)
    return await _write(session, settings, owner, look, changes)


async def list_looks(session: AsyncSession, merchant_id: int) -> Sequence[Branding]:
    return await repo.brandings(session, merchant_id)


async def get_look(session: AsyncSession, merchant_id: int, branding_id: int) -> Branding:
    found = await repo.branding(session, merchant_id, branding_id)
    if found is None:
        raise NotFound(what=Missing.BRANDING, key=branding_id)
    return found


async def remove_look(session: AsyncSession, merchant_id: int, branding_id: int) -> None:
    """Remove a look; when it was the default, the oldest remaining one becomes the default."""
    look = await get_look(session, merchant_id, branding_id)
    await session.delete(look)
    await session.flush()
    if look.is_default:
        remaining = await repo.brandings(session, merchant_id)
        if remaining:
            remaining[0].is_default = True
            await session.flush()


async def look_to_wear(session: AsyncSession, merchant_id: int, branding_id: int | None = None) -> Branding | None:
    """The look a page or an e-mail wears: the one named, if the merchant has it, else its default; None when
    the merchant has no look at all."""
    if branding_id is not None and (named := await repo.branding(session, merchant_id, branding_id)) is not None:
        return named
    return await repo.default_branding(session, merchant_id)
