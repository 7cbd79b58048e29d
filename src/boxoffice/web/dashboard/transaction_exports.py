"""CSV exports of the transactions and subscriptions lists, as filtered, and of every customer: asked for here, made
by the report jobs in the worker, listed with their status, and downloaded through the report files' signed
link."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.responses import Response

from boxoffice.kit.errors import InvalidInput
from boxoffice.reporting import service
from boxoffice.reporting.narrowing import Narrowing
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import subscriptions, transaction_filters
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/transactions/exports"
KINDS = ("transactions", "subscriptions", "customers")
FileName = Annotated[str, Path(min_length=1, max_length=200)]


async def _shown(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.EXPORT)
    files = await service.reports_with_progress(page.session, me.merchant.id, KINDS)
    return page.render("transactions_exports.html", status, files=files, **values)


@router.get(HERE)
async def exports(page: Dashboard) -> Response:
    return await _shown(page, told=page.request.query_params.get("told", ""))


async def _export(page: DashboardContext, kind: str) -> Response:
    me = page.require(Permission.EXPORT)
    form = await page.check_form()
    asked = transaction_filters.read(form, "state")
    state = asked.values["state"]
    if kind == "subscriptions" and state and state not in subscriptions.STATES:
        asked.problems["state"] = "Choose a state from the list"
    try:
        if asked.problems:
            raise InvalidInput(asked.problems)
        statuses = tuple(subscriptions.STATES.get(state, ())) if kind == "subscriptions" else ()
        report = await service.request_report(
            page.session,
            me.merchant.id,
            kind,
            since=asked.since,
            until=asked.until,
            item_id=asked.item,
            narrowed=Narrowing(asked.country, asked.gateway, statuses),
        )
    except InvalidInput as refused:
        return await _shown(page, 422, errors=refused.errors, told="")
    page.audit_as("Asked for an export", report.name)
    return page.redirect(f"{HERE}?told=asked")


@router.post(f"{PATH}/transactions/export")
async def export_transactions(page: Dashboard) -> Response:
    return await _export(page, "transactions")


@router.post(f"{PATH}/subscriptions/export")
async def export_subscriptions(page: Dashboard) -> Response:
    return await _export(page, "subscriptions")


@router.post(f"{PATH}/customers/export")
async def export_customers(page: Dashboard) -> Response:
    me = page.require(Permission.EXPORT)
    await page.check_form()
    report = await service.request_report(page.session, me.merchant.id, "customers", since=None, until=None)
    page.audit_as("Asked for an export", report.name)
    return page.redirect(f"{HERE}?told=asked")


@router.get(f"{HERE}/{{name}}")
async def download(page: Dashboard, name: FileName) -> Response:
    me = page.require(Permission.EXPORT)
    return page.redirect(await service.download_link(page.session, page.settings, me.merchant, name, KINDS))
