"""Cleeng's JS API on the hosted pages: its script at Cleeng's own path (`/js-api/3.0/api.js`), and the way in by
Cleeng's `publisherId`, which the script knows where the pages know a merchant's uuid."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from boxoffice.identity import merchants
from boxoffice.kit.requests import session_of
from boxoffice.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute)

SCRIPT = files("boxoffice.web.pages").joinpath("static", "cleeng-api.js")
# Cleeng's publisher ids are nine digits; anything longer names nobody.
PublisherId = Annotated[int, Path(ge=1, le=10**12)]
Page = Annotated[str, Path(max_length=100, pattern=r"^[a-z][a-z0-9-]*(/[0-9]{1,16})?$")]


@router.get("/js-api/3.0/api.js")
async def cleeng_api_script() -> Response:
    return Response(
        SCRIPT.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/pages/publisher/{publisher_id}/{page:path}")
async def by_publisher(request: Request, publisher_id: PublisherId, page: Page) -> Response:
    """The merchant's page `page`, by its Cleeng publisher id; the query goes on as it came."""
    merchant = await merchants.merchant_by_public_number(session_of(request), publisher_id)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/pages/{quote(merchant.uuid)}/{page}{query}", status_code=303)
