"""Talking to the MediaStore dialect as Cleeng's SDK does: JSON bodies, Bearer JWTs, paths under /mediastore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant

PASSWORD = "viewer-pass-1"


@dataclass
class Publisher:
    merchant: Merchant
    id: int  # publisherId


@dataclass
class Customer:
    email: str
    jwt: str
    refresh_token: str
    id: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt}"}


async def call(server: Server, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return await server.http.request(method, "/mediastore" + path, json=body, **kwargs)


def data(response: httpx.Response, status: int = 200) -> Any:
    """The envelope of a success: `responseData`, with an empty `errors`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errors"] == [], body
    return body["responseData"]


def refused(response: httpx.Response, status: int, code: str | None = None, text: str | None = None) -> str:
    """The envelope of a refusal: the status, a non-empty `errors`, the SDK's `code` where it has one."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"responseData", "errors"}, body
    assert body["errors"] and all(isinstance(e, str) and e for e in body["errors"]), body
    if code is not None:
        assert body.get("code") == code, body
    if text is not None:
        assert text in body["errors"][0], body
    return str(body["errors"][0])


def claims(token: str) -> dict[str, Any]:
    """What a client reads from a JWT: it decodes without checking the signature."""
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


async def publisher_of(server: Server, merchant: Merchant) -> Publisher:
    keys = await server.http.get("/accounts/keys", headers=merchant.auth)
    assert keys.status_code == 200, keys.text
    return Publisher(merchant, int(keys.json()["publisher_id"]))


async def register(server: Server, publisher: Publisher, email: str = "viewer@example.com", **extra: Any) -> Customer:
    body = {"email": email, "password": PASSWORD, "publisherId": publisher.id, "locale": "en_US"} | extra
    made = data(await call(server, "POST", "/customers", body))
    return Customer(email, made["jwt"], made["refreshToken"], int(made["customerId"]))


async def log_in(server: Server, publisher: Publisher, email: str, password: str = PASSWORD) -> httpx.Response:
    return await call(server, "POST", "/auths", {"email": email, "password": password, "publisherId": publisher.id})


@pytest.fixture
async def publisher(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server))


@pytest.fixture
async def customer(server: Server, publisher: Publisher) -> Customer:
    return await register(server, publisher)
