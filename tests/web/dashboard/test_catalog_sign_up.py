"""The sign-up form over HTTP: register fields added, changed and removed, consents defined, changed into a new
version, taken off the form and put back; the merchant API's refusals by field, writing nothing; a role that only
reads the catalog changes none of it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import Desk, invite, owner

HERE = "/dashboard/catalog/sign-up"
CLUB = {
    "name": "club",
    "label": "Your club",
    "type": "select",
    "required": "yes",
    "options": "red = Red team\nblue = Blue team\n",
    "position": "2",
}


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def api_fields(server: Server, merchant: Merchant) -> dict[str, dict[str, Any]]:
    answer = await server.http.get("/accounts/register-fields", headers=merchant.auth)
    assert answer.status_code == 200, answer.text
    return {field["name"]: field for field in answer.json()["collection"]}


async def api_terms(server: Server, merchant: Merchant) -> dict[str, dict[str, Any]]:
    answer = await server.http.get("/v2/consents", headers=merchant.auth)
    assert answer.status_code == 200, answer.text
    return {term["name"]: term for term in answer.json()}


async def field_id(boss: Desk, name: str) -> str:
    found = re.search(
        rf'/sign-up/fields/(\d+)"><?[^<]*<span class="visually-hidden"> {name}<', (await boss.get(HERE)).text
    )
    assert found
    return found.group(1)


async def test_register_fields_are_added_changed_and_removed(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    added = await boss.post(f"{HERE}/fields", CLUB, form_on=HERE)
    assert added.status_code == 303 and added.headers["location"] == f"{HERE}?told=field-added"
    page = (await boss.get(HERE)).text
    assert 'data-field="club"' in page and "Red team, Blue team" in page
    club = (await api_fields(server, merchant))["club"]
    assert club["options"] == {"red": "Red team", "blue": "Blue team"} and club["required"] is True

    here = f"{HERE}/fields/{await field_id(boss, 'club')}"
    form = (await boss.get(here)).text
    assert "red = Red team\nblue = Blue team" in form and 'value="yes" checked' in form
    changed = await boss.post(
        here, CLUB | {"label": "Which club?", "required": "", "type": "input", "position": "-3"}, form_on=here
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"{HERE}?told=field-changed"
    club = (await api_fields(server, merchant))["club"]
    assert (club["label"], club["required"], club["type"]) == ("Which club?", False, "input")
    assert '<td class="number">-3</td>' in (await boss.get(HERE)).text.split('data-field="club"')[1]

    for fields, field, message in (
        ({"name": "Club!"}, "name", "The name must be lowercase letters"),
        ({"name": "email"}, "name", "This name is reserved"),
        ({"name": "city", "options": ""}, "options", "A select or radio field needs options"),
        ({"name": "city", "label": "L" * 501}, "label", "The label may not be longer than 500 characters"),
        ({"name": "city", "placeholder": "P" * 501}, "placeholder", "The placeholder may not be longer than 500"),
        ({"name": "city", "position": "first"}, "position", "Give a whole number"),
        ({"name": "city", "options": " = Nobody"}, "options", "Each option is a line: value = Label"),
    ):
        refused = await boss.post(f"{HERE}/fields", CLUB | fields, form_on=HERE)
        assert refused.status_code == 422 and message in refused.text, fields
        assert f'aria-describedby="problem-{field}"' in refused.text, fields
    taken = await boss.post(f"{HERE}/fields", CLUB, form_on=HERE)
    assert taken.status_code == 409 and "A register field with this name already exists" in taken.text
    refused = await boss.post(here, CLUB | {"label": ""}, form_on=here)
    assert refused.status_code == 422 and "The label is required" in refused.text
    assert list(await api_fields(server, merchant)) == ["club"]

    removed = await boss.post(f"{here}/remove", form_on=HERE)
    assert removed.status_code == 303 and await api_fields(server, merchant) == {}
    assert (await boss.get(here)).status_code == 404
    log = (await boss.get("/dashboard/audit", q="register field")).text
    assert "Added a register field" in log and "Changed a register field" in log and "Removed a register field" in log


async def test_consents_are_defined_versioned_and_taken_off_the_form(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    made = await boss.post(
        f"{HERE}/terms", {"name": "terms", "label": "I accept the terms", "required": "yes"}, form_on=HERE
    )
    assert made.status_code == 303 and made.headers["location"] == f"{HERE}?told=term-defined"
    terms = (await api_terms(server, merchant))["terms"]
    assert (terms["label"], terms["version"], terms["required"], terms["active"]) == (
        "I accept the terms",
        1,
        True,
        True,
    )

    here = f"{HERE}/terms/terms"
    assert "I accept the terms</textarea>" in (await boss.get(here)).text
    changed = await boss.post(here, {"label": "I accept the new terms", "required": "yes"}, form_on=here)
    assert changed.status_code == 303
    terms = (await api_terms(server, merchant))["terms"]
    assert (terms["label"], terms["version"]) == ("I accept the new terms", 2)
    assert 'data-term="terms"' in (await boss.get(HERE)).text
    blank = await boss.post(here, {"label": " ", "required": "yes"}, form_on=here)
    assert blank.status_code == 422 and "The label is 1 to 2000 characters" in blank.text
    assert 'aria-describedby="problem-label"' in blank.text and "Version 2." in blank.text
    assert (await api_terms(server, merchant))["terms"]["version"] == 2

    off = await boss.post(f"{here}/active", {"active": "no"}, form_on=here)
    assert off.status_code == 303 and (await api_terms(server, merchant))["terms"]["active"] is False
    on = await boss.post(f"{here}/active", {"active": "yes"}, form_on=here)
    assert on.status_code == 303 and (await api_terms(server, merchant))["terms"]["active"] is True

    for form, field, message in (
        ({"name": "1st", "label": "x"}, "term-name", "The name is a letter, then letters"),
        ({"name": "news", "label": " "}, "label", "The label is 1 to 2000 characters"),
    ):
        refused = await boss.post(f"{HERE}/terms", form, form_on=HERE)
        assert refused.status_code == 422 and message in refused.text, form
        assert f'aria-describedby="problem-{field}"' in refused.text, form
    assert list(await api_terms(server, merchant)) == ["terms"]
    assert (await boss.get(f"{HERE}/terms/nothing")).status_code == 404
    log = (await boss.get("/dashboard/audit", q="consent")).text
    assert "Defined a consent" in log and "consent terms, version 2" in log and "Took a consent off the form" in log


@pytest.mark.parametrize("role", ["analyst", "support"])
async def test_a_role_that_reads_the_catalog_may_not_change_the_sign_up_form(
    server: Server, mailbox: Mailbox, merchant: Merchant, role: str
) -> None:
    boss = await owner(server, merchant)
    assert (await boss.post(f"{HERE}/fields", CLUB, form_on=HERE)).status_code == 303
    assert (await boss.post(f"{HERE}/terms", {"name": "terms", "label": "I agree"}, form_on=HERE)).status_code == 303
    club = await field_id(boss, "club")
    reader = await invite(server, mailbox, boss, "reader@publisher.example.com", role)
    page = await reader.get(HERE)
    assert page.status_code == 200 and 'data-field="club"' in page.text and 'data-term="terms"' in page.text
    assert "Add the field" not in page.text and "Add the consent" not in page.text
    for path in (f"{HERE}/fields/{club}", f"{HERE}/terms/terms"):
        assert (await reader.get(path)).status_code == 403, path
    for path, form in (
        (f"{HERE}/fields", CLUB | {"name": "city"}),
        (f"{HERE}/fields/{club}", CLUB | {"label": "Mine"}),
        (f"{HERE}/fields/{club}/remove", {}),
        (f"{HERE}/terms", {"name": "news", "label": "News"}),
        (f"{HERE}/terms/terms", {"label": "Mine"}),
        (f"{HERE}/terms/terms/active", {"active": "no"}),
    ):
        assert (await reader.post(path, form, form_on=HERE)).status_code == 403, path
    assert list(await api_fields(server, merchant)) == ["club"]
    terms = await api_terms(server, merchant)
    assert list(terms) == ["terms"] and terms["terms"]["label"] == "I agree" and terms["terms"]["active"] is True
