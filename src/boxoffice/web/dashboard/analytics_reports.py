"""The analytics' content-request reports: an item's content requests over a period, as a CSV file the worker
builds; the files listed with their state, each ready one downloaded through a link that expires."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.kit.errors import Conflict, InvalidInput, NotFound
from boxoffice.kit.validation import whole_number
from boxoffice.reporting import service
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.analytics import period
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/analytics/content-requests"
KINDS = ("content_requests",)


async def _shown(page: DashboardContext, status: int = 200, *, told: bool = False, **values: object) -> Response:
    me = page.require(Permission.EXPORT)
    files = await service.reports_of(page.session, me.merchant.id, KINDS)
    return page.render("analytics_reports.html", status, files=files, told=told, **values)


@router.get(HERE)
async def reports(page: Dashboard) -> Response:
    return await _shown(page, told=page.request.query_params.get("told") == "asked")


@router.post(HERE)
async def ask_for_report(page: Dashboard) -> Response:
    me = page.require(Permission.EXPORT)
    form = await page.check_form()
    item_id = whole_number(form.get("item_id", ""))
    try:
        if item_id is None or item_id < 1:
            raise InvalidInput({"item_id": "The item's id is a whole number, such as 42"})
        since, until = period(form.get("since", "")[:32], form.get("until", "")[:32])
        if since is None or until is None:
            raise InvalidInput({"since": "A report covers the days from a first to a last"})
        report = await service.request_report(
            page.session, me.merchant.id, "content_requests", since=since, until=until, item_id=item_id
        )
    except InvalidInput as refused:
        errors = {("until" if name == "end_date" else name): text for name, text in refused.errors.items()}
        return await _shown(page, 422, errors=errors, values=form)
    except NotFound:
        return await _shown(page, 422, errors={"item_id": "You have no item of this id"}, values=form)
    page.audit_as("Asked for a content-requests report", report.name)
    return page.redirect(f"{HERE}?told=asked")


@router.get(f"{HERE}/{{name}}")
async def download(page: Dashboard, name: str) -> Response:
    me = page.require(Permission.EXPORT)
    try:
        link = await service.download_link(page.session, page.settings, me.merchant, name[:200], KINDS)
    except Conflict as refused:
        return await _shown(page, 409, errors={"form": refused.message})
    return page.redirect(link)
