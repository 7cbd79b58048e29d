"""Talking to the JSON-RPC dialect as Cleeng's back-end SDKs do, with a merchant's publisher token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant
from tests.dialects.jsonrpc.client import JsonRpc

PASSWORD = "viewer-pass-1"


@dataclass
class Publisher:
    merchant: Merchant
    id: int  # publisherId
    token: str  # publisherToken


async def publisher_of(server: Server, merchant: Merchant) -> Publisher:
    keys = await server.http.get("/accounts/keys", headers=merchant.auth)
    assert keys.status_code == 200, keys.text
    body = keys.json()
    return Publisher(merchant, int(body["publisher_id"]), body["publisher_token"])


@pytest.fixture
def rpc(server: Server) -> JsonRpc:
    return JsonRpc(server.http)


@pytest.fixture
async def publisher(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server))


async def customer_token(rpc: JsonRpc, publisher: Publisher, email: str) -> str:
    """A customer token for an existing customer, as a publisher's back end gets one."""
    result = await rpc.call("generateCustomerToken", publisherToken=publisher.token, customerEmail=email)
    token = result["token"]
    assert isinstance(token, str) and token
    return token
