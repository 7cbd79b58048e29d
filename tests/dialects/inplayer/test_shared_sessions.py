"""InPlayer's `reportSSOtoken`: a viewer's session kept in a cookie of Boxoffice's host, one per merchant, for the
merchant's other sites; given back while it lasts, only to pages on that merchant's own origins, and forgotten on
request or when the session ends."""

from __future__ import annotations

import httpx

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, make_merchant, sign_up

SITE = "https://watch.example.com"
OTHERS = "https://other-publisher.example.org"


def report(token: str, delete: str = "0") -> dict[str, tuple[None, str]]:
    return {"token": (None, token), "delete": (None, delete)}


async def test_a_viewers_token_is_kept_for_the_merchants_other_sites_until_it_is_forgotten(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    kept = await server.http.post("/sso/cookie", files=report(viewer.token))
    assert kept.status_code == 200, kept.text
    cookie = kept.headers["set-cookie"]
    assert cookie.startswith(f"boxoffice_sso_{merchant.uuid}=") and "HttpOnly" in cookie
    assert "Path=/sso/cookie" in cookie
    given = await server.http.get("/sso/cookie", params={"client_id": merchant.uuid})
    assert given.status_code == 200, given.text
    assert given.json()["token"] == viewer.token and given.json()["expires"] > 0

    forgotten = await server.http.post("/sso/cookie", files=report(viewer.token, "1"))
    assert forgotten.status_code == 200
    assert_error(await server.http.get("/sso/cookie", params={"client_id": merchant.uuid}), 401)

    # Kept again, then the viewer signs out: the kept token is worth nothing any more.
    await server.http.post("/sso/cookie", files=report(viewer.token))
    assert (await server.http.get("/accounts/logout", headers=viewer.auth)).status_code == 200
    assert_error(await server.http.get("/sso/cookie", params={"client_id": merchant.uuid}), 401)


async def test_only_a_live_viewers_token_is_kept(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    for token in ("", "not-a-token", viewer.token[:-4] + "AAAA"):
        refused = await server.http.post("/sso/cookie", files=report(token))
        assert_error(refused, 401)
        assert "set-cookie" not in refused.headers
    assert_error(await server.http.post("/sso/cookie", files=report(merchant.token)), 403)
    assert_error(await server.http.get("/sso/cookie", params={"client_id": merchant.uuid}), 401)
    assert_error(await server.http.get("/sso/cookie", params={"client_id": "no-such-merchant"}), 404)


async def test_only_the_merchants_own_sites_may_keep_or_read_its_viewers_session(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    await server.http.put("/v2/allowed-origins", headers=merchant.auth, data={"origins[0]": SITE})
    await server.http.put("/v2/allowed-origins", headers=other.auth, data={"origins[0]": OTHERS})
    listed = await server.http.post("/sso/cookie", files=report(viewer.token), headers={"Origin": SITE})
    assert listed.status_code == 200, listed.text
    assert listed.headers["access-control-allow-origin"] == SITE
    assert listed.headers["access-control-allow-credentials"] == "true"
    mine = await server.http.get("/sso/cookie", params={"client_id": merchant.uuid}, headers={"Origin": SITE})
    assert mine.json()["token"] == viewer.token

    # Another merchant's page — an origin the server lets call it — reads nothing of this merchant's viewer.
    for asked in (merchant.uuid, other.uuid):
        theirs = await server.http.get("/sso/cookie", params={"client_id": asked}, headers={"Origin": OTHERS})
        assert theirs.status_code in (401, 403) and "token" not in theirs.json()
    # Nor may any other page slip a session into the browser, or take this one out.
    stranger = await sign_up(server, other, email="stranger@example.com")
    planted = await server.http.post("/sso/cookie", files=report(stranger.token), headers={"Origin": SITE})
    assert_error(planted, 403)
    elsewhere = "https://evil.example.net"
    for forged in (report(viewer.token), report(viewer.token, "1")):
        assert_error(await server.http.post("/sso/cookie", files=forged, headers={"Origin": elsewhere}), 403)
    assert (await server.http.get("/sso/cookie", params={"client_id": merchant.uuid})).json()["token"] == viewer.token
    # Each merchant's viewer has a cookie of their own: keeping another merchant's does not replace this one.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=server.app), base_url="http://testserver"
    ) as other_tab:
        assert (await other_tab.post("/sso/cookie", files=report(stranger.token))).status_code == 200
    assert (await server.http.get("/sso/cookie", params={"client_id": merchant.uuid})).json()["token"] == viewer.token
