"""Redeeming a gift: the code someone bought for the viewer, typed in, opens what it bought."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from boxoffice.billing import gifts
from boxoffice.kit.errors import DomainError, RateLimited
from boxoffice.web.pages.context import Page
from boxoffice.web.pages.refusals import TOO_MANY, shown
from boxoffice.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute)

FIELDS = ("code",)


@router.get("/pages/{merchant_uuid}/redeem")
async def redeem_form(page: Page) -> Response:
    if page.viewer is None:
        return page.redirect(page.url("sign-in", next="redeem"))
    return page.render("redeem.html", values={"code": page.request.query_params.get("code", "")[:64]})


@router.post("/pages/{merchant_uuid}/redeem")
async def redeem(page: Page) -> Response:
    form = await page.check_form()
    if page.viewer is None:
        return page.redirect(page.url("sign-in", next="redeem"))
    try:
        await gifts.count_code_lookup(
            page.request.app.state.sessions, page.settings, page.viewer, page.client.ip_address
        )
        redeemed = await gifts.redeem_gift(page.session, page.viewer, form.get("code"))
    except RateLimited:
        return page.render("redeem.html", 429, errors={"code": TOO_MANY}, values=form)
    except DomainError as refused:
        return page.render("redeem.html", 422, errors=shown(refused, FIELDS), values=form)
    product = redeemed.details.product
    unlocked: list[dict[str, object]] = [{"type": "access", "item_id": product.id}]
    return page.render("redeemed.html", product=product, told=page.told(*unlocked))
