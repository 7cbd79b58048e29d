"""Requests no client should send still get an answer in the dialect's error shape, never a 500."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

from boxoffice.dialects.inplayer.forms import MAX_BODY
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_invalid_json_is_400(server: Server, merchant: Merchant) -> None:
    for raw in (b'{"username": ', b"[1, 2]", b'"just a string"'):
        response = await server.http.post("/accounts/authenticate", content=raw, headers=JSON)
        assert_error(response, 400, "body")
    authed = await server.http.post("/accounts/register-fields", content=b"{nope", headers=JSON | merchant.auth)
    assert_error(authed, 400, "body")


async def test_json_bodies_are_accepted(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/accounts",
        headers=JSON,
        json={
            "full_name": "Jay Son",
            "username": "jay@example.com",
            "password": "json-pass-1",
            "password_confirmation": "json-pass-1",
            "client_id": merchant.uuid,
            "metadata": {"first_name": "Jay"},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["account"]["metadata"] == {"first_name": "Jay"}


async def test_non_utf8_form_body_is_400(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    raw = b"full_name=\xff\xfe&username=x%40example.com"
    assert_error(await server.http.post("/accounts", content=raw, headers=FORM), 400, "body")
    assert_error(await server.http.put("/accounts", content=raw, headers=FORM | viewer.auth), 400, "body")
    assert (await server.http.get("/accounts", headers=viewer.auth)).json()["full_name"] == "Vera Viewer"


async def test_a_field_sent_as_a_map_is_422(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/accounts/authenticate",
        data={"client_id": merchant.uuid, "username[a]": "x", "password": "whatever-1"},
    )
    assert_error(response, 422, "username")


async def test_non_numeric_path_ids_are_422(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    for method, path, auth in [
        ("GET", "/accounts/customers/abc", merchant.auth),
        ("PUT", "/accounts/register-fields/abc", merchant.auth),
        ("DELETE", "/accounts/register-fields/1.5", merchant.auth),
        ("GET", "/v2/accounts/profiles/abc", viewer.auth),
        ("PUT", "/v2/accounts/profiles/abc", viewer.auth),
        ("DELETE", "/v2/accounts/profiles/abc", viewer.auth),
        ("POST", "/v2/accounts/profiles/abc/token", viewer.auth),
    ]:
        response = await server.http.request(method, path, headers=auth)
        assert_error(response, 422)
        assert len(response.json()["errors"]) == 1, (method, path, response.json())


async def test_ids_too_large_for_the_database_are_422(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    huge = "9" * 20  # a whole number, but past any 64-bit id
    for method, path, auth in [
        ("GET", f"/accounts/customers/{huge}", merchant.auth),
        ("PUT", f"/accounts/register-fields/{huge}", merchant.auth),
        ("DELETE", f"/accounts/register-fields/{huge}", merchant.auth),
        ("GET", f"/v2/accounts/profiles/{huge}", viewer.auth),
        ("POST", f"/v2/accounts/profiles/{huge}/token", viewer.auth),
    ]:
        response = await server.http.request(method, path, headers=auth)
        assert_error(response, 422)
    position = await server.http.post(
        "/accounts/register-fields",
        headers=merchant.auth,
        data={"name": "nick", "label": "Nick", "type": "input", "position": "3000000000"},
    )
    assert_error(position, 422, "position")


async def test_unknown_routes_and_methods_answer_in_the_error_shape(server: Server) -> None:
    assert_error(await server.http.get("/accounts/nothing-here/at-all"), 404)
    assert_error(await server.http.patch("/accounts/logout"), 405)


async def test_nul_characters_are_400_on_every_engine(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    # PostgreSQL cannot store or even compare text holding NUL; SQLite can. Both must answer alike.
    body = await server.http.post(
        "/accounts",
        data={
            "full_name": "Nul\x00Name",
            "username": "nul@example.com",
            "password": "nul-pass-12",
            "password_confirmation": "nul-pass-12",
            "client_id": merchant.uuid,
        },
    )
    assert_error(body, 400, "body")
    as_json = await server.http.put("/accounts", headers=viewer.auth, json={"metadata": {"nick": "a\x00"}})
    assert_error(as_json, 400, "body")
    assert_error(await server.http.get("/accounts/register-fields/%00abc"), 400, "url")
    assert_error(await server.http.get("/v2/accounts/media/favorites/a%00b", headers=viewer.auth), 400, "url")
    search = await server.http.get("/accounts/customers", headers=merchant.auth, params={"search": "a\x00"})
    assert_error(search, 400, "url")
    assert (await server.http.get("/accounts", headers=viewer.auth)).json()["metadata"] == {}


async def test_a_cursor_past_any_id_is_422(server: Server, viewer: Viewer) -> None:
    cursor = base64.urlsafe_b64encode(b"9" * 20).decode().rstrip("=")
    response = await server.http.get(f"/v2/accounts/media/favorites?cursor={cursor}", headers=viewer.auth)
    assert_error(response, 422, "cursor")


async def test_a_body_over_the_limit_is_413_and_writes_nothing(server: Server, merchant: Merchant) -> None:
    form = f"full_name=Big&username=big%40example.com&password=big-pass-1&client_id={merchant.uuid}&bio="
    oversized = form.encode() + b"x" * MAX_BODY
    declared = await server.http.post("/accounts", content=oversized, headers=FORM)
    assert_error(declared, 413, "body")

    # Sent in chunks, without a declared length: refused once read.
    async def chunks() -> AsyncIterator[bytes]:
        yield oversized[:1000]
        yield oversized[1000:]

    chunked = await server.http.post("/accounts", content=chunks(), headers=FORM)
    assert_error(chunked, 413, "body")
    signed_in = await server.http.post(
        "/accounts/authenticate",
        data={"client_id": merchant.uuid, "username": "big@example.com", "password": "big-pass-1"},
    )
    assert_error(signed_in, 403)
