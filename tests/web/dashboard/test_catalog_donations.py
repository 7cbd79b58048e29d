"""An item's donations over HTTP: amounts suggested and removed, amounts of the viewer's own allowed or not; the
merchant API's refusals by field, writing nothing; a role that only reads the catalog changes none of it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import invite, owner


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def api_donations(server: Server, merchant: Merchant, item_id: int) -> dict[str, Any]:
    answer = await server.http.get(f"/v2/items/{item_id}/donations", headers=merchant.auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_donation_amounts_are_suggested_and_removed_and_own_amounts_allowed(
    server: Server, merchant: Merchant
) -> None:
    item_id = (await add_item(server, merchant))["id"]
    boss = await owner(server, merchant)
    here = f"/dashboard/catalog/items/{item_id}/donations"
    assert f'href="{here}"' in (await boss.get(f"/dashboard/catalog/items/{item_id}")).text
    added = await boss.post(here, {"amount": "5", "currency": "eur", "description": "Supporter"}, form_on=here)
    assert added.status_code == 303 and added.headers["location"] == f"{here}?told=added"
    page = (await boss.get(here)).text
    assert "€5.00" in page and "Supporter" in page and "Viewers may give only the amounts suggested." in page
    [donation] = (await api_donations(server, merchant, item_id))["donations"]
    assert (donation["amount"], donation["currency"]) == (5, "EUR")

    for form, field, message in (
        ({"amount": "five", "currency": "EUR"}, "amount", "The amount must be a decimal number such as 4.99"),
        ({"amount": "0", "currency": "EUR"}, "amount", "The amount must be greater than zero"),
        ({"amount": "5", "currency": "XX"}, "currency", "The currency must be an ISO-4217 code"),
        ({"amount": "", "currency": "EUR"}, "amount", "The amount is required"),
    ):
        refused = await boss.post(here, form, form_on=here)
        assert refused.status_code == 422 and message in refused.text, form
        assert f'aria-describedby="problem-{field}"' in refused.text, form
    assert len((await api_donations(server, merchant, item_id))["donations"]) == 1

    on = await boss.post(f"{here}/custom", {"enabled": "yes"}, form_on=here)
    assert on.status_code == 303
    assert (await api_donations(server, merchant, item_id))["donation_options"]["custom_price_enabled"] is True
    assert "Viewers may also give an amount of their own." in (await boss.get(here)).text
    removed = await boss.post(f"{here}/{donation['id']}/remove", form_on=here)
    assert removed.status_code == 303 and removed.headers["location"] == f"{here}?told=removed"
    assert (await api_donations(server, merchant, item_id))["donations"] is None

    other = await make_merchant(server, "other@publisher.example.com")
    theirs = (await add_item(server, other))["id"]
    assert (await boss.get(f"/dashboard/catalog/items/{theirs}/donations")).status_code == 404
    log = (await boss.get("/dashboard/audit", q="donation")).text
    assert "Added a donation amount" in log and "Removed a donation amount" in log


@pytest.mark.parametrize("role", ["analyst", "support"])
async def test_a_role_that_reads_the_catalog_may_not_change_donations(
    server: Server, mailbox: Mailbox, merchant: Merchant, role: str
) -> None:
    item_id = (await add_item(server, merchant))["id"]
    boss = await owner(server, merchant)
    here = f"/dashboard/catalog/items/{item_id}/donations"
    assert (await boss.post(here, {"amount": "5", "currency": "EUR"}, form_on=here)).status_code == 303
    donation_id = re.search(r'data-donation="(\d+)"', (await boss.get(here)).text)
    assert donation_id
    reader = await invite(server, mailbox, boss, "reader@publisher.example.com", role)
    page = await reader.get(here)
    assert page.status_code == 200 and "€5.00" in page.text and "Add the amount" not in page.text
    for path, form in (
        (here, {"amount": "9", "currency": "EUR"}),
        (f"{here}/{donation_id.group(1)}/remove", {}),
        (f"{here}/custom", {"enabled": "yes"}),
    ):
        assert (await reader.post(path, form, form_on=here)).status_code == 403, path
    details = await api_donations(server, merchant, item_id)
    assert len(details["donations"]) == 1 and details["donation_options"]["custom_price_enabled"] is False
