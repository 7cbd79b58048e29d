"""E-mail templates at the dashboard: a draft previewed on the sample values without being saved, a version that
doesn't render refused with its problem shown and nothing written, a saved version sent to a real viewer, and the
built-in one back; the area closed to roles without the settings."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up
from tests.web.dashboard.desk import invite, owner

EMAILS = "/dashboard/developers/emails"
WELCOME = f"{EMAILS}/welcome"
DRAFT = {
    "subject": "Hello {{ full_name }}, from {{ brand_name }}",
    "html": "<p class=hi>Hi {{ full_name }} &amp; welcome</p>",
    "text": "Hi {{ full_name }}",
}


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def in_use(page: str, name: str) -> str:
    row = page.split(f'data-template="{name}"')[1].split("</tr>")[0]
    return "yours" if "yours" in row else "built in"


def preview_html(page: str) -> str:
    found = re.search(r'srcdoc="([^"]*)"', page)
    assert found, page
    return html.unescape(found.group(1))


async def test_a_draft_is_previewed_saved_sent_and_reverted(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    listed = await boss.get(EMAILS)
    assert listed.status_code == 200 and in_use(listed.text, "welcome") == "built in"
    shown = await boss.get(WELCOME)
    assert "Welcome to Acme Video" in shown.text  # what is in use, previewed on the sample values
    assert "<iframe" in shown.text and " sandbox " in shown.text

    previewed = await boss.post(WELCOME, DRAFT | {"action": "preview"}, form_on=WELCOME)
    assert previewed.status_code == 200
    assert "data-preview-subject>Hello Vera Viewer, from Acme Video<" in previewed.text
    assert "<p class=hi>Hi Vera Viewer &amp; welcome</p>" in preview_html(previewed.text)
    assert "<p class=hi>" not in previewed.text  # the message's markup only ever inside the sandboxed frame
    assert "{{ full_name }}, from" in previewed.text  # the draft stays in the editor
    assert in_use((await boss.get(EMAILS)).text, "welcome") == "built in"  # a preview writes nothing
    alone = await boss.post(f"{WELCOME}/message", DRAFT, form_on=WELCOME)
    assert alone.status_code == 200 and alone.text == "<p class=hi>Hi Vera Viewer &amp; welcome</p>"
    policy = alone.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "script-src" not in policy and "frame-ancestors 'none'" in policy

    broken = await boss.post(WELCOME, DRAFT | {"subject": "Hi {{ nickname }}", "action": "preview"}, form_on=WELCOME)
    assert broken.status_code == 422 and "Fails on the sample values" in broken.text and "nickname" in broken.text
    broken_alone = await boss.post(f"{WELCOME}/message", DRAFT | {"text": "{{ 1 / 0 }}"}, form_on=WELCOME)
    assert broken_alone.status_code == 422 and "ZeroDivisionError" in broken_alone.text
    unsaved = await boss.post(WELCOME, DRAFT | {"html": "{% if %}", "action": "save"}, form_on=WELCOME)
    assert unsaved.status_code == 422 and "problem-html" in unsaved.text
    assert in_use((await boss.get(EMAILS)).text, "welcome") == "built in"

    saved = await boss.post(WELCOME, DRAFT | {"action": "save"}, form_on=WELCOME)
    assert saved.headers["location"] == f"{WELCOME}?told=saved"
    assert in_use((await boss.get(EMAILS)).text, "welcome") == "yours"
    viewer = await sign_up(server, merchant, "vera@example.com")
    await server.run_jobs()
    subject = mailbox.last(viewer.email)["Subject"]
    assert subject.startswith("Hello ") and ", from " in subject

    reverted = await boss.post(f"{WELCOME}/revert", form_on=WELCOME)
    assert reverted.headers["location"] == f"{WELCOME}?told=reverted"
    assert in_use((await boss.get(EMAILS)).text, "welcome") == "built in"
    assert "Welcome to Acme Video" in (await boss.get(WELCOME)).text

    assert (await boss.get(f"{EMAILS}/no_such_template")).status_code == 404
    nowhere = await boss.post(f"{EMAILS}/no_such_template", DRAFT | {"action": "save"}, form_on=WELCOME)
    assert nowhere.status_code == 404
    log = (await boss.get("/dashboard/audit", q="e-mail template")).text
    assert "Changed an e-mail template" in log and "Reverted an e-mail template" in log
    assert "Previewed an e-mail template" in log


async def test_only_roles_with_the_settings_edit_e_mails(server: Server, mailbox: Mailbox, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    for path in (EMAILS, WELCOME):
        assert (await support.get(path)).status_code == 403, path
    assert (await support.post(WELCOME, DRAFT | {"action": "save"})).status_code == 403
    assert (await support.post(f"{WELCOME}/revert")).status_code == 403
    assert (await support.post(f"{WELCOME}/message", DRAFT)).status_code == 403
    assert in_use((await boss.get(EMAILS)).text, "welcome") == "built in"
