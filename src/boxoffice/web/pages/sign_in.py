"""Signing in and out, signing up, and choosing a new password when the old one is forgotten."""

from __future__ import annotations

import re

from fastapi import APIRouter
from iso3166 import countries_by_alpha2
from starlette.responses import Response

from boxoffice.identity import accounts, authentication, recovery, register_fields
from boxoffice.kit import throttle
from boxoffice.kit.errors import Conflict, InvalidCredentials, InvalidInput, RateLimited
from boxoffice.kit.validation import MIN_PASSWORD
from boxoffice.web.pages.context import Page, PageContext
from boxoffice.web.pages.refusals import TOO_MANY
from boxoffice.web.pages.routing import PageRoute

router = APIRouter(route_class=PageRoute)

# Where a page may send the viewer on to: another page of the same merchant's, never an address of its own.
NEXT = re.compile(r"[a-z][a-z0-9-]*(?:/[0-9]+)?")
WRONG = "The e-mail address or the password is wrong."
TAKEN = "An account with this e-mail address exists already: sign in instead."
COUNTRIES = {code: country.name for code, country in sorted(countries_by_alpha2.items())}


def _next(page: PageContext, asked: str | None) -> str | None:
    return asked if asked and NEXT.fullmatch(asked) else None


def _onward(page: PageContext) -> Response:
    return page.redirect(page.url(_next(page, page.request.query_params.get("next")) or "account"))


@router.get("/pages/{merchant_uuid}/sign-in")
async def sign_in_form(page: Page) -> Response:
    if page.viewer is not None:
        return _onward(page)
    # Signed out: the opener's script forgets the token too.
    told = page.told({"type": "logout"}) if page.request.query_params.get("signed_out") else page.told()
    return page.render("sign_in.html", next=_next(page, page.request.query_params.get("next")), told=told)


@router.post("/pages/{merchant_uuid}/sign-in")
async def sign_in(page: Page) -> Response:
    form = await page.check_form()
    email = authentication.sign_in_name(form.get("email"))
    shown = {"next": _next(page, page.request.query_params.get("next")), "values": {"email": form.get("email", "")}}
    try:
        await authentication.check_sign_in_rate(
            page.request.app.state.sessions, page.settings, page.client.ip_address, f"{page.merchant.uuid}:{email}"
        )
        issued, _customer = await authentication.sign_in(
            page.session, page.settings, page.merchant, email, form.get("password", ""), page.client
        )
    except RateLimited:
        return page.render("sign_in.html", 429, errors={"form": TOO_MANY}, **shown)
    except InvalidCredentials:
        return page.render("sign_in.html", 401, errors={"form": WRONG}, **shown)
    page.sign_in_as(issued.access_token)
    return _onward(page)


async def _sign_up_form(page: PageContext, status: int = 200, **shown: object) -> Response:
    fields = await register_fields.list_register_fields(page.session, page.merchant.id)
    return page.render(
        "sign_up.html",
        status,
        register_fields=fields,
        countries=COUNTRIES,
        min_password=MIN_PASSWORD,
        next=_next(page, page.request.query_params.get("next")),
        **shown,
    )


@router.get("/pages/{merchant_uuid}/sign-up")
async def sign_up_form(page: Page) -> Response:
    if page.viewer is not None:
        return _onward(page)
    return await _sign_up_form(page)


@router.post("/pages/{merchant_uuid}/sign-up")
async def sign_up(page: Page) -> Response:
    form = await page.check_form()
    answers = {name[len("metadata[") : -1]: value for name, value in form.items() if name.startswith("metadata[")}
    try:
        await throttle.hit(
            page.request.app.state.sessions, {f"signup:ip:{page.client.ip_address}": page.settings.auth_rate_per_ip}
        )
        customer = await accounts.register_customer(
            page.session,
            page.merchant,
            email=form.get("email"),
            full_name=form.get("full_name"),
            password=form.get("password"),
            password_confirmation=form.get("password_confirmation"),
            metadata=dict(answers),
            client=page.client,
        )
        issued = await authentication.start_session(page.session, page.settings, page.merchant, customer, page.client)
    except RateLimited:
        return await _sign_up_form(page, 429, errors={"form": TOO_MANY}, values=form)
    except InvalidInput as refused:
        return await _sign_up_form(page, 422, errors=refused.errors, values=form)
    except Conflict:
        return await _sign_up_form(page, 409, errors={"email": TAKEN}, values=form)
    page.sign_in_as(issued.access_token)
    return _onward(page)


@router.post("/pages/{merchant_uuid}/sign-out")
async def sign_out(page: Page) -> Response:
    await page.check_form()
    if page.principal is not None:
        await authentication.sign_out(page.session, page.principal)
    page.sign_out()
    return page.redirect(page.url("sign-in", signed_out=1))


@router.get("/pages/{merchant_uuid}/password-reset")
async def password_reset_form(page: Page) -> Response:
    return page.render("password_reset.html", sent=False)


@router.post("/pages/{merchant_uuid}/password-reset")
async def password_reset(page: Page) -> Response:
    form = await page.check_form()
    email = form.get("email", "")
    try:
        await throttle.hit(
            page.request.app.state.sessions,
            {
                f"reset:ip:{page.client.ip_address}": page.settings.reset_rate_per_ip,
                f"reset:account:{page.merchant.uuid}:{email.strip().lower()}": page.settings.reset_rate_per_account,
            },
        )
        await recovery.request_password_reset(
            page.session,
            page.settings,
            page.merchant,
            email,
            link=lambda token, _address: page.absolute(page.url("new-password", token=token)),
        )
    except RateLimited:
        return page.render("password_reset.html", 429, sent=False, errors={"form": TOO_MANY}, values=form)
    except InvalidInput as refused:
        return page.render("password_reset.html", 422, sent=False, errors=refused.errors, values=form)
    return page.render("password_reset.html", sent=True)


@router.get("/pages/{merchant_uuid}/new-password")
async def new_password_form(page: Page) -> Response:
    token = page.request.query_params.get("token", "")[:200]
    return page.render("new_password.html", token=token, min_password=MIN_PASSWORD)


@router.post("/pages/{merchant_uuid}/new-password")
async def new_password(page: Page) -> Response:
    form = await page.check_form()
    token = form.get("token", "")[:200]
    try:
        await recovery.reset_password(
            page.session, token, password=form.get("password"), password_confirmation=form.get("password_confirmation")
        )
    except InvalidInput as refused:
        errors = {("form" if name == "token" else name): message for name, message in refused.errors.items()}
        return page.render("new_password.html", 422, token=token, min_password=MIN_PASSWORD, errors=errors)
    return page.redirect(page.url("sign-in", reset="1"))
