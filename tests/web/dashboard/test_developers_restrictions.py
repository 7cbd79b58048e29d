"""Restrictions at the dashboard: settings saved as the API then reads them and the session limit cleared; a
country set made, changed, refused while an item uses it and removed once not; bad input shown with nothing
written; closed to roles without the settings."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import invite, owner

HERE = "/dashboard/developers/restrictions"
SETS = f"{HERE}/country-sets"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def kept(server: Server, merchant: Merchant) -> dict[str, Any]:
    return dict((await server.http.get(f"/restrictions/settings/{merchant.uuid}")).json())


async def test_settings_are_saved_as_the_api_reads_them(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    form = {
        "age_verification_enabled": "on",
        "allowed_domains": "Watch.Example.com\n\n*.example.org",
        "max_concurrent_sessions": "3",
    }
    assert (await boss.post(HERE, form)).headers["location"] == f"{HERE}?told=saved"
    saved = await kept(server, merchant)
    assert (saved["age_verification_enabled"], saved["domains"], saved["max_concurrent_sessions"]) == (
        True,
        ["watch.example.com", "*.example.org"],
        3,
    )
    assert "watch.example.com\n*.example.org" in (await boss.get(HERE)).text

    for bad, problem in (
        ({"allowed_domains": "not a host!"}, "is not a host name"),
        ({"max_concurrent_sessions": "many"}, "whole number"),
        ({"max_concurrent_sessions": "0"}, "from 1 to 1000"),
    ):
        refused = await boss.post(HERE, form | bad)
        assert refused.status_code == 422 and problem in refused.text, bad
    assert await kept(server, merchant) == saved

    assert (await boss.post(HERE, {"allowed_domains": "", "max_concurrent_sessions": ""})).status_code == 303
    cleared = await kept(server, merchant)
    assert (cleared["age_verification_enabled"], cleared["domains"], cleared["max_concurrent_sessions"]) == (
        False,
        [],
        None,
    )


async def test_a_country_set_is_made_changed_and_removed_once_unused(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    bad = await boss.post(SETS, {"name": "Europe", "type": "whitelist", "countries": "DE, XX"})
    assert bad.status_code == 422 and "&#39;XX&#39; is not an ISO-3166" in bad.text and 'value="DE, XX"' in bad.text
    assert "data-country-set=" not in (await boss.get(HERE)).text

    made = await boss.post(SETS, {"name": "Europe", "type": "whitelist", "countries": "de fr,gb"})
    found = re.fullmatch(rf"{SETS}/(\d+)\?told=created", made.headers["location"])
    assert found, made.headers["location"]
    here = f"{SETS}/{found.group(1)}"
    listed = await server.http.get(f"/restrictions/country-sets/{found.group(1)}", headers=merchant.auth)
    assert (listed.json()["type"], listed.json()["countries"]) == ("whitelist", ["DE", "FR", "GB"])

    changed = await boss.post(here, {"name": "Not Europe", "type": "blacklist", "countries": "DE"})
    assert changed.headers["location"] == f"{here}?told=saved"
    assert 'value="Not Europe"' in (await boss.get(here)).text
    assert (await boss.post(here, {"name": "", "type": "blacklist", "countries": "DE"})).status_code == 422

    item = await add_item(server, merchant, country_set_id=found.group(1))
    in_use = await boss.post(f"{here}/remove")
    assert in_use.status_code == 409 and "detach it first" in in_use.text
    detached = await server.http.put(f"/v2/items/{item['id']}", headers=merchant.auth, data={"country_set_id": ""})
    assert detached.status_code == 200, detached.text
    unused = await boss.post(f"{here}/remove")
    assert unused.headers["location"] == f"{HERE}?told=removed"
    assert (await boss.get(here)).status_code == 404


async def test_only_roles_with_the_settings_change_restrictions(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    made = await boss.post(SETS, {"name": "Europe", "type": "whitelist", "countries": "DE"})
    here = made.headers["location"].split("?")[0]
    other = await owner(server, await make_merchant(server, "other@publisher.example.com"))
    assert (await other.get(here)).status_code == 404
    support = await invite(server, mailbox, boss, "sam@publisher.example.com", "support")
    for path in (HERE, here):
        assert (await support.get(path)).status_code == 403, path
    assert (await support.post(HERE, {"max_concurrent_sessions": "1"})).status_code == 403
    assert (await support.post(f"{here}/remove")).status_code == 403
    assert (await kept(server, merchant))["max_concurrent_sessions"] is None
    assert (await boss.get(here)).status_code == 200
