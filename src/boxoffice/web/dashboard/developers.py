"""The developers' area: where its settings are (webhooks, e-mails, test clocks, keys and the rest)."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers"


@router.get(HERE)
async def developers(page: Dashboard) -> Response:
    page.require(Permission.SETTINGS)
    return page.render("developers.html")
