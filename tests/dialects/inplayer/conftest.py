"""Helpers for talking to the InPlayer dialect the way its SDK does: form bodies, Bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Server


@dataclass
class Merchant:
    uuid: str
    token: str
    secret: str
    email: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Viewer:
    email: str
    password: str
    token: str
    refresh_token: str
    account: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_merchant(server: Server, email: str = "owner@publisher.example.com") -> Merchant:
    response = await server.http.post("/accounts", data={
        "type": "merchant", "full_name": "Publisher", "email": email,
        "password": "merchant-pass-1", "password_confirmation": "merchant-pass-1",
    })
    assert response.status_code == 200, response.text
    body = response.json()
    keys = await server.http.get("/accounts/keys", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert keys.status_code == 200, keys.text
    return Merchant(body["account"]["uuid"], body["access_token"], keys.json()["secret"], email)


async def sign_up(server: Server, merchant: Merchant, email: str = "viewer@example.com",
                  password: str = "viewer-pass-1", **extra: str) -> Viewer:
    response = await server.http.post("/accounts", data={
        "full_name": "Vera Viewer", "username": email, "password": password, "password_confirmation": password,
        "client_id": merchant.uuid, "type": "consumer", "grant_type": "password", "referrer": "https://app.test/",
        **extra,
    })
    assert response.status_code == 200, response.text
    body = response.json()
    return Viewer(email, password, body["access_token"], body["refresh_token"], body["account"])


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


@pytest.fixture
async def viewer(server: Server, merchant: Merchant) -> Viewer:
    return await sign_up(server, merchant)
