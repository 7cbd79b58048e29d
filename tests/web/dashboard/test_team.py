"""The team over HTTP: the owner invites by e-mail, the invited member joins with the link and works within their
role, which the server enforces; passwords are reset by e-mail; two-factor sign-in with an authenticator app and
recovery codes; sessions listed and ended; every write in the audit log, the merchant API's too."""

from __future__ import annotations

import re

import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import MEMBER_PASSWORD, PASSWORD, code_of, desk, invite, link_in, owner, sign_in


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def test_an_invited_member_joins_and_is_held_to_their_role(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    analyst = await invite(server, mailbox, boss, "ann@publisher.example.com", "analyst")
    assert "Join the team" not in (await analyst.get("/dashboard")).text
    assert (await analyst.get("/dashboard")).status_code == 200
    for refused in ("/dashboard/team", "/dashboard/audit"):
        assert (await analyst.get(refused)).status_code == 403, refused
    forbidden = await analyst.post("/dashboard/team/invite", {"email": "eve@example.com", "role": "owner"})
    assert forbidden.status_code == 403

    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    assert (await support.get("/dashboard")).headers["location"] == "/dashboard/customers"
    nav = (await support.get("/dashboard/account")).text
    assert 'href="/dashboard/customers"' in nav and 'href="/dashboard/developers"' not in nav

    again = await boss.post(
        "/dashboard/team/invite", {"email": "sam@publisher.example.com", "role": "admin"}, form_on="/dashboard/team"
    )
    assert again.status_code == 409 and "already on a team" in again.text
    team = (await boss.get("/dashboard/team")).text
    sam = re.search(r'action="/dashboard/team/(\d+)/remove"', team.split('data-member="sam@')[1])
    assert sam
    assert (await boss.post(f"/dashboard/team/{sam.group(1)}/remove", form_on="/dashboard/team")).status_code == 303
    assert (await support.get("/dashboard/account")).status_code == 303  # their session ended with their membership
    gone = desk(server, "sam@publisher.example.com")
    refused = await gone.http.post(
        "/dashboard/sign-in",
        data={
            "csrf_token": await gone.token(),
            "email": "sam@publisher.example.com",
            "password": MEMBER_PASSWORD,
        },
    )
    assert refused.status_code in (401, 403)

    log = (await boss.get("/dashboard/audit", q="member")).text
    assert "Invited a member" in log and "sam@publisher.example.com as support" in log and "Removed a member" in log
    assert "Joined the team" not in log  # the search names what it was asked for


async def test_two_factor_sign_in_with_an_app_and_a_recovery_code(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    began = await boss.post("/dashboard/account/two-factor")
    secret = re.search(r"<code data-totp-secret>([A-Z2-7]+)</code>", began.text)
    assert secret and "<svg" in began.text
    wrong = await boss.post("/dashboard/account/two-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 422 and "The code is wrong" in wrong.text
    confirmed = await boss.post("/dashboard/account/two-factor/confirm", {"code": code_of(secret.group(1))})
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", confirmed.text)
    assert len(codes) == 10

    stolen = desk(server, merchant.email)  # someone who saw the code just used, and the password
    await stolen.http.post(
        "/dashboard/sign-in", data={"csrf_token": await stolen.token(), "email": merchant.email, "password": PASSWORD}
    )
    replayed = await stolen.http.post(
        "/dashboard/sign-in/code",
        data={"csrf_token": await stolen.token("/dashboard/sign-in/code"), "code": code_of(secret.group(1))},
    )
    assert replayed.status_code == 422  # a code is good once
    frozen.advance(seconds=30)
    again = await sign_in(server, merchant.email, PASSWORD, totp_secret=secret.group(1))
    assert (await again.get("/dashboard/account")).status_code == 200
    halfway = desk(server, merchant.email)
    answer = await halfway.http.post(
        "/dashboard/sign-in", data={"csrf_token": await halfway.token(), "email": merchant.email, "password": PASSWORD}
    )
    assert answer.headers["location"].startswith("/dashboard/sign-in/code")
    assert (await halfway.get("/dashboard")).status_code == 303  # no dashboard on the password alone
    code_page = "/dashboard/sign-in/code"
    used = await halfway.http.post(code_page, data={"csrf_token": await halfway.token(code_page), "code": codes[0]})
    assert used.status_code == 303 and (await halfway.get("/dashboard")).status_code == 200
    replay = desk(server, merchant.email)
    await replay.http.post(
        "/dashboard/sign-in", data={"csrf_token": await replay.token(), "email": merchant.email, "password": PASSWORD}
    )
    spent = await replay.http.post(code_page, data={"csrf_token": await replay.token(code_page), "code": codes[0]})
    assert spent.status_code == 422 and "already used" in spent.text

    sessions = (await boss.get("/dashboard/account")).text
    others = re.findall(r'action="/dashboard/account/sessions/(\d+)/end"', sessions)
    assert len(others) == 2  # the app's sign-in and the recovery code's; this one is not offered
    for session_id in others:
        assert (await boss.post(f"/dashboard/account/sessions/{session_id}/end")).status_code == 303
    assert (await again.get("/dashboard")).status_code == 303
    log = (await boss.get("/dashboard/audit")).text
    assert "Turned two-factor sign-in on" in log and "Signed in with a second factor" in log


async def test_a_forgotten_password_is_reset_by_email(server: Server, mailbox: Mailbox, merchant: Merchant) -> None:
    someone = desk(server, merchant.email)
    asked = await someone.http.post(
        "/dashboard/forgot", data={"csrf_token": await someone.token("/dashboard/forgot"), "email": merchant.email}
    )
    assert asked.status_code == 200 and "on its way" in asked.text
    nobody = await someone.http.post(
        "/dashboard/forgot", data={"csrf_token": await someone.token("/dashboard/forgot"), "email": "no@example.com"}
    )
    assert nobody.status_code == 200 and "on its way" in nobody.text  # the same answer: no probing for members
    await server.run_jobs()
    assert mailbox.to("no@example.com") == []
    path = link_in(mailbox, merchant.email, "team-password-reset")
    token = path.split("token=")[1]
    new = "a-new-merchant-pass-2"
    done = await someone.http.post(
        "/dashboard/reset",
        data={"csrf_token": await someone.token(path), "token": token, "password": new, "password_confirmation": new},
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    reused = await someone.http.post(
        "/dashboard/reset",
        data={"csrf_token": await someone.token(path), "token": token, "password": new, "password_confirmation": new},
    )
    assert reused.status_code == 422
    await sign_in(server, merchant.email, new)
    # The merchant account's password is the holder's: the merchant API takes the new one too.
    api = await server.http.post(
        "/accounts/authenticate", data={"username": merchant.email, "password": new, "grant_type": "password"}
    )
    assert api.status_code == 200, api.text


async def test_the_merchant_apis_writes_are_in_the_audit_log(server: Server, merchant: Merchant) -> None:
    created = await server.http.post(
        "/v2/items", headers=merchant.auth, data={"title": "Cup final", "item_type": "html_asset"}
    )
    assert created.status_code == 201, created.text
    boss = await owner(server, merchant)
    log = (await boss.get("/dashboard/audit", q="items")).text
    assert "POST /v2/items" in log and "API (merchant token" in log and "203.0.113.7" in log
    other = await make_merchant(server, "owner@other.example.com")
    elsewhere = await owner(server, other)
    assert "POST /v2/items" not in (await elsewhere.get("/dashboard/audit")).text


async def test_signing_in_returns_to_the_dashboard_page_asked_for_and_nowhere_else(
    server: Server, merchant: Merchant
) -> None:
    visitor = desk(server, merchant.email)
    asked = await visitor.get("/dashboard/audit")
    assert asked.status_code == 303 and asked.headers["location"] == "/dashboard/sign-in?next=/dashboard/audit"
    for wanted, landed in (
        ("/dashboard/audit", "/dashboard/audit"),
        ("//evil.example/dashboard/", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/dashboard/\\evil.example", "/dashboard"),
    ):
        someone = desk(server, merchant.email)
        token = await someone.token()
        answer = await someone.http.post(
            "/dashboard/sign-in",
            params={"next": wanted},
            data={"csrf_token": token, "email": merchant.email, "password": PASSWORD},
        )
        assert answer.status_code == 303 and answer.headers["location"] == landed, wanted


async def test_the_teams_own_emails_are_never_a_merchants_version(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    """An admin who could edit the reset e-mail could send the owner's reset link to themselves."""
    boss = await owner(server, merchant)
    admin = await invite(server, mailbox, boss, "ada@publisher.example.com", "admin")
    listed = (await admin.get("/dashboard/developers/emails")).text
    assert "purchase_receipt" in listed and "team_password_reset" not in listed and "team_invitation" not in listed
    for name in ("team_password_reset", "team_invitation"):
        assert (await admin.get(f"/dashboard/developers/emails/{name}")).status_code == 404
        edited = await admin.post(
            f"/dashboard/developers/emails/{name}",
            {"subject": "Reset", "html": "<img src='https://evil.example/?{{ link }}'>", "text": "{{ link }}"},
        )
        assert edited.status_code == 404
        put = await server.http.put(
            f"/v2/email-templates/{name}",
            headers=merchant.auth,
            data={"subject": "x", "html": "{{ link }}", "text": "{{ link }}"},
        )
        assert put.status_code == 404, put.text
