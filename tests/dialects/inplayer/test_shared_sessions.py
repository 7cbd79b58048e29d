"""InPlayer's `reportSSOtoken`: a viewer's session kept in a cookie of Boxoffice's host for the merchant's other
sites, given back while it lasts, and forgotten on request or when the session ends."""

from __future__ import annotations

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error

SITE = "https://watch.example.com"


async def test_a_viewers_token_is_kept_for_the_merchants_other_sites_until_it_is_forgotten(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    kept = await server.http.post("/sso/cookie", files={"token": (None, viewer.token), "delete": (None, "0")})
    assert kept.status_code == 200, kept.text
    cookie = kept.headers["set-cookie"]
    assert cookie.startswith("boxoffice_sso=") and "HttpOnly" in cookie and "Path=/sso/cookie" in cookie
    given = await server.http.get("/sso/cookie")
    assert given.status_code == 200, given.text
    assert given.json()["token"] == viewer.token and given.json()["expires"] > 0

    forgotten = await server.http.post("/sso/cookie", files={"token": (None, viewer.token), "delete": (None, "1")})
    assert forgotten.status_code == 200
    assert_error(await server.http.get("/sso/cookie"), 401)

    # Kept again, then the viewer signs out: the kept token is worth nothing any more.
    await server.http.post("/sso/cookie", files={"token": (None, viewer.token), "delete": (None, "0")})
    assert (await server.http.get("/accounts/logout", headers=viewer.auth)).status_code == 200
    assert_error(await server.http.get("/sso/cookie"), 401)


async def test_only_a_live_viewers_token_is_kept(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    for token in ("", "not-a-token", viewer.token[:-4] + "AAAA"):
        refused = await server.http.post("/sso/cookie", files={"token": (None, token), "delete": (None, "0")})
        assert_error(refused, 401)
        assert "set-cookie" not in refused.headers
    merchants = await server.http.post("/sso/cookie", files={"token": (None, merchant.token), "delete": (None, "0")})
    assert_error(merchants, 403)
    assert_error(await server.http.get("/sso/cookie"), 401)


async def test_only_the_merchants_sites_may_use_the_cookie_across_origins(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    await server.http.put("/v2/allowed-origins", headers=merchant.auth, data={"origins[0]": SITE})
    listed = await server.http.post(
        "/sso/cookie", files={"token": (None, viewer.token), "delete": (None, "0")}, headers={"Origin": SITE}
    )
    assert listed.headers["access-control-allow-origin"] == SITE
    assert listed.headers["access-control-allow-credentials"] == "true"
    elsewhere = await server.http.get("/sso/cookie", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in elsewhere.headers
    assert "access-control-allow-credentials" not in elsewhere.headers
