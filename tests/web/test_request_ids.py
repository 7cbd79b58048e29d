"""Every answer names its request in `X-Request-Id`, and every log line written while answering it carries the same
id. A proxy listed in `BOXOFFICE_TRUSTED_PROXIES` may give the id; anyone else's header is ignored."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

import httpx
import structlog

from boxoffice.app import create_app
from boxoffice.kit import logs
from boxoffice.kit.settings import Settings
from tests.conftest import Server

PROXY = "203.0.113.7"  # the address the test client connects from


async def _answers(settings: Settings, client: str, *headers: dict[str, str]) -> list[httpx.Response]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=(client, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answers = [await http.get("/healthz", headers=each) for each in headers]
    await app.state.engine.dispose()
    return answers


async def test_every_answer_has_an_id_of_its_own_whoever_asks(server: Server) -> None:
    answers = [
        await server.http.get("/healthz"),
        await server.http.get("/healthz"),
        await server.http.get("/no/such/route"),
        # The access check, answered before the framework.
        await server.http.get("/items/5/access", headers={"Authorization": "Bearer junk"}),
        await server.http.get("/healthz", headers={"X-Request-Id": "chosen-by-the-client"}),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 404, 401, 200]
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert len(set(ids)) == len(ids) and all(ids)
    assert "chosen-by-the-client" not in ids  # no proxy is trusted


async def test_a_trusted_proxy_gives_the_id_and_no_one_else_does(settings: Settings) -> None:
    trusting = settings.model_copy(update={"trusted_proxies": [ip_network("203.0.113.0/24")]})
    given = {"X-Request-Id": "4bf92f3577b34da6a3ce929d0e0e4736"}
    unsafe = [{"X-Request-Id": "two words"}, {"X-Request-Id": "x" * 129}, {"X-Request-Id": "a\tb"}, {}]
    from_proxy = await _answers(trusting, PROXY, given, *unsafe)
    assert from_proxy[0].headers["x-request-id"] == given["X-Request-Id"]
    made = [answer.headers["x-request-id"] for answer in from_proxy[1:]]
    assert len(set(made)) == len(made) and not {"two words", "x" * 129, "a\tb"} & set(made)
    [from_elsewhere] = await _answers(trusting, "198.51.100.9", given)
    assert from_elsewhere.headers["x-request-id"] != given["X-Request-Id"]


async def test_the_lines_logged_while_answering_carry_the_requests_id(tmp_path: Path) -> None:
    # A database that can't be reached: `/readyz` logs why it answers 503.
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/missing-dir/x.db"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        with structlog.testing.capture_logs(processors=[logs.add_request_id]) as logged:
            answer = await http.get("/readyz")
        with structlog.testing.capture_logs(processors=[logs.add_request_id]) as after:
            structlog.get_logger("test").info("outside.a_request")
    await app.state.engine.dispose()
    assert answer.status_code == 503
    [line] = [line for line in logged if line["event"] == "readyz.database_unreachable"]
    assert line["request_id"] == answer.headers["x-request-id"]
    assert "request_id" not in after[0]
