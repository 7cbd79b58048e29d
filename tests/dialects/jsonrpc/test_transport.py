"""The wire format Cleeng's clients depend on: the three paths, batches and single calls, ids echoed as sent, the
body read as JSON whatever its Content-Type, HTTP 200 for every reply, and a batch's calls kept or undone alone."""

from __future__ import annotations

import json

import pytest

from boxoffice.identity.models import Customer
from tests.conftest import Server
from tests.dialects.inplayer.conftest import count_rows, make_merchant, sign_up
from tests.dialects.jsonrpc.client import FORM, JsonRpc, RpcError
from tests.dialects.jsonrpc.conftest import Publisher, customer_token, publisher_of


@pytest.mark.parametrize("path", ["/3.0/json-rpc", "/api/3.0/json-rpc", "/jsonrpc"])
async def test_each_of_cleengs_paths_answers(server: Server, publisher: Publisher, path: str) -> None:
    viewer = await sign_up(server, publisher.merchant)
    rpc = JsonRpc(server.http, path)
    token = await customer_token(rpc, publisher, viewer.email)
    assert (await rpc.call("getCustomer", customerToken=token))["email"] == viewer.email


async def test_a_batch_is_answered_in_order_with_each_id_and_its_own_outcome(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    given = {"publisherToken": publisher.token}
    answers = await rpc.batch(
        ("generateCustomerToken", given | {"customerEmail": viewer.email}),
        ("generateCustomerToken", given | {"customerEmail": "nobody@example.com"}),
        ("generateCustomerToken", {"publisherToken": "not-a-token", "customerEmail": viewer.email}),
        ("noSuchMethod", {}),
    )
    first, unknown, bad_token, no_method = answers
    assert isinstance(first, dict) and first["token"]
    assert isinstance(unknown, RpcError) and unknown.code == 10
    assert isinstance(bad_token, RpcError) and bad_token.code == 3
    assert isinstance(no_method, RpcError) and no_method.code == -32601


async def test_ids_are_echoed_as_sent_and_jsonrpc_may_be_missing(server: Server, publisher: Publisher) -> None:
    viewer = await sign_up(server, publisher.merchant)
    params = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    body = [
        {"method": "generateCustomerToken", "params": params, "id": 7},
        {"method": "generateCustomerToken", "params": params, "id": "a-guid-like-id", "json-rpc": "2.0"},
    ]
    response = await server.http.post("/3.0/json-rpc", content=json.dumps(body), headers=FORM)
    assert response.status_code == 200
    replies = response.json()
    assert [reply["id"] for reply in replies] == [7, "a-guid-like-id"]
    assert all(reply["error"] is None and reply["result"]["token"] for reply in replies)
    single = await server.http.post("/jsonrpc", content=json.dumps(body[1]), headers=FORM)
    assert single.status_code == 200 and single.json()["id"] == "a-guid-like-id"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", -32700),
        (b"\xff\xfe", -32700),
        (b"[]", -32600),
        (json.dumps([{"method": "getCustomer", "params": {}, "id": n} for n in range(26)]).encode(), -32600),
        (b'"just a string"', -32600),
        (b"[" * 100_000 + b"]" * 100_000, -32700),  # nested deeper than the parser goes
        (b'{"method": 5, "params": {}, "id": 1}', -32600),
        (b'{"method": "getCustomer", "params": [1, 2], "id": 1}', -32600),
        (b'{"method": "getCustomer", "params": {}, "id": {"an": "object"}}', -32600),
    ],
)
async def test_what_is_no_call_is_refused_with_http_200(server: Server, body: bytes, code: int) -> None:
    response = await server.http.post("/3.0/json-rpc", content=body, headers=FORM)
    assert response.status_code == 200
    reply = response.json()
    assert reply["error"]["code"] == code and reply["error"]["message"], reply


async def test_a_refused_call_writes_nothing_while_its_neighbours_are_kept(
    server: Server, rpc: JsonRpc, publisher: Publisher
) -> None:
    viewer = await sign_up(server, publisher.merchant)
    merchant_id = publisher.merchant.id
    before = await count_rows(server, Customer, merchant_id)
    given = {"publisherToken": publisher.token, "customerEmail": viewer.email}
    answers = await rpc.batch(("generateCustomerToken", given), ("getCustomer", {"customerToken": "forged"}))
    assert isinstance(answers[0], dict) and isinstance(answers[1], RpcError) and answers[1].code == 1
    token = answers[0]["token"]
    assert (await rpc.call("getCustomer", customerToken=token))["email"] == viewer.email
    assert await count_rows(server, Customer, merchant_id) == before


async def test_a_customer_token_is_the_publishers_own(server: Server, rpc: JsonRpc, publisher: Publisher) -> None:
    viewer = await sign_up(server, publisher.merchant)
    token = await customer_token(rpc, publisher, viewer.email)
    other = await publisher_of(server, await make_merchant(server, "rival@publisher.example.com"))
    # Another publisher's token beside this customer's names neither's customer.
    await rpc.refused(1, "getCustomer", customerToken=token, publisherToken=other.token)
    # Nor does a customer of another publisher answer to this one's e-mail look-up.
    await rpc.refused(10, "generateCustomerToken", publisherToken=other.token, customerEmail=viewer.email)


async def test_bad_params_are_invalid_arguments(rpc: JsonRpc, publisher: Publisher) -> None:
    message = await rpc.refused(11, "generateCustomerToken", publisherToken=publisher.token, customerEmail=["a"])
    assert "customerEmail" in message
    await rpc.refused(11, "generateCustomerToken", publisherToken=publisher.token)
    await rpc.refused(3, "generateCustomerToken", publisherToken=12345, customerEmail="a@example.com")
