"""CORS for pages that call MediaStore from a browser: allowed for the origins a merchant lists, with the
headers the SDK sends; other origins get no CORS headers, so the browser refuses them."""

from __future__ import annotations

import pytest

from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import assert_error
from tests.dialects.mediastore.conftest import Publisher, log_in

APP = "https://app.example.com"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"cors_cache_seconds": 0.0})


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-requested-by",
    }


async def test_only_the_merchants_origins_may_call_from_a_browser(server: Server, publisher: Publisher) -> None:
    before = await server.http.options("/mediastore/auths", headers=preflight(APP))
    assert before.status_code == 403 and "access-control-allow-origin" not in before.headers
    listed = await server.http.put(
        "/v2/allowed-origins",
        headers=publisher.merchant.auth,
        data={"origins[0]": APP + "/", "origins[1]": "http://localhost:5173"},
    )
    assert listed.status_code == 200 and listed.json() == {"origins": ["http://localhost:5173", APP]}  # sorted
    allowed = await server.http.options("/mediastore/auths", headers=preflight(APP))
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == APP
    asked = {h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-requested-by"} <= asked
    assert "PATCH" in allowed.headers["access-control-allow-methods"]
    other = await server.http.options("/mediastore/auths", headers=preflight("https://evil.example"))
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    # The request itself carries the header for an allowed origin, refused or not.
    answered = await log_in(server, publisher, "nobody@example.com")
    assert "access-control-allow-origin" not in answered.headers  # no Origin sent: not a browser
    from_page = await server.http.post(
        "/mediastore/auths",
        json={"email": "nobody@example.com", "password": "x", "publisherId": publisher.id},
        headers={"Origin": APP},
    )
    assert from_page.status_code == 401 and from_page.headers["access-control-allow-origin"] == APP
    # Paths of no API are not opened by it.
    health = await server.http.get("/healthz", headers={"Origin": APP})
    assert "access-control-allow-origin" not in health.headers


async def test_origins_must_be_bare_scheme_host_and_port(server: Server, publisher: Publisher) -> None:
    for origin in ("app.example.com", "https://app.example.com/path", "ftp://files.example.com", "javascript:alert(1)"):
        response = await server.http.put(
            "/v2/allowed-origins", headers=publisher.merchant.auth, data={"origins[0]": origin}
        )
        assert_error(response, 422, "origins")
    assert (await server.http.get("/v2/allowed-origins", headers=publisher.merchant.auth)).json() == {"origins": []}
