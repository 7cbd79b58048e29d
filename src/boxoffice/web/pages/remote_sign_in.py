"""Opening a sign-in link a merchant's back end asked for (`identity.sign_in_links`): the customer is signed in to
the pages as their own sign-in would, and sent on to the page the link names. A link forged, altered, expired,
another merchant's or opened before is refused with the pages' problem page."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from boxoffice.identity import sign_in_links
from boxoffice.kit.errors import Unauthenticated
from boxoffice.web.pages.context import Page
from boxoffice.web.pages.routing import PageRoute, problem_page
from boxoffice.web.pages.sign_in import NEXT

router = APIRouter(route_class=PageRoute)

REFUSED = "This sign-in link is not valid: it has expired or was used already. Ask for a new one."


@router.get("/pages/{merchant_uuid}/remote-sign-in")
async def remote_sign_in(page: Page) -> Response:
    token = page.request.query_params.get("token", "")
    try:
        opened = await sign_in_links.open_sign_in_link(page.session, page.settings, page.merchant, token, page.client)
    except Unauthenticated:
        return problem_page(page.request, 401, REFUSED)
    page.sign_in_as(opened.tokens.access_token)
    return page.redirect(page.url(opened.page if NEXT.fullmatch(opened.page) else "account"))
