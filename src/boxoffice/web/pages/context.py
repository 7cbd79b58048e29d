"""What every page knows of its request: the merchant it is for, the look it wears, the viewer's language, who is
signed in, and the form token; and how it answers (a page in that look and language, or a redirect)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from boxoffice.branding import looks
from boxoffice.branding.models import Branding
from boxoffice.identity import accounts, merchants
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.tokens import Principal, verify_access_token
from boxoffice.kit import base_url
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import DomainError
from boxoffice.kit.requests import get_client, session_of, settings_of
from boxoffice.kit.settings import Settings
from boxoffice.kit.validation import whole_number
from boxoffice.web.pages import guard, languages, templating

VIEWER_COOKIE = "bo_viewer"
LANGUAGE_COOKIE = "bo_lang"
YEAR = 365 * 24 * 3600
# What a page's links and forms carry on, so that the next page keeps the look, the language and the frame.
KEPT = ("lang", "branding_id", "embed", "origin")


@dataclass
class PageContext:
    request: Request
    session: AsyncSession
    settings: Settings
    client: ClientInfo
    merchant: Merchant
    look: Branding | None
    language: str
    viewer: Customer | None
    principal: Principal | None  # the viewer's session, as their cookie names it
    forms: guard.Forms
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    cookies: list[tuple[str, str, str, int]] = field(default_factory=list)  # (name, value, path, max age)
    gateway_origins: tuple[str, ...] = ()  # what the policy lets in for a gateway's card element (cards.CardForm)

    @property
    def base(self) -> str:
        return f"/pages/{self.merchant.uuid}"

    @property
    def opener(self) -> str | None:
        """The merchant's site that opened this page in its frame (`?embed=1&origin=...`, from paywall.js), if the
        merchant lists that origin: the only window the page tells what happened, and only through
        `postMessage` addressed to exactly that origin."""
        origin = self.request.query_params.get("origin", "")
        if self.request.query_params.get("embed") != "1" or origin not in self.merchant.allowed_origins:
            return None
        return origin

    def told(self, *messages: dict[str, object]) -> list[dict[str, object]]:
        """What the page tells its opener on loading (see `opener` and pages.js): always who is signed in, with
        the token the opener's script calls the API with; nothing when no site of the merchant's opened it."""
        if self.opener is None:
            return []
        viewer: list[dict[str, object]] = []
        if self.viewer is not None and self.principal is not None:
            viewer = [{"type": "authenticated", "token": self.request.cookies.get(VIEWER_COOKIE, "")}]
        return viewer + list(messages)

    def url(self, page: str, **query: object) -> str:
        """A page of this merchant's, keeping the look, the language and the frame of this one."""
        kept = {name: self.request.query_params[name] for name in KEPT if name in self.request.query_params}
        given = {name: value for name, value in query.items() if value is not None}
        encoded = urlencode(kept | {name: str(value) for name, value in given.items()})
        return f"{self.base}/{page}" + (f"?{encoded}" if encoded else "")

    def absolute(self, path: str) -> str:
        return base_url.of(self.settings.public_url) + path

    def here(self, **query: object) -> str:
        """This page again, with `query` changed (another language)."""
        params = dict(self.request.query_params) | {name: str(value) for name, value in query.items()}
        return f"{self.request.url.path}?{urlencode(params)}"

    async def check_form(self) -> dict[str, str]:
        """The posted form's fields, once its CSRF token is found to be this browser's."""
        return await self.forms.checked(self.request)

    def sign_in_as(self, token: str) -> None:
        self.cookies.append((VIEWER_COOKIE, token, self.base, self.settings.access_token_ttl))

    def sign_out(self) -> None:
        self.cookies.append((VIEWER_COOKIE, "", self.base, 0))

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        page = templating.render(
            template,
            templating.words(self.language)
            | {
                "page": self,
                "look": self.look,
                "merchant": self.merchant,
                "viewer": self.viewer,
                "nonce": self.nonce,
                "csrf_field": guard.CSRF_FIELD,
                "csrf_token": self.forms.token(),
                "languages": languages.NAMES,
                "errors": {},
                "values": {},
                "opener": self.opener,
                "told": self.told(),
            }
            | values,
        )
        return self.finish(HTMLResponse(page, status_code=status))

    def redirect(self, location: str) -> Response:
        return self.finish(RedirectResponse(location, status_code=303))

    def finish(self, response: Response) -> Response:
        if self.forms.new:
            guard.set_cookie(self.request, response, guard.CSRF_COOKIE, self.forms.cookie, path="/pages", max_age=YEAR)
        if "lang" in self.request.query_params:
            guard.set_cookie(self.request, response, LANGUAGE_COOKIE, self.language, path="/pages", max_age=YEAR)
        for name, value, path, max_age in self.cookies:
            guard.set_cookie(self.request, response, name, value, path=path, max_age=max_age)
        return guard.protect(response, self.nonce, self.merchant.allowed_origins, self.gateway_origins)


def _look_asked(request: Request) -> int | None:
    return whole_number(request.query_params.get("branding_id"))


async def _viewer(
    session: AsyncSession, settings: Settings, merchant: Merchant, token: str | None
) -> tuple[Customer, Principal] | None:
    """The customer the page's session cookie names, and their session, if it still stands for one of this
    merchant's customers."""
    if not token:
        return None
    try:
        principal = await verify_access_token(session, settings, token)
        if principal.merchant_id != merchant.id or principal.customer_id is None:
            return None
        customer = await accounts.customer_of(session, principal)
    except DomainError:
        return None
    return (customer, principal) if customer.erased_at is None and customer.active else None


async def page_context(request: Request, merchant_uuid: Annotated[str, Path(max_length=64)]) -> PageContext:
    session, settings = session_of(request), settings_of(request)
    merchant = await merchants.find_merchant(session, merchant_uuid)
    language = languages.chosen(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )
    viewer = await _viewer(session, settings, merchant, request.cookies.get(VIEWER_COOKIE))
    context = PageContext(
        request=request,
        session=session,
        settings=settings,
        client=await get_client(request),
        merchant=merchant,
        look=await looks.look_to_wear(session, merchant.id, _look_asked(request)),
        language=language,
        viewer=viewer[0] if viewer else None,
        principal=viewer[1] if viewer else None,
        forms=await guard.forms_of(request, session, settings),
    )
    return context


Page = Annotated[PageContext, Depends(page_context)]
