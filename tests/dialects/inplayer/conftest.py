"""Helpers for talking to the InPlayer dialect the way its SDK does: form bodies, Bearer tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import Server
from tests.gateways.fake_stripe import FakeStripe


@dataclass
class Merchant:
    uuid: str
    token: str
    secret: str
    email: str
    id: int

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

    @property
    def id(self) -> int:
        return int(self.account["id"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_merchant(server: Server, email: str = "owner@publisher.example.com") -> Merchant:
    response = await server.http.post(
        "/accounts",
        data={
            "type": "merchant",
            "full_name": "Publisher",
            "email": email,
            "password": "merchant-pass-1",
            "password_confirmation": "merchant-pass-1",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    keys = await server.http.get("/accounts/keys", headers=bearer(body["access_token"]))
    assert keys.status_code == 200, keys.text
    account = body["account"]
    return Merchant(account["uuid"], body["access_token"], keys.json()["secret"], email, account["id"])


def sign_up_form(
    merchant: Merchant, email: str = "viewer@example.com", password: str = "viewer-pass-1", **extra: str
) -> dict[str, str]:
    """The form the SDK's `signUp` sends."""
    return {
        "full_name": "Vera Viewer",
        "username": email,
        "password": password,
        "password_confirmation": password,
        "client_id": merchant.uuid,
        "type": "consumer",
        "grant_type": "password",
        "referrer": "https://app.test/",
        **extra,
    }


async def sign_up(
    server: Server,
    merchant: Merchant,
    email: str = "viewer@example.com",
    password: str = "viewer-pass-1",
    **extra: str,
) -> Viewer:
    response = await server.http.post("/accounts", data=sign_up_form(merchant, email, password, **extra))
    assert response.status_code == 200, response.text
    body = response.json()
    return Viewer(email, password, body["access_token"], body["refresh_token"], body["account"])


async def sign_in(server: Server, merchant: Merchant, email: str, password: str) -> httpx.Response:
    return await server.http.post(
        "/accounts/authenticate",
        data={
            "client_id": merchant.uuid,
            "grant_type": "password",
            "username": email,
            "password": password,
        },
    )


async def add_register_field(server: Server, merchant: Merchant, **fields: str) -> dict[str, Any]:
    response = await server.http.post("/accounts/register-fields", headers=merchant.auth, data=fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_error(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """The dialect's error envelope: `{code, message}` plus `errors` naming exactly `fields` when given."""
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["code"] == status
    assert isinstance(body["message"], str) and body["message"]
    if fields:
        assert set(body["errors"]) == set(fields), body
        assert all(isinstance(m, str) and m for m in body["errors"].values())
    return body


async def count_rows(server: Server, model: Any, merchant_id: int, *where: Any) -> int:
    """Rows of a tenant-owned table belonging to one merchant, counted straight from the database."""
    async with server.app.state.sessions() as session:
        query = select(func.count()).select_from(model).where(model.merchant_id == merchant_id, *where)
        return int(await session.scalar(query) or 0)


async def fetch_rows(server: Server, model: Any, merchant_id: int, *where: Any) -> list[Any]:
    """The rows in the order they were written (PostgreSQL returns updated rows in no particular order)."""
    async with server.app.state.sessions() as session:
        found = await session.scalars(select(model).where(model.merchant_id == merchant_id, *where).order_by(model.id))
        return list(found.all())


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None, "the e-mail has no text part"
    return str(part.get_content())


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


@pytest.fixture
async def viewer(server: Server, merchant: Merchant) -> Viewer:
    return await sign_up(server, merchant)


@pytest.fixture
def stripe() -> Iterator[FakeStripe]:
    """A local server speaking Stripe's API, for the tests that point a merchant's gateway at it."""
    with FakeStripe() as fake:
        yield fake
