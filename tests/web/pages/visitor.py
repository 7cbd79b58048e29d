"""A browser's visit to the hosted pages over HTTP, in process: it keeps the cookies the pages set, reads the
form token of the page it is on, and posts forms with it."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "viewer pass 12"


class Visitor:
    def __init__(self, server: Server, merchant: Merchant) -> None:
        self.server, self.merchant = server, merchant
        self.http = server.http
        self.token = ""

    def path(self, page: str) -> str:
        return f"/pages/{self.merchant.uuid}/{page}"

    async def get(self, page: str, **options: object) -> httpx.Response:
        response = await self.http.get(self.path(page), **options)  # type: ignore[arg-type]
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    async def post(self, page: str, fields: dict[str, str]) -> httpx.Response:
        if not self.token:
            await self.get("sign-in")
        return await self.http.post(self.path(page), data={"csrf_token": self.token} | fields)

    async def sign_up(self, email: str = "vera@example.com") -> httpx.Response:
        await self.get("sign-up")
        fields = {"full_name": "Vera Viewer", "email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
        response = await self.post("sign-up", fields)
        assert response.status_code == 303, response.text
        return response
