"""Sandbox test clocks at the dashboard: clocks made, test customers attached, and a clock moved forward with what
its customers' billing did meanwhile (the same use cases as the API's `/v2/sandbox/clocks`)."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.billing import sandbox_clocks
from boxoffice.billing.renewals import PassReport
from boxoffice.billing.sandbox_clocks import ClockView
from boxoffice.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from boxoffice.kit.requests import OwnTransactions
from boxoffice.kit.validation import whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.developers_forms import moment, path_id
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/developers/clocks"
STEPS = [(step, f"a {step}") for step in sandbox_clocks.STEPS]
# What a pass of billing reports, as the clock's page words it after a move.
BILLED = ("renewed", "declined", "ended", "expired", "unknown")


async def _list(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    return page.render(
        "developers_clocks.html",
        status,
        clocks=await sandbox_clocks.list_clocks(page.session, me.merchant.id),
        **values,
    )


async def _clock(page: DashboardContext, clock_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    shown = await sandbox_clocks.get_clock(page.session, me.merchant.id, clock_id)
    return page.render(
        "developers_clock.html",
        status,
        clock=shown,
        customers=await sandbox_clocks.customers_on(page.session, me.merchant.id, clock_id),
        payments=await sandbox_clocks.payments_on(page.session, me.merchant.id, clock_id),
        steps=STEPS,
        **values,
    )


@router.get(HERE)
async def clocks(page: Dashboard) -> Response:
    return await _list(page)


@router.post(HERE)
async def create_clock(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        made = await sandbox_clocks.create_clock(
            page.session,
            me.merchant.id,
            form.get("name", "").strip(),
            moment(form.get("frozen_time", ""), "frozen_time"),
        )
    except InvalidInput as refused:
        return await _list(page, 422, errors=refused.errors, values=form)
    except Forbidden as refused:
        return await _list(page, 403, errors={"name": refused.message}, values=form)
    page.audit_as("Created a test clock", made.name)
    return page.redirect(f"{HERE}/{made.id}?told=created")


@router.get(f"{HERE}/{{clock_id}}")
async def clock(page: Dashboard, clock_id: str) -> Response:
    query = page.request.query_params
    report = {name: whole_number(query.get(name)) or 0 for name in BILLED} if query.get("told") == "advanced" else None
    return await _clock(page, path_id(clock_id), told=query.get("told"), report=report)


@router.post(f"{HERE}/{{clock_id}}/customers")
async def attach(page: Dashboard, clock_id: str, sessions: OwnTransactions) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    named = form.get("customer", "").strip()
    customer_id = whole_number(named)
    try:
        if not named:
            raise InvalidInput({"customer": "Give the customer's e-mail address or id"})
        if customer_id is None:
            await sandbox_clocks.attach_customer_by_email(sessions, me.merchant.id, path_id(clock_id), named)
        else:
            await sandbox_clocks.attach_customer(sessions, me.merchant.id, path_id(clock_id), customer_id)
    except InvalidInput as refused:
        # The core names the field customer_id; the form has one field for an address or an id.
        problem = refused.errors.get("customer_id") or next(iter(refused.errors.values()))
        return await _clock(page, path_id(clock_id), 422, errors={"customer": problem}, values=form)
    except NotFound as refused:  # the customer (a missing clock is refused again, as a page, by _clock)
        return await _clock(page, path_id(clock_id), 404, errors={"customer": refused.message}, values=form)
    except Conflict as refused:
        return await _clock(page, path_id(clock_id), 409, errors={"customer": refused.message}, values=form)
    page.audit_as("Attached a customer to a test clock", f"{named} to clock {path_id(clock_id)}")
    return page.redirect(f"{HERE}/{path_id(clock_id)}?told=attached")


def _advanced(moved: ClockView, report: PassReport) -> str:
    counts = "&".join(f"{name}={getattr(report, name)}" for name in BILLED)
    return f"{HERE}/{moved.clock.id}?told=advanced&{counts}"


@router.post(f"{HERE}/{{clock_id}}/advance")
async def advance(page: Dashboard, clock_id: str, sessions: OwnTransactions) -> Response:
    """Moved on by a step (a button each), or to the time given."""
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    gateways, retry_days = page.request.app.state.gateways, page.settings.dunning_retry_days
    try:
        if form.get("step"):
            moved, report = await sandbox_clocks.advance_by(
                sessions, gateways, me.merchant.id, path_id(clock_id), form["step"], retry_days
            )
        else:
            to = moment(form.get("frozen_time", ""), "frozen_time")
            if to is None:
                raise InvalidInput({"frozen_time": "Give a date and time, or move the clock on by a step"})
            moved, report = await sandbox_clocks.advance(
                sessions, gateways, me.merchant.id, path_id(clock_id), to, retry_days
            )
    except InvalidInput as refused:
        return await _clock(page, path_id(clock_id), 422, errors=refused.errors, values=form)
    except Forbidden as refused:
        return await _clock(page, path_id(clock_id), 403, errors={"frozen_time": refused.message}, values=form)
    page.audit_as("Advanced a test clock", f"clock {moved.clock.id} to {moved.clock.frozen_time.isoformat()}")
    return page.redirect(_advanced(moved, report))
