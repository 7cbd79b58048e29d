"""What every dashboard page knows of its request: the signed-in merchant (or none), the form token, and how it
answers (a page never framed, or a redirect)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boxoffice.identity import merchants
from boxoffice.identity.models import Merchant
from boxoffice.identity.tokens import Principal, verify_access_token
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import DomainError
from boxoffice.kit.requests import get_client, session_of, settings_of
from boxoffice.kit.settings import Settings
from boxoffice.web.pages import guard, templating

SESSION_COOKIE = "bo_merchant"
PATH = "/dashboard"
_templates = templating.environment("boxoffice.web.dashboard")


@dataclass
class DashboardContext:
    request: Request
    session: AsyncSession
    settings: Settings
    client: ClientInfo
    merchant: Merchant | None
    principal: Principal | None
    forms: guard.Forms
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    cookies: list[tuple[str, str, int]] = field(default_factory=list)  # (name, value, max age)

    async def check_form(self) -> dict[str, str]:
        return await self.forms.checked(self.request)

    def sign_in_as(self, token: str) -> None:
        self.cookies.append((SESSION_COOKIE, token, self.settings.access_token_ttl))

    def sign_out(self) -> None:
        self.cookies.append((SESSION_COOKIE, "", 0))

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        html = _templates.get_template(template).render(
            templating.words("en")
            | {
                "merchant": self.merchant,
                "nonce": self.nonce,
                "csrf_field": guard.CSRF_FIELD,
                "csrf_token": self.forms.token(),
                "errors": {},
                "values": {},
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


async def _signed_in(session: AsyncSession, settings: Settings, token: str | None) -> tuple[Merchant, Principal] | None:
    """The merchant the session cookie names, if its session still stands and it is a merchant's own."""
    if not token:
        return None
    try:
        principal = await verify_access_token(session, settings, token)
        if principal.customer_id is not None:
            return None
        merchant = await merchants.merchant_of(session, principal.merchant_id)
    except DomainError:
        return None
    return (merchant, principal) if merchant.active else None


async def dashboard_context(request: Request) -> DashboardContext:
    session, settings = session_of(request), settings_of(request)
    signed_in = await _signed_in(session, settings, request.cookies.get(SESSION_COOKIE))
    return DashboardContext(
        request=request,
        session=session,
        settings=settings,
        client=await get_client(request),
        merchant=signed_in[0] if signed_in else None,
        principal=signed_in[1] if signed_in else None,
        forms=await guard.forms_of(request, session, settings),
    )


Dashboard = Annotated[DashboardContext, Depends(dashboard_context)]
