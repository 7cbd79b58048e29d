"""A viewer's links to outside integrations (the SDK's syncWithExternalAccount and updateExternalAccount)."""

from __future__ import annotations

from boxoffice.identity.models import ExternalAccount
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, count_rows, fetch_rows, sign_up

LIVELIKE = "/v2/accounts/external/livelike"


async def test_sync_creates_one_link_per_integration(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    synced = await server.http.post(LIVELIKE, headers=viewer.auth, data={"item_id": "42"})
    assert synced.status_code == 200, synced.text
    link = synced.json()
    assert set(link) == {"id", "account_id", "token"}
    assert link["account_id"] == viewer.id and len(link["token"]) >= 32

    again = await server.http.post(LIVELIKE, headers=viewer.auth, data={"item_id": "43"})
    assert again.json() == link
    assert await count_rows(server, ExternalAccount, merchant.id) == 1
    (row,) = await fetch_rows(server, ExternalAccount, merchant.id, ExternalAccount.customer_id == viewer.id)
    assert row.integration == "livelike" and row.item_id == 43

    other = await server.http.post("/v2/accounts/external/chat-service", headers=viewer.auth)
    assert other.status_code == 200 and other.json()["id"] != link["id"]


async def test_update_merges_the_synced_data(server: Server, viewer: Viewer) -> None:
    await server.http.post(LIVELIKE, headers=viewer.auth)
    first = await server.http.patch(LIVELIKE, headers=viewer.auth, data={"nickname": "vee"})
    assert first.status_code == 200, first.text
    assert first.json()["data"] == {"nickname": "vee"} and first.json()["integration"] == "livelike"
    second = await server.http.patch(LIVELIKE, headers=viewer.auth, data={"avatar": "https://cdn.example.com/v.png"})
    assert second.json()["data"] == {"nickname": "vee", "avatar": "https://cdn.example.com/v.png"}


async def test_bad_external_account_input(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    bad_name = await server.http.post("/v2/accounts/external/Not Valid!", headers=viewer.auth)
    assert_error(bad_name, 422, "integration")
    for item_id in ("abc", "-1", "\u00b2", "9" * 20):  # "²" passes str.isdigit; 10**20 overflows a BIGINT
        response = await server.http.post(LIVELIKE, headers=viewer.auth, data={"item_id": item_id})
        assert_error(response, 422, "item_id")
    # Never synced: nothing to update.
    assert_error(await server.http.patch(LIVELIKE, headers=viewer.auth, data={"nickname": "vee"}), 404)
    assert await count_rows(server, ExternalAccount, merchant.id) == 0

    await server.http.post(LIVELIKE, headers=viewer.auth)
    nested = await server.http.patch(LIVELIKE, headers=viewer.auth, data={"profile[name]": "vee"})
    assert_error(nested, 422)
    refreshed = await server.http.patch(LIVELIKE, headers=viewer.auth, data={})
    assert refreshed.json()["data"] == {}


async def test_links_are_per_viewer(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    mine = (await server.http.post(LIVELIKE, headers=viewer.auth)).json()
    other = await sign_up(server, merchant, email="otto@example.com")
    assert_error(await server.http.patch(LIVELIKE, headers=other.auth, data={"nickname": "x"}), 404)
    theirs = (await server.http.post(LIVELIKE, headers=other.auth)).json()
    assert theirs["id"] != mine["id"] and theirs["token"] != mine["token"]
    assert theirs["account_id"] == other.id
