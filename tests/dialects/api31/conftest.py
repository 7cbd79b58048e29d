"""Talking to API 3.1 as a publisher's back end does: JSON bodies, `X-Publisher-Token`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.dialects.inplayer.conftest import make_merchant
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of


@dataclass
class Api31:
    """The publisher's requests under `/3.1`, with its token."""

    http: httpx.AsyncClient
    publisher: Publisher

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Publisher-Token": self.publisher.token}

    async def request(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.http.request(
            method,
            f"/3.1{path}",
            json=body,
            headers=self.headers | {k.replace("_", "-"): v for k, v in headers.items()},
        )

    async def get(self, path: str, **headers: str) -> httpx.Response:
        return await self.request("GET", path, **headers)

    async def post(self, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.request("POST", path, body, **headers)

    async def patch(self, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.request("PATCH", path, body, **headers)

    async def put(self, path: str, body: Any = None, **headers: str) -> httpx.Response:
        return await self.request("PUT", path, body, **headers)

    async def delete(self, path: str, **headers: str) -> httpx.Response:
        return await self.request("DELETE", path, **headers)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: httpx.Response, status: int) -> str:
    """The message of a refusal, which has that status and Cleeng's `{message}` shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message"} and body["message"], body
    return str(body["message"])


@pytest.fixture
async def publisher(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server))


@pytest.fixture
def api(server: Server, publisher: Publisher) -> Api31:
    return Api31(server.http, publisher)


@pytest.fixture
async def other(server: Server) -> Api31:
    """Another publisher, whose ids are never the first's to see or change."""
    return Api31(server.http, await publisher_of(server, await make_merchant(server, "other@publisher.example.com")))
