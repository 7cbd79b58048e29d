"""CORS on the InPlayer API, as browsers use it: pre-flights answered, public calls open to any page, calls that
carry a viewer's or merchant's token open only to the origins a merchant lists, the hot access check included."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer, add_register_field
from tests.dialects.inplayer.test_access import add_product, grant

APP = "https://app.example.com"
ELSEWHERE = "https://elsewhere.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"cors_cache_seconds": 0.0})


def preflight(origin: str, method: str = "GET", headers: str = "") -> dict[str, str]:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    return asked | ({"Access-Control-Request-Headers": headers} if headers else {})


async def list_origin(server: Server, merchant: Merchant, origin: str) -> None:
    listed = await server.http.put("/v2/allowed-origins", headers=merchant.auth, data={"origins[0]": origin})
    assert listed.status_code == 200, listed.text


async def test_public_calls_are_open_to_every_page(server: Server, merchant: Merchant) -> None:
    await add_register_field(server, merchant, name="terms", label="I accept", type="checkbox")
    fields = f"/accounts/register-fields/{merchant.uuid}"
    asked = await server.http.options(fields, headers=preflight(ELSEWHERE, headers="content-type"))
    assert asked.status_code == 204, asked.text
    assert asked.headers["access-control-allow-origin"] == "*"
    assert "GET" in asked.headers["access-control-allow-methods"]
    assert asked.headers["access-control-allow-headers"] == "content-type"
    read = await server.http.get(fields, headers={"Origin": ELSEWHERE})
    assert read.status_code == 200 and read.headers["access-control-allow-origin"] == "*"
    item = await add_item(server, merchant)
    await add_fee(server, merchant, item["id"])
    fees = await server.http.get(f"/items/{item['id']}/access-fees", headers={"Origin": ELSEWHERE})
    assert fees.status_code == 200 and fees.headers["access-control-allow-origin"] == "*"
    # A refusal is readable too, so that the page can show why.
    wrong = {"client_id": merchant.uuid, "grant_type": "password", "username": "nobody@example.com", "password": "x"}
    refused = await server.http.post("/accounts/authenticate", data=wrong, headers={"Origin": ELSEWHERE})
    assert refused.status_code >= 400 and refused.headers["access-control-allow-origin"] == "*"
    # Without an Origin it is no browser's call: nothing is added.
    assert "access-control-allow-origin" not in (await server.http.get(fields)).headers


async def test_calls_with_a_token_are_open_only_to_listed_origins(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    account = "/accounts"
    before = await server.http.options(account, headers=preflight(APP, headers="authorization"))
    assert before.status_code == 403 and "access-control-allow-origin" not in before.headers
    unlisted = await server.http.get(account, headers=viewer.auth | {"Origin": APP})
    assert unlisted.status_code == 200 and "access-control-allow-origin" not in unlisted.headers
    await list_origin(server, merchant, APP)
    asked = await server.http.options(account, headers=preflight(APP, "PUT", "Authorization, Content-Type"))
    assert asked.status_code == 204
    assert asked.headers["access-control-allow-origin"] == APP and "Origin" in asked.headers["vary"]
    allowed = {h.strip().lower() for h in asked.headers["access-control-allow-headers"].split(",")}
    assert allowed == {"authorization", "content-type"} and "PUT" in asked.headers["access-control-allow-methods"]
    read = await server.http.get(account, headers=viewer.auth | {"Origin": APP})
    assert read.status_code == 200 and read.headers["access-control-allow-origin"] == APP
    other = await server.http.options(account, headers=preflight(ELSEWHERE, headers="authorization"))
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    merchants = await server.http.get("/v2/allowed-origins", headers=merchant.auth | {"Origin": ELSEWHERE})
    assert merchants.status_code == 200 and "access-control-allow-origin" not in merchants.headers


async def test_the_hot_access_check_carries_cors_too(
    server: Server, merchant: Merchant, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    await list_origin(server, merchant, APP)
    fast = server.app.fast_access
    answered: list[bool] = []
    handle = fast.handle

    async def watched(scope: Scope, receive: Receive, send: Send) -> bool:
        answered.append(await handle(scope, receive, send))
        return answered[-1]

    monkeypatch.setattr(fast, "handle", watched)
    url = f"/items/{film.id}/access"
    asked = await server.http.options(url, headers=preflight(APP, headers="authorization"))
    assert asked.status_code == 204 and asked.headers["access-control-allow-origin"] == APP
    checks: list[Any] = [
        await server.http.get(url, headers=viewer.auth | {"Origin": APP}),
        await server.http.get(url, headers=viewer.auth | {"Origin": APP}),  # the remembered verdict
        await server.http.get(f"/items/{film.id + 1000}/access", headers=viewer.auth | {"Origin": APP}),
    ]
    assert [check.status_code for check in checks] == [200, 200, 404]
    assert answered == [True, True, True]
    assert [check.headers.get("access-control-allow-origin") for check in checks] == [APP, APP, APP]
    elsewhere = await server.http.get(url, headers=viewer.auth | {"Origin": ELSEWHERE})
    assert elsewhere.status_code == 200 and "access-control-allow-origin" not in elsewhere.headers


async def test_neither_dialect_opens_other_paths(server: Server) -> None:
    health = await server.http.get("/healthz", headers={"Origin": ELSEWHERE})
    assert health.status_code == 200 and "access-control-allow-origin" not in health.headers
    unknown = await server.http.options("/no/such/path", headers=preflight(ELSEWHERE))
    assert "access-control-allow-origin" not in unknown.headers
