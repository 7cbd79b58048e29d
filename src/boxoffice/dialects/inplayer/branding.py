"""Branding: the merchant's looks for the paywall, the hosted pages and the e-mails (InPlayer's `/branding/paywall`).

A look's images are URLs; the merchant may instead upload the file itself in a multipart body, in the field the URL
would take (`paywall_brand_logo`, `paywall_cover_photo`), and Boxoffice keeps and serves it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from typing_extensions import TypedDict

from boxoffice.branding import looks
from boxoffice.branding.images import MAX_BYTES, Upload
from boxoffice.branding.models import Branding
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import AppSettings, CurrentMerchant, PathId, Session
from boxoffice.dialects.inplayer.forms import flag, integer, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import merchants
from boxoffice.identity.models import Merchant
from boxoffice.kit import base_url
from boxoffice.kit.errors import Missing, NotFound
from boxoffice.kit.validation import whole_number

router = APIRouter(route_class=InPlayerRoute, tags=["branding"])


COLOUR = "A colour, `#rrggbb`; empty to clear"
IMAGE = "An absolute image URL, or (multipart) the PNG, JPEG, GIF or WebP file, at most 2 MiB"
_FIELDS = (
    bodies.text("paywall_primary_color", COLOUR),
    bodies.text("paywall_secondary_color", COLOUR),
    bodies.text("paywall_buttons_bg_color", COLOUR),
    bodies.text("paywall_buttons_text_color", COLOUR),
    bodies.text("preview_buttons_bg_color", COLOUR),
    bodies.text("preview_buttons_text_color", COLOUR),
    bodies.text("paywall_brand_logo", IMAGE),
    bodies.text("paywall_cover_photo", IMAGE),
    bodies.flag("default", "Whether this is the look worn where none is named (the merchant's first always is)"),
    bodies.flag("preview_top_border", "Whether the preview box has a top border in the button colour"),
    bodies.flag("inplayer_protected_label", "Whether the preview shows its protected-content label"),
    bodies.flag("dark_mode", "Dark pages"),
    bodies.text("paywall_footer", "Text at the foot of the pages and e-mails; empty to clear"),
    bodies.integer("template_id", "The paywall template to use"),
    bodies.text("terms_url", "The merchant's terms and conditions, linked from the pages and e-mails"),
)
# Room for both images at their largest, with the form around them.
WITH_IMAGES = 2 * MAX_BYTES + 64 * 1024
NEW_LOOK = bodies.form(
    bodies.text("brand_name", "The name the pages and e-mails show", required=True), *_FIELDS, max_body=WITH_IMAGES
)
CHANGED_LOOK = bodies.form(
    bodies.text("brand_name", "The name the pages and e-mails show"), *_FIELDS, max_body=WITH_IMAGES
)


class BrandingDetails(TypedDict):
    id: int
    exists: bool
    brand_name: str
    paywall_cover_photo: str | None
    paywall_brand_logo: str | None
    paywall_primary_color: str | None
    paywall_secondary_color: str | None
    paywall_buttons_bg_color: str | None
    paywall_buttons_text_color: str | None
    preview_buttons_bg_color: str | None
    preview_buttons_text_color: str | None
    preview_top_border: bool
    inplayer_protected_label: bool
    paywall_footer: str | None
    default: bool
    template_id: int | None
    terms_url: str | None
    dark_mode: bool
    created_at: int | None
    updated_at: int | None


def _details(look: Branding) -> BrandingDetails:
    return {
        "id": look.id,
        "exists": True,
        "brand_name": look.brand_name,
        "paywall_cover_photo": look.cover_image,
        "paywall_brand_logo": look.logo,
        "paywall_primary_color": look.primary_color,
        "paywall_secondary_color": look.secondary_color,
        "paywall_buttons_bg_color": look.button_color,
        "paywall_buttons_text_color": look.button_text_color,
        "preview_buttons_bg_color": look.preview_button_color,
        "preview_buttons_text_color": look.preview_button_text_color,
        "preview_top_border": look.preview_top_border,
        "inplayer_protected_label": look.protected_label,
        "paywall_footer": look.footer,
        "default": look.is_default,
        "template_id": look.template_id,
        "terms_url": look.terms_url,
        "dark_mode": look.dark_mode,
        "created_at": render.ts(look.created_at),
        "updated_at": render.ts(look.updated_at),
    }


def _no_look(merchant: Merchant) -> BrandingDetails:
    """What a merchant without any look shows: its name on the pages' own colours."""
    return {
        "id": 0,
        "exists": False,
        "brand_name": merchant.full_name,
        "paywall_cover_photo": None,
        "paywall_brand_logo": None,
        "paywall_primary_color": None,
        "paywall_secondary_color": None,
        "paywall_buttons_bg_color": None,
        "paywall_buttons_text_color": None,
        "preview_buttons_bg_color": None,
        "preview_buttons_text_color": None,
        "preview_top_border": True,
        "inplayer_protected_label": True,
        "paywall_footer": None,
        "default": True,
        "template_id": None,
        "terms_url": None,
        "dark_mode": False,
        "created_at": None,
        "updated_at": None,
    }


