"""A merchant's own e-mail templates: `GET/PUT/DELETE /v2/email-templates/{name}`, and the e-mails they make."""

from __future__ import annotations

from typing import Any

import pytest

from boxoffice.mail.models import MailTemplate
from boxoffice.mail.variables import EDITABLE
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    make_merchant,
    plain_text,
    sign_up,
)

WELCOME = {
    "subject": "{{ brand_name }} is glad you came, {{ full_name }}",
    "text": "Hi {{ full_name or email }}! Your seat at {{ brand_name }} is ready.",
    "html": '{% extends "_layout.html" %}{% block title %}Hi{% endblock %}'
    '{% block body %}<p class="ours">Hi {{ full_name or email }}!</p>{% endblock %}',
}


async def put(server: Server, merchant: Merchant, name: str, **parts: str) -> Any:
    return await server.http.put(f"/v2/email-templates/{name}", headers=merchant.auth, data=parts)


async def test_the_list_names_every_template_and_says_which_are_the_merchants(
    server: Server, merchant: Merchant
) -> None:
    listed = await server.http.get("/v2/email-templates", headers=merchant.auth)
    assert listed.status_code == 200, listed.text
    assert listed.json() == [{"name": name, "customized": False, "updated_at": None} for name in EDITABLE]
    assert (await put(server, merchant, "welcome", **WELCOME)).status_code == 200
    shown = {t["name"]: t for t in (await server.http.get("/v2/email-templates", headers=merchant.auth)).json()}
    assert shown["welcome"]["customized"] is True and isinstance(shown["welcome"]["updated_at"], int)
    assert [name for name, t in shown.items() if t["customized"]] == ["welcome"]


async def test_a_template_shows_our_source_and_its_variables_until_the_merchant_writes_its_own(
    server: Server, merchant: Merchant
) -> None:
    ours = await server.http.get("/v2/email-templates/welcome", headers=merchant.auth)
    assert ours.status_code == 200, ours.text
    body = ours.json()
    assert (body["name"], body["customized"]) == ("welcome", False)
    assert body["subject"].strip() == "Welcome to {{ brand_name }}"
    assert body["html"].startswith('{% extends "_layout.html" %}')
    assert "{{ full_name or email }}" in body["text"]
    assert body["variables"] == ["brand", "brand_name", "email", "full_name"]
    receipt = (await server.http.get("/v2/email-templates/purchase_receipt", headers=merchant.auth)).json()
    assert {"amount", "discount", "item_title", "kind"} <= set(receipt["variables"])
    # JSON bodies are read as forms are; the answer is what is now in use.
    saved = await server.http.put("/v2/email-templates/welcome", headers=merchant.auth, json=WELCOME)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"name": "welcome", "customized": True, **WELCOME, "variables": body["variables"]}
    assert (await server.http.get("/v2/email-templates/welcome", headers=merchant.auth)).json() == saved.json()


async def test_the_merchants_welcome_reaches_its_viewers_only_until_it_reverts(
    server: Server, merchant: Merchant, mailbox: Mailbox
) -> None:
    other = await make_merchant(server, "owner@other.example.com")
    assert (await put(server, merchant, "welcome", **WELCOME)).status_code == 200

    vera = await sign_up(server, merchant, "vera@example.com")
    otto = await sign_up(server, other, "otto@example.com")
    await server.run_jobs()
    theirs = mailbox.last(vera.email)
    assert theirs["Subject"] == "Publisher is glad you came, Vera Viewer"
    assert plain_text(theirs).strip() == "Hi Vera Viewer! Your seat at Publisher is ready."
    html = theirs.get_body(("html",))
    assert html is not None
    assert '<p class="ours">Hi Vera Viewer!</p>' in html.get_content()
    assert "<title>Hi</title>" in html.get_content() and "Sent by Publisher." in html.get_content()  # the layout
    assert mailbox.last(otto.email)["Subject"] == "Welcome to Publisher"  # another merchant's: ours

    reverted = await server.http.delete("/v2/email-templates/welcome", headers=merchant.auth)
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["customized"] is False
    assert reverted.json()["subject"].strip() == "Welcome to {{ brand_name }}"
    assert await count_rows(server, MailTemplate, merchant.id) == 0
    again = await sign_up(server, merchant, "ada@example.com")
    await server.run_jobs()
    assert mailbox.last(again.email)["Subject"] == "Welcome to Publisher"
    # Reverting what was never changed is no change.
    assert (await server.http.delete("/v2/email-templates/gift", headers=merchant.auth)).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "Welcome {% if %}"}, "subject"),  # not Jinja
        ({"text": "Hi {{ nickname }}"}, "text"),  # no such variable
        ({"html": "{{ brand_name.__class__.__mro__ }}"}, "html"),  # forbidden by the sandbox
        ({"html": '{% extends "password_reset.html" %}'}, "html"),  # only the layout may be extended
        ({"html": ""}, "html"),
        ({"text": "{{ 1 / 0 }}"}, "text"),
        ({"subject": "{{ token }}"}, "subject"),  # another template's variable
    ],
)
async def test_a_template_that_cant_be_used_is_refused_and_writes_nothing(
    server: Server, merchant: Merchant, change: dict[str, str], field: str
) -> None:
    assert (await put(server, merchant, "welcome", **WELCOME)).status_code == 200
    refused = await put(server, merchant, "welcome", **(WELCOME | change))
    assert_error(refused, 422, field)
    new = await put(server, merchant, "pin_code", **(WELCOME | change))
    assert_error(new, 422, field)
    assert await count_rows(server, MailTemplate, merchant.id) == 1
    kept = (await server.http.get("/v2/email-templates/welcome", headers=merchant.auth)).json()
    assert {part: kept[part] for part in WELCOME} == WELCOME


async def test_every_part_is_checked_at_once(server: Server, merchant: Merchant) -> None:
    refused = await server.http.put("/v2/email-templates/welcome", headers=merchant.auth, data={"text": "{{ x }}"})
    body = assert_error(refused, 422, "subject", "text", "html")
    assert "required" in body["errors"]["subject"] and "undefined" in body["errors"]["text"]
    assert await count_rows(server, MailTemplate, merchant.id) == 0


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("name", ["farewell", "_layout", "welcome.html"])
async def test_an_unknown_template_is_404(server: Server, merchant: Merchant, method: str, name: str) -> None:
    response = await server.http.request(
        method, f"/v2/email-templates/{name}", headers=merchant.auth, data=None if method == "GET" else WELCOME
    )
    assert_error(response, 404)
    assert await count_rows(server, MailTemplate, merchant.id) == 0


async def test_only_a_merchant_token_reaches_the_templates(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    for method, path in [
        ("GET", "/v2/email-templates"),
        ("GET", "/v2/email-templates/welcome"),
        ("PUT", "/v2/email-templates/welcome"),
        ("DELETE", "/v2/email-templates/welcome"),
    ]:
        data = None if method == "GET" else WELCOME
        assert_error(await server.http.request(method, path, headers=viewer.auth, data=data), 403)
        assert_error(await server.http.request(method, path, data=data), 401)
    assert await count_rows(server, MailTemplate, merchant.id) == 0
