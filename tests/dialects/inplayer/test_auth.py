"""Signing up, in, refreshing and out, as the InPlayer SDK does it."""

from __future__ import annotations

import base64

import pytest

from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant, sign_up


async def test_sign_up_returns_tokens_with_absolute_expiry(server: Server, merchant: Merchant) -> None:
    viewer = await sign_up(server, merchant, metadata_key="ignored")
    account = viewer.account
    assert account["email"] == "viewer@example.com"
    assert account["roles"] == ["consumer"]
    assert account["merchant_uuid"] == merchant.uuid
    response = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": merchant.uuid,
            "grant_type": "password",
            "username": viewer.email,
            "password": viewer.password,
        },
    )
    body = response.json()
    assert response.status_code == 200
    now = clock.unix(clock.now())
    # Absolute Unix seconds, about 30 days ahead: the SDK compares it with Date.now()/1000.
    assert now + 29 * 86400 < body["expires"] <= now + 30 * 86400 + 5
    me = await server.http.get("/accounts", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == account["id"]


async def test_same_email_under_two_merchants_is_two_accounts(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "second@publisher.example.com")
    first = await sign_up(server, merchant, password="first-pass-1")
    second = await sign_up(server, other, password="second-pass-2")
    assert first.account["id"] != second.account["id"]
    wrong = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": other.uuid,
            "grant_type": "password",
            "username": first.email,
            "password": "first-pass-1",
        },
    )
    assert wrong.status_code == 403
    assert wrong.json() == {"code": 403, "message": "Invalid credentials"}


async def test_refresh_token_is_single_use_and_rotated(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    form = {"client_id": merchant.uuid, "grant_type": "refresh_token", "refresh_token": viewer.refresh_token}
    first = await server.http.post("/accounts/authenticate", data=form)
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != viewer.refresh_token
    replay = await server.http.post("/accounts/authenticate", data=form)
    assert replay.status_code == 401
    assert replay.json()["message"] == "Invalid refresh token"
    # A replayed refresh token means it leaked: the whole session ends, including what it already handed out.
    after = await server.http.get("/accounts", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert after.status_code == 401


async def test_logout_revokes_the_token(server: Server, viewer: Viewer) -> None:
    out = await server.http.get("/accounts/logout", headers=viewer.auth)
    assert out.status_code == 200
    again = await server.http.get("/accounts", headers=viewer.auth)
    assert again.status_code == 401
    assert again.json() == {"code": 401, "message": "Invalid auth token"}


async def test_empty_and_garbage_bearers_are_401(server: Server) -> None:
    for header in ("Bearer ", "Bearer", "Basic abc", "Bearer not-a-jwt"):
        response = await server.http.get("/accounts", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["code"] == 401
    missing = await server.http.get("/accounts")
    assert missing.status_code == 401


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "header",
    [
        "%%%",  # not base64
        _b64(b"not json"),
        _b64(b"[1, 2]"),  # JSON, not an object
        _b64(b"[" * 100_000 + b"]" * 100_000),  # nested past the parser's depth
        _b64(b'{"alg": "HS256", "kid": 7}'),  # a kid that is not a string: no key named, and the signature is wrong
        _b64('{"alg": "HS256", "kid": "\u00e9"}'.encode()),
        "\u00e9t\u00e9",  # not ASCII
    ],
)
async def test_tokens_with_broken_headers_are_401_on_every_path(server: Server, viewer: Viewer, header: str) -> None:
    _, payload, signature = viewer.token.split(".")
    broken = {"Authorization": f"Bearer {header}.{payload}.{signature}".encode("latin-1")}
    for path in ("/accounts", "/items/1/access"):
        response = await server.http.get(path, headers=broken)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["code"] == 401


async def test_expired_token_is_401(server: Server, viewer: Viewer) -> None:
    frozen = clock.FrozenClock(clock.now())
    previous = clock.set_clock(frozen)
    try:
        frozen.advance(days=31)
        response = await server.http.get("/accounts", headers=viewer.auth)
        assert response.status_code == 401
    finally:
        clock.set_clock(previous)


async def test_unknown_client_id_is_404(server: Server) -> None:
    response = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": "00000000-0000-0000-0000-000000000000",
            "grant_type": "password",
            "username": "a@b.example.com",
            "password": "whatever-1",
        },
    )
    assert response.status_code == 404
    assert response.json()["message"] == "Merchant not found"


async def test_client_credentials_give_a_merchant_token(server: Server, merchant: Merchant) -> None:
    response = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": merchant.uuid,
            "client_secret": merchant.secret,
            "grant_type": "client_credentials",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["account"]["roles"] == ["merchant"]
    bad = await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": merchant.uuid,
            "client_secret": "nope",
            "grant_type": "client_credentials",
        },
    )
    assert bad.status_code == 403