async def _uploads(request: Request) -> dict[str, Upload]:
    """The image files of a multipart body, by the core's field name; at most one byte past the limit is read, so
    the use case refuses a larger file without it being held whole."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return {}
    form = await request.form()  # already read, and kept, by the body's own dependency
    found: dict[str, Upload] = {}
    for core, name in (("logo", "paywall_brand_logo"), ("cover_image", "paywall_cover_photo")):
        value = form.get(name)
        if isinstance(value, UploadFile):
            found[core] = Upload(await value.read(MAX_BYTES + 1))
    return found


Uploads = Annotated[dict[str, Upload], Depends(_uploads)]


def _changes(body: dict[str, Any], uploads: dict[str, Upload]) -> looks.LookChanges:
    return looks.LookChanges(
        brand_name=text(body, "brand_name"),
        is_default=flag(body, "default"),
        logo=uploads.get("logo") or text(body, "paywall_brand_logo"),
        cover_image=uploads.get("cover_image") or text(body, "paywall_cover_photo"),
        primary_color=text(body, "paywall_primary_color"),
        secondary_color=text(body, "paywall_secondary_color"),
        button_color=text(body, "paywall_buttons_bg_color"),
        button_text_color=text(body, "paywall_buttons_text_color"),
        preview_button_color=text(body, "preview_buttons_bg_color"),
        preview_button_text_color=text(body, "preview_buttons_text_color"),
        preview_top_border=flag(body, "preview_top_border"),
        protected_label=flag(body, "inplayer_protected_label"),
        footer=text(body, "paywall_footer"),
        template_id=integer(body, "template_id"),
        terms_url=text(body, "terms_url"),
        dark_mode=flag(body, "dark_mode"),
    )


def _owner(merchant: Merchant, request: Request) -> looks.Owner:
    base = base_url.of(request.app.state.settings.public_url)
    return looks.Owner(merchant.id, merchant.uuid, base)


@router.post("/branding/paywall", status_code=201)
async def create_branding(
    request: Request,
    session: Session,
    settings: AppSettings,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(NEW_LOOK)],
    uploads: Uploads,
) -> BrandingDetails:
    """Create a look for the paywall, the hosted pages and the e-mails."""
    look = await looks.create_look(session, settings, _owner(merchant, request), _changes(body, uploads))
    return _details(look)


@router.get("/branding/paywall")
async def list_brandings(session: Session, merchant: CurrentMerchant) -> list[BrandingDetails]:
    """Every look of the merchant's, oldest first."""
    return [_details(look) for look in await looks.list_looks(session, merchant.id)]


@router.get("/branding/paywall/{branding_id}")
async def get_branding(session: Session, merchant: CurrentMerchant, branding_id: PathId) -> BrandingDetails:
    """One of the merchant's looks."""
    return _details(await looks.get_look(session, merchant.id, branding_id))


@router.put("/branding/paywall/{branding_id}")
async def update_branding(
    request: Request,
    session: Session,
    settings: AppSettings,
    merchant: CurrentMerchant,
    branding_id: PathId,
    body: Annotated[Fields, Depends(CHANGED_LOOK)],
    uploads: Uploads,
) -> BrandingDetails:
    """Change a look; fields not sent are left as they are, an empty one is cleared."""
    owner = _owner(merchant, request)
    return _details(await looks.change_look(session, settings, owner, branding_id, _changes(body, uploads)))


@router.delete("/branding/paywall/{branding_id}")
async def delete_branding(session: Session, merchant: CurrentMerchant, branding_id: PathId) -> render.Message:
    """Remove a look; when it was the default, the oldest remaining one becomes the default."""
    await looks.remove_look(session, merchant.id, branding_id)
    return render.message("Branding deleted")


@router.get("/branding/paywall/{merchant_uuid}/{branding_id}")
async def public_branding(session: Session, merchant_uuid: str, branding_id: str) -> BrandingDetails:
    """The look the SDK's `Branding.getBranding` reads, with no login: a look by id, or `default`."""
    merchant = await merchants.find_merchant(session, merchant_uuid)
    if branding_id == "default":
        look = await looks.look_to_wear(session, merchant.id)
        return _details(look) if look is not None else _no_look(merchant)
    look_id = whole_number(branding_id)
    if look_id is None:
        raise NotFound(what=Missing.BRANDING, key=branding_id)
    return _details(await looks.get_look(session, merchant.id, look_id))
