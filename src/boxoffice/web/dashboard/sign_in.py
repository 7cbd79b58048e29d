"""The way in: a member signs in with e-mail and password, then the code of their authenticator app if they have
one; a forgotten password is reset by e-mail; an invited member joins by the e-mailed link."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from boxoffice.identity import authentication
from boxoffice.kit import base_url
from boxoffice.kit.errors import InvalidCredentials, InvalidInput, RateLimited
from boxoffice.team import audit, members, sessions
from boxoffice.web.dashboard.context import PATH, SESSION_COOKIE, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router
from boxoffice.web.pages.refusals import TOO_MANY

router = dashboard_router()

WRONG = "The e-mail address or the password is wrong."
SENT = "If this address is a member's, a link to choose a new password is on its way."


def _next(page: DashboardContext) -> str:
    """Where to go once signed in: a dashboard page the sign-in was asked from, else the overview."""
    wanted = page.request.query_params.get("next", "")
    return wanted if wanted.startswith(f"{PATH}/") and "//" not in wanted and "\\" not in wanted else PATH


def _link(page: DashboardContext, where: str) -> members.Link:
    root = base_url.of(page.settings.public_url)
    return lambda token: f"{root}{PATH}/{where}?token={quote(token)}"


@router.get(f"{PATH}/sign-in")
async def sign_in_form(page: Dashboard) -> Response:
    if page.signed is not None:
        return page.redirect(_next(page))
    return page.render("sign_in.html", next=_next(page))


@router.post(f"{PATH}/sign-in")
async def sign_in(page: Dashboard) -> Response:
    form = await page.check_form()
    email = authentication.sign_in_name(form.get("email"))
    shown = {"values": {"email": form.get("email", "")}, "next": _next(page)}
    try:
        await page.count_attempt(f"member:{email}")
        member = await members.authenticate_member(page.session, email, form.get("password", ""))
    except RateLimited:
        return page.render("sign_in.html", 429, errors={"form": TOO_MANY}, **shown)
    except InvalidCredentials:
        return page.render("sign_in.html", 401, errors={"form": WRONG}, **shown)
    started = sessions.start_session(page.session, member, page.client)
    page.act_as(audit.Actor.member(member))
    page.audit_as("Signed in" if not started.awaiting_code else "Entered the password (code awaited)")
    page.sign_in_as(started.token, int(sessions.SESSION_TTL.total_seconds()))
    if started.awaiting_code:
        return page.redirect(f"{PATH}/sign-in/code?next={quote(_next(page), safe='/')}")
    return page.redirect(_next(page))


@router.get(f"{PATH}/sign-in/code")
async def code_form(page: Dashboard) -> Response:
    if await sessions.awaiting_code(page.session, page.request.cookies.get(SESSION_COOKIE)) is None:
        return page.redirect(f"{PATH}/sign-in")
    return page.render("sign_in_code.html", next=_next(page))


@router.post(f"{PATH}/sign-in/code")
async def confirm_code(page: Dashboard) -> Response:
    form = await page.check_form()
    token = page.request.cookies.get(SESSION_COOKIE)
    member = await sessions.awaiting_code(page.session, token)
    if member is None:
        return page.redirect(f"{PATH}/sign-in")
    try:
        await page.count_attempt(f"member-code:{member.id}")
        started = await sessions.confirm_code(page.session, page.sealer, token, form.get("code", ""))
    except RateLimited:
        return page.render("sign_in_code.html", 429, errors={"code": TOO_MANY}, next=_next(page))
    except InvalidInput as refused:
        return page.render("sign_in_code.html", 422, errors=refused.errors, next=_next(page))
    page.act_as(audit.Actor.member(member))
    page.audit_as("Signed in with a second factor")
    page.sign_in_as(started.token, int(sessions.SESSION_TTL.total_seconds()))
    return page.redirect(_next(page))


@router.post(f"{PATH}/sign-out")
async def sign_out(page: Dashboard) -> Response:
    await page.check_form()
    if page.signed is not None:
        await sessions.end_session(page.session, page.signed.member, page.signed.session.id)
        page.audit_as("Signed out")
    page.sign_out()
    return page.redirect(f"{PATH}/sign-in")


@router.get(f"{PATH}/forgot")
async def forgot_form(page: Dashboard) -> Response:
    return page.render("forgot.html")


@router.post(f"{PATH}/forgot")
async def forgot(page: Dashboard) -> Response:
    form = await page.check_form()
    try:
        await page.count_attempt(f"member-reset:{authentication.sign_in_name(form.get('email'))}")
        await members.request_password_reset(page.session, page.settings, form.get("email"), _link(page, "reset"))
    except RateLimited:
        return page.render("forgot.html", 429, errors={"form": TOO_MANY}, values=form)
    except InvalidInput as refused:
        return page.render("forgot.html", 422, errors=refused.errors, values=form)
    return page.render("forgot.html", told=SENT)


@router.get(f"{PATH}/reset")
async def reset_form(page: Dashboard) -> Response:
    return page.render("reset.html", token=page.request.query_params.get("token", ""))


@router.post(f"{PATH}/reset")
async def reset(page: Dashboard) -> Response:
    form = await page.check_form()
    token = form.get("token", "")
    try:
        member = await members.reset_password(
            page.session, token, password=form.get("password"), confirmation=form.get("password_confirmation")
        )
    except InvalidInput as refused:
        return page.render("reset.html", 422, errors=refused.errors, token=token)
    page.act_as(audit.Actor.member(member))
    page.audit_as("Reset the password by e-mail")
    return page.render("sign_in.html", told="Your password is changed. Sign in with it.", next=PATH)


@router.get(f"{PATH}/join")
async def join_form(page: Dashboard) -> Response:
    token = page.request.query_params.get("token", "")
    try:
        member = await members.invitation_of(page.session, token)
    except InvalidInput as refused:
        return page.render("join.html", 404, errors=refused.errors, token="", invited=None)
    return page.render("join.html", token=token, invited=member)


@router.post(f"{PATH}/join")
async def join(page: Dashboard) -> Response:
    form = await page.check_form()
    token = form.get("token", "")
    try:
        member = await members.accept_invitation(
            page.session,
            token,
            full_name=form.get("full_name"),
            password=form.get("password"),
            confirmation=form.get("password_confirmation"),
        )
    except InvalidInput as refused:
        invited = None if "token" in refused.errors else await members.invitation_of(page.session, token)
        return page.render("join.html", 422, errors=refused.errors, token=token, invited=invited, values=form)
    started = sessions.start_session(page.session, member, page.client)
    page.act_as(audit.Actor.member(member))
    page.audit_as("Joined the team", member.role.value)
    page.sign_in_as(started.token, int(sessions.SESSION_TTL.total_seconds()))
    return page.redirect(PATH)
