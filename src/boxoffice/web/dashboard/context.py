"""What every dashboard page knows of its request: the signed-in member of a merchant's team (or none), what their
role lets them do, the form token, and how the page answers (never framed, or a redirect)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boxoffice.identity import authentication
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import DomainError, Forbidden
from boxoffice.kit.requests import get_client, session_of, settings_of
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from boxoffice.team import audit, roles
from boxoffice.team.roles import Permission
from boxoffice.team.sessions import SignedIn, signed_in
from boxoffice.web.pages import guard, templating

SESSION_COOKIE = "bo_member"
PATH = "/dashboard"
_templates = templating.environment("boxoffice.web.dashboard")


class SignInNeeded(DomainError):
    """A page for members only, asked for without a session: the answer is the sign-in page."""


@dataclass
class DashboardContext:
    request: Request
    session: AsyncSession
    settings: Settings
    sealer: Sealer
    client: ClientInfo
    signed: SignedIn | None
    forms: guard.Forms
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    cookies: list[tuple[str, str, int]] = field(default_factory=list)  # (name, value, max age)

    def require(self, permission: Permission | None = None) -> SignedIn:
        """The signed-in member, whose role allows `permission`: otherwise the page is refused (a 403 page, or the
        sign-in page for no one). Every page asks this before it reads or writes anything."""
        if self.signed is None:
            raise SignInNeeded()
        if permission is not None and not roles.can(self.signed.member.role, permission):
            raise Forbidden("Your role does not allow this")
        return self.signed

    def can(self, permission: Permission) -> bool:
        return self.signed is not None and roles.can(self.signed.member.role, permission)

    def audit_as(self, action: str, target: str = "") -> None:
        """How the audit log words this request's write (otherwise it names the route and the path's ids)."""
        self.request.state.audit_action, self.request.state.audit_target = action, target

    def act_as(self, signed: SignedIn | audit.Actor) -> None:
        """Whom the audit log names for this request's write: the member signed in, or one signing in now."""
        self.request.state.actor = audit.Actor.member(signed.member) if isinstance(signed, SignedIn) else signed

    async def count_attempt(self, account: str) -> None:
        """One more try at a secret (a password, a code) for `account`: RateLimited past the sign-in limits."""
        await authentication.check_sign_in_rate(
            self.request.app.state.sessions, self.settings, self.client.ip_address, account
        )

    async def check_form(self) -> dict[str, str]:
        return await self.forms.checked(self.request)

    def sign_in_as(self, token: str, max_age: int) -> None:
        self.cookies.append((SESSION_COOKIE, token, max_age))

    def sign_out(self) -> None:
        self.cookies.append((SESSION_COOKIE, "", 0))

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        html = _templates.get_template(template).render(
            templating.words("en")
            | {
                "merchant": self.signed.merchant if self.signed else None,
                "member": self.signed.member if self.signed else None,
                "can": self.can,
                "Permission": Permission,
                "nonce": self.nonce,
                "csrf_field": guard.CSRF_FIELD,
                "csrf_token": self.forms.token(),
                "errors": {},
                "values": {},
                "path": self.request.url.path,
            }
            | values
        )
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, location: str) -> Response:
        return self.finish(RedirectResponse(location, status_code=303))

    def finish(self, response: Response) -> Response:
        if self.forms.new:
            guard.set_cookie(
                self.request, response, guard.CSRF_COOKIE, self.forms.cookie, path=PATH, max_age=3600, framed=False
            )
        for name, value, max_age in self.cookies:
            guard.set_cookie(self.request, response, name, value, path=PATH, max_age=max_age, framed=False)
        # Never framed by anyone: a dashboard in someone's frame could be clicked through.
        return guard.protect(response, self.nonce, [], framed=False)


async def dashboard_context(request: Request) -> DashboardContext:
    session = session_of(request)
    signed = await signed_in(session, request.cookies.get(SESSION_COOKIE))
    context = DashboardContext(
        request=request,
        session=session,
        settings=settings_of(request),
        sealer=request.app.state.sealer,
        client=await get_client(request),
        signed=signed,
        forms=await guard.forms_of(request, session, settings_of(request)),
    )
    if signed is not None:
        context.act_as(signed)
    return context


Dashboard = Annotated[DashboardContext, Depends(dashboard_context)]
