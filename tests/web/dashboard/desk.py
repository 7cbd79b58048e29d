"""A member at the dashboard over HTTP: their own cookie jar, signing in, posting forms with the page's token, and
joining a team by the link an invitation e-mail carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx
import pyotp

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant

PASSWORD = "merchant-pass-1"
MEMBER_PASSWORD = "member-pass-1"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Desk:
    http: httpx.AsyncClient
    email: str

    async def token(self, path: str = "/dashboard/sign-in") -> str:
        found = _TOKEN.search((await self.http.get(path)).text)
        assert found, f"no form on {path}"
        return found.group(1)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params or None)

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, form_on: str | None = None
    ) -> httpx.Response:
        """`data` posted with the form token of the page `form_on` (the member's account page unless told)."""
        token = await self.token(form_on or "/dashboard/account")
        return await self.http.post(path, data={"csrf_token": token} | (data or {}))

    async def aclose(self) -> None:
        await self.http.aclose()


def code_of(totp_secret: str) -> str:
    """What the member's authenticator app shows now, by the app's clock."""
    return pyotp.TOTP(totp_secret).at(clock.now().replace(tzinfo=UTC))


def desk(server: Server, email: str) -> Desk:
    transport = server.http._transport
    return Desk(httpx.AsyncClient(transport=transport, base_url="http://testserver"), email)


async def sign_in(server: Server, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> Desk:
    """A member signed in (with the code of `totp_secret`'s app when they have two-factor sign-in on)."""
    member = desk(server, email)
    token = await member.token()
    answer = await member.http.post(
        "/dashboard/sign-in", data={"csrf_token": token, "email": email, "password": password}
    )
    assert answer.status_code == 303, answer.text
    if totp_secret is not None:
        assert answer.headers["location"].startswith("/dashboard/sign-in/code")
        code = code_of(totp_secret)
        answer = await member.http.post(
            "/dashboard/sign-in/code",
            data={"csrf_token": await member.token("/dashboard/sign-in/code"), "code": code},
        )
        assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/dashboard", answer.headers["location"]
    return member


async def owner(server: Server, merchant: Merchant) -> Desk:
    return await sign_in(server, merchant.email)


def link_in(mailbox: Mailbox, email: str, kind: str) -> str:
    """The path of the dashboard's link (`team-invitation`, `team-password-reset`) in the last e-mail to `email`."""
    html = mailbox.last(email).get_body(("html",)).get_content()  # type: ignore[union-attr]
    found = re.search(rf'href="http://testserver(/dashboard/[^"]+)" data-link="{kind}"', html)
    assert found, html
    return found.group(1).replace("&amp;", "&")


async def invite(server: Server, mailbox: Mailbox, inviter: Desk, email: str, role: str) -> Desk:
    """`email` invited as `role` by `inviter`, joined through the e-mailed link, and signed in."""
    answer = await inviter.post("/dashboard/team/invite", {"email": email, "role": role}, form_on="/dashboard/team")
    assert answer.status_code == 303, answer.text
    await server.run_jobs()
    joining = desk(server, email)
    path = link_in(mailbox, email, "team-invitation")
    page = await joining.http.get(path)
    assert page.status_code == 200 and email in page.text, page.text
    token = path.split("token=")[1]
    answer = await joining.http.post(
        "/dashboard/join",
        data={
            "csrf_token": await joining.token(path),
            "token": token,
            "full_name": "Sam Support",
            "password": MEMBER_PASSWORD,
            "password_confirmation": MEMBER_PASSWORD,
        },
    )
    assert answer.status_code == 303, answer.text
    return joining
