"""Viewer profiles: the default one, PIN-protected ones, entering one for its own token."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, bearer, sign_up

PROFILES = "/v2/accounts/profiles"


async def create(server: Server, viewer: Viewer, **form: str) -> dict[str, Any]:
    response = await server.http.post(PROFILES, headers=viewer.auth, data=form)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_new_account_has_its_default_profile(server: Server, viewer: Viewer) -> None:
    response = await server.http.get(PROFILES, headers=viewer.auth)
    assert response.status_code == 200
    (default,) = response.json()
    assert default["default"] is True and default["name"] == "Vera Viewer"
    assert default["account_id"] == viewer.id and default["pin_required"] is False


async def test_entering_a_pin_protected_profile(server: Server, viewer: Viewer) -> None:
    kids = await create(
        server, viewer, name="Kids", adult="false", pin="1234", avatar_url="https://cdn.example.com/kids.png"
    )
    assert kids["pin_required"] is True and kids["adult"] is False and kids["default"] is False
    assert "credentials" not in kids
    assert "pin" not in kids and "pin_hash" not in kids

    enter = f"{PROFILES}/{kids['id']}/token"
    assert_error(await server.http.post(enter, headers=viewer.auth), 422, "pin")
    assert_error(await server.http.post(enter, headers=viewer.auth, data={"pin": "4321"}), 422, "pin")
    entered = await server.http.post(enter, headers=viewer.auth, data={"pin": "1234"})
    assert entered.status_code == 200, entered.text
    body = entered.json()
    assert body["id"] == kids["id"]
    credentials = body["credentials"]
    assert set(credentials) == {"access_token", "expires"} and isinstance(credentials["expires"], int)
    me = await server.http.get("/accounts", headers=bearer(credentials["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == viewer.id


async def test_a_profile_without_pin_is_entered_without_one(server: Server, viewer: Viewer) -> None:
    (default,) = (await server.http.get(PROFILES, headers=viewer.auth)).json()
    entered = await server.http.post(f"{PROFILES}/{default['id']}/token", headers=viewer.auth)
    assert entered.status_code == 200, entered.text
    assert entered.json()["credentials"]["access_token"]


async def test_bad_profile_input_is_422_and_writes_nothing(server: Server, viewer: Viewer) -> None:
    cases = [
        ({"adult": "true"}, "name"),
        ({"name": " "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Kids", "pin": "12ab"}, "pin"),
        ({"name": "Kids", "pin": "12345"}, "pin"),
        ({"name": "Kids", "avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"name": "Kids", "adult": "perhaps"}, "adult"),
    ]
    for form, field in cases:
        assert_error(await server.http.post(PROFILES, headers=viewer.auth, data=form), 422, field)
    assert len((await server.http.get(PROFILES, headers=viewer.auth)).json()) == 1


async def test_update_and_delete_a_profile(server: Server, viewer: Viewer) -> None:
    guest = await create(server, viewer, name="Guest")
    updated = await server.http.put(
        f"{PROFILES}/{guest['id']}",
        headers=viewer.auth,
        data={"name": "Grandma", "avatar_url": "https://cdn.example.com/g.png", "adult": "true"},
    )
    assert updated.status_code == 200, updated.text
    details = await server.http.get(f"{PROFILES}/{guest['id']}", headers=viewer.auth)
    assert details.json()["name"] == "Grandma"
    assert details.json()["avatar_url"] == "https://cdn.example.com/g.png"
    refused = await server.http.put(f"{PROFILES}/{guest['id']}", headers=viewer.auth, data={"name": ""})
    assert_error(refused, 422, "name")
    unchanged = await server.http.get(f"{PROFILES}/{guest['id']}", headers=viewer.auth)
    assert unchanged.json()["name"] == "Grandma"

    deleted = await server.http.delete(f"{PROFILES}/{guest['id']}", headers=viewer.auth)
    assert deleted.status_code == 200
    assert_error(await server.http.get(f"{PROFILES}/{guest['id']}", headers=viewer.auth), 404)
    assert_error(await server.http.delete(f"{PROFILES}/{guest['id']}", headers=viewer.auth), 404)
    assert len((await server.http.get(PROFILES, headers=viewer.auth)).json()) == 1


async def test_the_default_profile_cannot_be_deleted(server: Server, viewer: Viewer) -> None:
    (default,) = (await server.http.get(PROFILES, headers=viewer.auth)).json()
    assert_error(await server.http.delete(f"{PROFILES}/{default['id']}", headers=viewer.auth), 409)
    assert len((await server.http.get(PROFILES, headers=viewer.auth)).json()) == 1


async def test_an_account_has_at_most_ten_profiles(server: Server, viewer: Viewer) -> None:
    for n in range(9):
        await create(server, viewer, name=f"Profile {n}")
    assert_error(await server.http.post(PROFILES, headers=viewer.auth, data={"name": "Eleventh"}), 409)
    assert len((await server.http.get(PROFILES, headers=viewer.auth)).json()) == 10


async def test_another_viewers_profiles_are_404(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    mine = await create(server, viewer, name="Mine", pin="1234")
    other = await sign_up(server, merchant, email="otto@example.com")
    path = f"{PROFILES}/{mine['id']}"
    assert_error(await server.http.get(path, headers=other.auth), 404)
    assert_error(await server.http.put(path, headers=other.auth, data={"name": "Stolen"}), 404)
    assert_error(await server.http.delete(path, headers=other.auth), 404)
    assert_error(await server.http.post(f"{path}/token", headers=other.auth, data={"pin": "1234"}), 404)
    assert (await server.http.get(path, headers=viewer.auth)).json()["name"] == "Mine"


async def test_a_deleted_profiles_token_stops_working(server: Server, viewer: Viewer) -> None:
    kids = await create(server, viewer, name="Kids", adult="false")
    entered = await server.http.post(f"{PROFILES}/{kids['id']}/token", headers=viewer.auth)
    profile_token = bearer(entered.json()["credentials"]["access_token"])
    assert (await server.http.get("/accounts", headers=profile_token)).status_code == 200
    assert (await server.http.delete(f"{PROFILES}/{kids['id']}", headers=viewer.auth)).status_code == 200
    assert (await server.http.get("/accounts", headers=profile_token)).status_code == 401
    assert (await server.http.get("/accounts", headers=viewer.auth)).status_code == 200
