"""A member's own account: the password, the second factor (an authenticator app, recovery codes), and the
sessions signed in, each of which can be ended."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.kit.errors import InvalidInput, RateLimited
from boxoffice.kit.validation import whole_number
from boxoffice.team import members, sessions, two_factor
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router
from boxoffice.web.pages.refusals import TOO_MANY

router = dashboard_router()
HERE = f"{PATH}/account"


async def _shown(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require()
    return page.render(
        "account.html",
        status,
        sessions=await sessions.list_sessions(page.session, me.member),
        current=me.session.id,
        **values,
    )


@router.get(HERE)
async def account(page: Dashboard) -> Response:
    return await _shown(page, told=page.request.query_params.get("told"))


@router.post(f"{HERE}/password")
async def change_password(page: Dashboard) -> Response:
    me = page.require()
    form = await page.check_form()
    try:
        await page.count_attempt(f"member-password:{me.member.id}")
        await members.change_password(
            page.session,
            me.member,
            current=form.get("current_password"),
            password=form.get("password"),
            confirmation=form.get("password_confirmation"),
            keep_session=me.session.id,
        )
    except RateLimited:
        return await _shown(page, 429, errors={"current_password": TOO_MANY})
    except InvalidInput as refused:
        return await _shown(page, 422, errors=refused.errors)
    page.audit_as("Changed the password")
    return page.redirect(f"{HERE}?told=password")


@router.post(f"{HERE}/two-factor")
async def begin_two_factor(page: Dashboard) -> Response:
    me = page.require()
    await page.check_form()
    enrolment = two_factor.begin_enrolment(me.member, page.sealer)
    page.audit_as("Began setting up two-factor sign-in")
    return await _shown(page, enrolment=enrolment)


@router.post(f"{HERE}/two-factor/confirm")
async def confirm_two_factor(page: Dashboard) -> Response:
    me = page.require()
    form = await page.check_form()
    try:
        codes = two_factor.confirm_enrolment(me.member, page.sealer, form.get("code", ""))
    except InvalidInput as refused:
        enrolment = two_factor.enrolment_of(me.member, page.sealer)
        return await _shown(page, 422, errors=refused.errors, enrolment=enrolment)
    page.audit_as("Turned two-factor sign-in on")
    return await _shown(page, recovery_codes=codes)


@router.post(f"{HERE}/two-factor/recovery-codes")
async def new_recovery_codes(page: Dashboard) -> Response:
    me = page.require()
    await page.check_form()
    codes = two_factor.new_recovery_codes(me.member)
    page.audit_as("Made new recovery codes")
    return await _shown(page, recovery_codes=codes)


@router.post(f"{HERE}/two-factor/off")
async def turn_two_factor_off(page: Dashboard) -> Response:
    me = page.require()
    form = await page.check_form()
    try:
        await page.count_attempt(f"member-password:{me.member.id}")
    except RateLimited:
        return await _shown(page, 429, errors={"off_password": TOO_MANY})
    if not await members.verify_password(page.session, me.member, form.get("off_password", "")):
        return await _shown(page, 422, errors={"off_password": "The password is wrong"})
    two_factor.turn_off(me.member)
    page.audit_as("Turned two-factor sign-in off")
    return page.redirect(f"{HERE}?told=two-factor-off")


@router.post(f"{HERE}/sessions/{{session_id}}/end")
async def end_session(page: Dashboard, session_id: str) -> Response:
    me = page.require()
    await page.check_form()
    await sessions.end_session(page.session, me.member, whole_number(session_id) or 0)
    page.audit_as("Ended a session", f"session {session_id}")
    if me.session.id == whole_number(session_id):
        page.sign_out()
        return page.redirect(f"{PATH}/sign-in")
    return page.redirect(f"{HERE}?told=session-ended")
