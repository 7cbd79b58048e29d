"""Where the images of merchants' looks are served: `GET /branding/images/{merchant_uuid}/{name}`.

An image's name is its content's hash, so an answer never changes: browsers, proxies and mail clients may keep it
for a year without asking again. Public, as a logo on a page or in an e-mail must be.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from boxoffice.branding import images
from boxoffice.identity.merchants import find_merchant
from boxoffice.kit.errors import NotFound
from boxoffice.kit.files import MAX_NAME
from boxoffice.kit.settings import Settings
from boxoffice.web.transactions import OwnTransactions

router = APIRouter(tags=["branding"])

FOR_EVER = "public, max-age=31536000, immutable"
# Served bytes are only ever shown as an image, whatever a browser would guess from them.
SAFE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
IMAGE_TYPES = {
    content_type: {"schema": {"type": "string", "format": "binary"}} for content_type in images.TYPES.values()
}


def _missing() -> Response:
    return Response(status_code=404, headers={"Cache-Control": "no-store", **SAFE})


@router.get(
    "/branding/images/{merchant_uuid}/{name}",
    summary="An image of a merchant's look",
    response_class=Response,
    responses={
        200: {"description": "The image", "content": IMAGE_TYPES},
        304: {"description": "The copy the client holds is this image"},
        404: {"description": "No such image"},
    },
    openapi_extra={"security": []},
)
async def branding_image(
    request: Request,
    sessions: OwnTransactions,
    merchant_uuid: str = Path(max_length=64),
    name: str = Path(max_length=MAX_NAME),
) -> Response:
    """A logo or cover image a merchant uploaded, as `paywall_brand_logo` and `paywall_cover_photo` link it."""
    settings: Settings = request.app.state.settings
    content_type = images.content_type_of(name)
    if content_type is None:
        return _missing()
    tag = f'"{name}"'
    async with sessions() as session:
        try:
            merchant = await find_merchant(session, merchant_uuid)
        except NotFound:
            return _missing()
    content = await images.read(settings, merchant.id, name)
    if content is None:
        return _missing()
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": FOR_EVER, **SAFE})
    return Response(content, media_type=content_type, headers={"ETag": tag, "Cache-Control": FOR_EVER, **SAFE})
