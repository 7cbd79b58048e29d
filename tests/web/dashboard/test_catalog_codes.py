"""Access codes over HTTP: an item opened by codes gets codes typed or generated on the dashboard, shows how many
browsers hold each, loses one revoked; refusals are the merchant API's, by field, writing nothing; a role that only
reads the catalog makes and revokes none."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from boxoffice.kit import clock
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import Desk, invite, owner


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def new_item(boss: Desk, access_control: str = "code") -> int:
    form = {"title": "Members' film", "asset_type": "html_asset", "access_control": access_control}
    answer = await boss.post("/dashboard/catalog/items", form, form_on="/dashboard/catalog/items/new")
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("/")[-1].split("?")[0])


async def api_codes(server: Server, merchant: Merchant, item_id: int) -> list[str]:
    answer = await server.http.get(f"/v2/items/{item_id}/access-codes", headers=merchant.auth)
    assert answer.status_code == 200, answer.text
    return sorted(code["code"] for code in answer.json()["collection"])


async def test_codes_are_made_held_and_revoked(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    here = f"/dashboard/catalog/items/{item_id}/codes"
    assert f'href="{here}"' in (await boss.get(f"/dashboard/catalog/items/{item_id}")).text
    typed = await boss.post(here, {"codes": "GOLD-1\nGOLD-2", "max_sessions": "2"}, form_on=here)
    assert typed.status_code == 303 and typed.headers["location"] == f"{here}?told=created"
    generated = await boss.post(here, {"quantity": "3"}, form_on=here)
    assert generated.status_code == 303
    made = await api_codes(server, merchant, item_id)
    assert len(made) == 5 and {"GOLD-1", "GOLD-2"} <= set(made)

    entered = await server.http.post(
        "/items/access/codes/entry", data={"item_id": str(item_id), "code": "GOLD-1", "browser_fingerprint": "fp-1"}
    )
    assert entered.status_code == 200, entered.text
    page = (await boss.get(here)).text
    assert "5 codes." in page
    assert "1 of 2" in page.split('data-code="GOLD-1"')[1].split("</tr>")[0]
    generated = next(code for code in made if not code.startswith("GOLD-"))
    assert "0 of 1" in page.split(f'data-code="{generated}"')[1].split("</tr>")[0]

    code_id = re.search(r'codes/(\d+)/revoke"', page.split('data-code="GOLD-1"')[1])
    assert code_id
    revoked = await boss.post(f"{here}/{code_id.group(1)}/revoke", form_on=here)
    assert revoked.status_code == 303 and revoked.headers["location"] == f"{here}?told=revoked"
    assert "GOLD-1" not in await api_codes(server, merchant, item_id)
    log = (await boss.get("/dashboard/audit", q="code")).text
    assert "Made access codes" in log and "Revoked an access code" in log


async def test_refused_codes_show_the_api_s_reasons_and_write_nothing(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    here = f"/dashboard/catalog/items/{item_id}/codes"
    assert (await boss.post(here, {"codes": "GOLD-1"}, form_on=here)).status_code == 303
    past = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for form, field, message in (
        ({"codes": "A1", "quantity": "2"}, "codes", "Give either codes or a quantity"),
        ({}, "codes", "Give either codes or a quantity"),
        ({"quantity": "0"}, "quantity", "The quantity must be from 1 to 1000"),
        ({"quantity": "2", "max_sessions": "0"}, "max_sessions", "The number of sessions must be from 1 to 1000"),
        ({"quantity": "2", "expires_at": past}, "expires_at", "The expiry must be in the future"),
        ({"codes": "B1 B1"}, "codes", "This code is given twice"),
    ):
        refused = await boss.post(here, form, form_on=here)
        assert refused.status_code == 422, form
        assert message in refused.text and f'aria-describedby="problem-{field}"' in refused.text, (form, refused.text)
    taken = await boss.post(here, {"codes": "NEW-1 GOLD-1"}, form_on=here)
    assert taken.status_code == 409 and "These codes already exist: GOLD-1" in taken.text
    assert "NEW-1 GOLD-1" in taken.text  # what was typed stays on the form
    assert await api_codes(server, merchant, item_id) == ["GOLD-1"]

    paid_id = await new_item(boss, access_control="paid")
    paid = f"/dashboard/catalog/items/{paid_id}/codes"
    assert "This item is not opened by codes" in (await boss.get(paid)).text
    refused = await boss.post(paid, {"quantity": "2"}, form_on=here)
    assert refused.status_code == 422 and "Access codes open only items whose access control is code" in refused.text
    assert await api_codes(server, merchant, paid_id) == []
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await owner(server, other)
    assert (await theirs.get(here)).status_code == 404
    assert (await theirs.post(here, {"quantity": "1"}, form_on="/dashboard/catalog")).status_code == 404


@pytest.mark.parametrize("role", ["analyst", "support"])
async def test_a_role_that_reads_the_catalog_may_not_make_or_revoke_codes(
    server: Server, mailbox: Mailbox, merchant: Merchant, role: str
) -> None:
    boss = await owner(server, merchant)
    item_id = await new_item(boss)
    here = f"/dashboard/catalog/items/{item_id}/codes"
    assert (await boss.post(here, {"codes": "GOLD-1"}, form_on=here)).status_code == 303
    code_id = re.search(r'codes/(\d+)/revoke"', (await boss.get(here)).text)
    assert code_id
    reader = await invite(server, mailbox, boss, "reader@publisher.example.com", role)
    page = await reader.get(here)
    assert page.status_code == 200 and "GOLD-1" in page.text and "Make the codes" not in page.text
    assert "Revoke" not in page.text
    assert (await reader.post(here, {"quantity": "5"}, form_on=here)).status_code == 403
    assert (await reader.post(f"{here}/{code_id.group(1)}/revoke", form_on=here)).status_code == 403
    assert await api_codes(server, merchant, item_id) == ["GOLD-1"]
