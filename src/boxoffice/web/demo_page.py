"""A publisher's page for the demo (`make run` prints its address): the demo's items, each sold through
paywall.js as a publisher would paste it, and a button opening a checkout through Cleeng's JS API. It reads
nothing: the merchant, the items and the offer are in its address, as `boxoffice demo` prints it."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from boxoffice.kit import base_url
from boxoffice.kit.validation import whole_number
from boxoffice.web.pages import templating

router = APIRouter(include_in_schema=False)

UUID = re.compile(r"[0-9a-fA-F-]{36}")


@router.get("/demo/publisher")
async def publisher_page(
    request: Request,
    merchant: str = Query("", max_length=36),
    items: str = Query("", max_length=200),
    publisher: int | None = Query(None, ge=1, le=10**12),
    offer: str = Query("", max_length=30, pattern=r"^([SPERA][0-9]{1,18}(_[A-Z]{2})?)?$"),
) -> HTMLResponse:
    ids = [n for n in (whole_number(part) for part in items.split(",")) if n is not None][:10]
    if not UUID.fullmatch(merchant) or not ids:
        return HTMLResponse(
            "<!doctype html><title>Demo</title><p>Run <code>boxoffice demo</code> for the address.", 404
        )
    boxoffice = base_url.of(request.app.state.settings.public_url)
    words = templating.words("en")
    return HTMLResponse(
        templating.render(
            "demo_publisher.html",
            words
            | {"merchant": merchant, "items": ids, "boxoffice": boxoffice, "publisher": publisher, "offer": offer},
        )
    )
