"""Gifts bought for someone else, newest first: what each opens and where it stands; who bought it and for whom only
to a role that reads customers (the codes themselves are bearer secrets, shown to nobody here)."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.billing import gifts
from boxoffice.kit.validation import whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/catalog/gifts"
PER_PAGE = 50


@router.get(HERE)
async def gift_list(page: Dashboard) -> Response:
    me = page.require(Permission.READ_CATALOG)
    number = whole_number(page.request.query_params.get("page")) or 0
    total, found = await gifts.list_gifts(page.session, me.merchant.id, page=number, limit=PER_PAGE)
    return page.render(
        "catalog_gifts.html",
        gifts=found,
        total=total,
        page=number,
        pages=(total + PER_PAGE - 1) // PER_PAGE,
        show_people=page.can(Permission.READ_CUSTOMERS),
    )
