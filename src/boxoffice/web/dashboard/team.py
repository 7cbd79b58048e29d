"""The team: members and their roles, invitations by e-mail; and the audit log of every write."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from boxoffice.kit import base_url
from boxoffice.kit.errors import Conflict, Forbidden, InvalidInput
from boxoffice.kit.validation import whole_number
from boxoffice.team import audit, members
from boxoffice.team.models import Role
from boxoffice.team.roles import PERMISSIONS, Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/team"
ROLES = [(role.value, role.value.capitalize()) for role in Role]


async def _shown(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.TEAM)
    return page.render(
        "team.html",
        status,
        members=await members.list_members(page.session, me.merchant),
        roles=ROLES,
        permissions={role: sorted(p.value for p in PERMISSIONS[role]) for role in Role},
        **values,
    )


@router.get(HERE)
async def team(page: Dashboard) -> Response:
    return await _shown(page, told=page.request.query_params.get("told"))


@router.post(f"{HERE}/invite")
async def invite(page: Dashboard) -> Response:
    me = page.require(Permission.TEAM)
    form = await page.check_form()
    root = base_url.of(page.settings.public_url)
    try:
        invited = await members.invite_member(
            page.session,
            me.merchant,
            me.member,
            email=form.get("email"),
            role=form.get("role"),
            link=lambda token: f"{root}{PATH}/join?token={quote(token)}",
        )
    except InvalidInput as refused:
        return await _shown(page, 422, errors=refused.errors, values=form)
    except (Conflict, Forbidden) as refused:
        return await _shown(page, 409, errors={"email": refused.message}, values=form)
    page.audit_as("Invited a member", f"{invited.email} as {invited.role.value}")
    return page.redirect(f"{HERE}?told=invited")


@router.post(f"{HERE}/{{member_id}}/role")
async def change_role(page: Dashboard, member_id: str) -> Response:
    me = page.require(Permission.TEAM)
    form = await page.check_form()
    changed = await members.change_role(page.session, me.member, whole_number(member_id) or 0, form.get("role"))
    page.audit_as("Changed a member's role", f"{changed.email} to {changed.role.value}")
    return page.redirect(f"{HERE}?told=role")


@router.post(f"{HERE}/{{member_id}}/remove")
async def remove(page: Dashboard, member_id: str) -> Response:
    me = page.require(Permission.TEAM)
    await page.check_form()
    removed = await members.remove_member(page.session, me.member, whole_number(member_id) or 0)
    page.audit_as("Removed a member", removed.email)
    return page.redirect(f"{HERE}?told=removed")


@router.get(f"{PATH}/audit")
async def audit_log(page: Dashboard) -> Response:
    me = page.require(Permission.READ_AUDIT)
    text = page.request.query_params.get("q", "")
    number = whole_number(page.request.query_params.get("page")) or 0
    found = await audit.search(page.session, me.merchant.id, text, number)
    pages = (found.total + audit.PAGE - 1) // audit.PAGE
    return page.render("audit.html", entries=found.items, total=found.total, q=text, page=number, pages=pages)
