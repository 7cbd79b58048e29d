"""API keys and allowed origins at the dashboard: the secret never shown in full until it is rotated, rotated only
once confirmed and then shown once, the old secret and the tokens made with it ending; origins saved as the API
reads them, bad ones refused with nothing written; both closed to roles without the settings."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.web.dashboard.desk import invite, owner

KEYS = "/dashboard/developers/keys"
ORIGINS = "/dashboard/developers/origins"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def client_credentials(server: Server, merchant: Merchant, secret: str) -> httpx.Response:
    return await server.http.post(
        "/accounts/authenticate",
        data={"client_id": merchant.uuid, "client_secret": secret, "grant_type": "client_credentials"},
    )


async def test_the_secret_is_masked_and_rotated_once_confirmed(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    shown = (await boss.get(KEYS)).text
    assert merchant.uuid in shown and f"…{merchant.secret[-4:]}" in shown
    assert merchant.secret not in shown and merchant.secret[:-4] not in shown
    asking = (await boss.get(f"{KEYS}/rotate")).text
    assert 'name="confirm"' in asking and merchant.secret not in asking

    unconfirmed = await boss.post(f"{KEYS}/rotate", form_on=f"{KEYS}/rotate")
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert (await client_credentials(server, merchant, merchant.secret)).status_code == 200  # nothing changed

    rotated = await boss.post(f"{KEYS}/rotate", {"confirm": "yes"}, form_on=f"{KEYS}/rotate")
    assert rotated.status_code == 200
    found = re.search(r'<code class="secret">([^<]+)</code>', rotated.text)
    assert found and found.group(1) != merchant.secret
    secret = found.group(1)
    assert rotated.headers["cache-control"] == "no-store"
    again = (await boss.get(KEYS)).text
    assert secret not in again and f"…{secret[-4:]}" in again  # shown once, then only its last characters

    assert (await client_credentials(server, merchant, merchant.secret)).status_code == 403
    assert (await client_credentials(server, merchant, secret)).status_code == 200
    old_token = await server.http.get("/accounts/keys", headers=merchant.auth)
    assert old_token.status_code == 401  # made while the old secret was in force: ended with it
    log = (await boss.get("/dashboard/audit", q="client secret")).text
    assert "Rotated the client secret" in log and secret not in log


async def test_allowed_origins_are_saved_and_bad_ones_refused(server: Server, merchant: Merchant) -> None:
    boss = await owner(server, merchant)
    saved = await boss.post(ORIGINS, {"origins": "https://App.example.com/\n\nhttp://localhost:3000\n"})
    assert saved.headers["location"] == f"{ORIGINS}?told=saved"
    assert "http://localhost:3000\nhttps://app.example.com" in (await boss.get(ORIGINS)).text
    api = await server.http.get("/v2/allowed-origins", headers=merchant.auth)
    assert api.json()["origins"] == ["http://localhost:3000", "https://app.example.com"]

    bad = await boss.post(ORIGINS, {"origins": "https://ok.example.com\nnot an origin"})
    assert bad.status_code == 422 and "scheme://host[:port]" in bad.text and "not an origin" in bad.text
    api = await server.http.get("/v2/allowed-origins", headers=merchant.auth)
    assert api.json()["origins"] == ["http://localhost:3000", "https://app.example.com"]
    cleared = await boss.post(ORIGINS, {"origins": ""})
    assert cleared.status_code == 303
    assert (await server.http.get("/v2/allowed-origins", headers=merchant.auth)).json()["origins"] == []


async def test_only_roles_with_the_settings_see_keys_and_origins(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    for role in ("support", "analyst"):
        member = await invite(server, mailbox, boss, f"{role}@publisher.example.com", role)
        for path in (KEYS, f"{KEYS}/rotate", ORIGINS):
            answer = await member.get(path)
            assert answer.status_code == 403 and merchant.uuid not in answer.text, (role, path)
        assert (await member.post(f"{KEYS}/rotate", {"confirm": "yes"})).status_code == 403
        assert (await member.post(ORIGINS, {"origins": "https://evil.example.com"})).status_code == 403
    assert (await client_credentials(server, merchant, merchant.secret)).status_code == 200
    assert (await server.http.get("/v2/allowed-origins", headers=merchant.auth)).json()["origins"] == []
