"""Operations endpoints: health, readiness, metrics, API schema, and errors for unknown routes."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from tests.conftest import Server


async def test_healthz_and_readyz(server: Server) -> None:
    assert (await server.http.get("/healthz")).json()["status"] == "ok"
    ready = await server.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/missing-dir/x.db"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get("/readyz")
    await app.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_metrics_count_requests_by_route_template(server: Server) -> None:
    await server.http.get("/accounts/register-fields/some-uuid")
    text = (await server.http.get("/metrics")).text
    assert 'route="/accounts/register-fields/{merchant_uuid}"' in text
    assert "boxoffice_http_request_seconds_bucket" in text


async def test_metrics_behind_a_token_answer_only_to_it(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr("scrape-" + "t" * 24)}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        refused = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer scrape-" + "u" * 24})
        basic = await http.get("/metrics", headers={"Authorization": "Basic c2NyYXBlOnQ="})
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer scrape-" + "t" * 24})
    await app.state.engine.dispose()
    for answer in (refused, wrong, basic):
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        assert "boxoffice_" not in answer.text
    assert allowed.status_code == 200 and "boxoffice_http_requests_total" in allowed.text


async def test_openapi_lists_the_account_routes(server: Server) -> None:
    schema = (await server.http.get("/openapi.json")).json()
    for path in ("/accounts/authenticate", "/v2/accounts/profiles/{profile_id}/token", "/accounts/keys"):
        assert path in schema["paths"], path
    docs = await server.http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_unknown_route_answers_in_the_inplayer_error_shape(server: Server) -> None:
    response = await server.http.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not found"}
    wrong_method = await server.http.delete("/accounts/authenticate")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == 405
