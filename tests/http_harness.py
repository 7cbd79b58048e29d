"""The app under test with settings of the test's choosing, reached from any client address.

`async with serve(settings, auth_rate_per_ip="3/60") as server:` gives an app with one merchant and two
viewers (VIEWERS, password PASSWORD), signed up from SIGNUP_IP. A context manager rather than a fixture, so
that each test picks its own settings; the tables it wrote are emptied when the block ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from boxoffice.app import create_app
from boxoffice.kit.settings import Settings
from tests.conftest import _empty_tables

SIGNUP_IP = "198.51.100.250"
VIEWERS = ("viewer@example.com", "other@example.com")
PASSWORD = "viewer-pass-1"


@dataclass
class Harness:
    app: Any
    stack: AsyncExitStack
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    merchant_uuid: str = ""

    async def client(self, ip: str) -> httpx.AsyncClient:
        """A client whose requests arrive from `ip` (the ASGI peer address)."""
        if ip not in self.clients:
            transport = httpx.ASGITransport(app=self.app, client=(ip, 40000))
            self.clients[ip] = await self.stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )
        return self.clients[ip]

    async def login(self, ip: str, username: str, password: str = PASSWORD, headers: Any = None) -> httpx.Response:
        client = await self.client(ip)
        form = {
            "client_id": self.merchant_uuid,
            "grant_type": "password",
            "username": username,
            "password": password,
        }
        return await client.post("/accounts/authenticate", data=form, headers=headers)

    async def forgot(self, ip: str, email: str) -> httpx.Response:
        client = await self.client(ip)
        form = {"email": email, "merchant_uuid": self.merchant_uuid}
        return await client.post("/accounts/forgot-password", data=form)


@asynccontextmanager
async def serve(settings: Settings, **overrides: Any) -> AsyncIterator[Harness]:
    app = create_app(settings.model_copy(update={"smtp_url": None, **overrides}))
    async with AsyncExitStack() as stack:
        harness = Harness(app, stack)
        try:
            signup = await harness.client(SIGNUP_IP)
            merchant = await signup.post(
                "/accounts",
                data={
                    "type": "merchant",
                    "full_name": "Publisher",
                    "email": "owner@harness.example.com",
                    "password": "merchant-pass-1",
                    "password_confirmation": "merchant-pass-1",
                },
            )
            assert merchant.status_code == 200, merchant.text
            harness.merchant_uuid = merchant.json()["account"]["uuid"]
            for email in VIEWERS:
                viewer = await signup.post(
                    "/accounts",
                    data={
                        "full_name": "Vera Viewer",
                        "username": email,
                        "password": PASSWORD,
                        "password_confirmation": PASSWORD,
                        "client_id": harness.merchant_uuid,
                        "type": "consumer",
                        "grant_type": "password",
                    },
                )
                assert viewer.status_code == 200, viewer.text
            yield harness
        finally:
            await _empty_tables(app)
            await app.state.engine.dispose()
