"""The publisher token at the dashboard: shown only by its last characters, rotated once confirmed and then shown
once in full; the old token then refused by Cleeng's JSON-RPC API and the new one taken; closed to roles without
the settings."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import publisher_of
from tests.web.dashboard.desk import invite, owner

KEYS = "/dashboard/developers/keys"
ROTATE = f"{KEYS}/publisher-token/rotate"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def test_the_token_is_masked_and_rotated_once_confirmed(server: Server, merchant: Merchant) -> None:
    rpc = JsonRpc(server.http)
    token = (await publisher_of(server, merchant)).token
    boss = await owner(server, merchant)
    shown = (await boss.get(KEYS)).text
    assert f"…{token[-4:]}" in shown and token not in shown and token[:-4] not in shown
    asking = (await boss.get(ROTATE)).text
    assert 'name="confirm"' in asking and token not in asking

    unconfirmed = await boss.post(ROTATE, form_on=ROTATE)
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert (await rpc.call("getPublisher", publisherToken=token))["email"] == merchant.email  # nothing changed

    rotated = await boss.post(ROTATE, {"confirm": "yes"}, form_on=ROTATE)
    assert rotated.status_code == 200
    found = re.search(r'<code class="token">([^<]+)</code>', rotated.text)
    assert found and found.group(1) != token
    new_token = found.group(1)
    assert rotated.headers["cache-control"] == "no-store"
    again = (await boss.get(KEYS)).text
    assert new_token not in again and f"…{new_token[-4:]}" in again  # shown once, then only its last characters

    await rpc.refused(3, "getPublisher", publisherToken=token)
    assert (await rpc.call("getPublisher", publisherToken=new_token))["email"] == merchant.email
    assert (await publisher_of(server, merchant)).token == new_token  # the merchant API shows the same one
    assert (await server.http.get("/accounts/keys", headers=merchant.auth)).status_code == 200  # the secret stays
    log = (await boss.get("/dashboard/audit", q="publisher token")).text
    assert "Rotated the publisher token" in log and new_token not in log


async def test_only_roles_with_the_settings_rotate_the_token(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    token = (await publisher_of(server, merchant)).token
    boss = await owner(server, merchant)
    for role in ("support", "analyst"):
        member = await invite(server, mailbox, boss, f"{role}@publisher.example.com", role)
        answer = await member.get(ROTATE)
        assert answer.status_code == 403 and f"…{token[-4:]}" not in answer.text, role
        assert (await member.post(ROTATE, {"confirm": "yes"})).status_code == 403
    assert (await JsonRpc(server.http).call("getPublisher", publisherToken=token))["email"] == merchant.email
