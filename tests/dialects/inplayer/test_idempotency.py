"""`Idempotency-Key` on every write: the same request is answered once and replayed, a different one is refused."""

from __future__ import annotations

import asyncio

import httpx

from boxoffice.catalog.models import Product
from boxoffice.kit import clock
from boxoffice.kit.idempotency import KEEP_FOR
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, assert_error, count_rows, make_merchant

FORM = {"item_type": "html_asset", "title": "Cup final", "access_control_type_id": "1", "content": "<p>x</p>"}


async def create(server: Server, merchant: Merchant, key: str, **change: str) -> httpx.Response:
    headers = merchant.auth | {"Idempotency-Key": key}
    return await server.http.post("/v2/items", headers=headers, data=FORM | change)


async def test_the_same_request_is_answered_once_and_replayed(server: Server, merchant: Merchant) -> None:
    first = await create(server, merchant, "item-1")
    again = await create(server, merchant, "item-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert await count_rows(server, Product, merchant.id) == 1
    # Without a key, or with another, each request runs.
    assert (await server.http.post("/v2/items", headers=merchant.auth, data=FORM)).status_code == 201
    assert (await create(server, merchant, "item-2")).json()["id"] != first.json()["id"]
    assert await count_rows(server, Product, merchant.id) == 3


async def test_a_key_reused_for_another_request_is_a_conflict(server: Server, merchant: Merchant) -> None:
    assert (await create(server, merchant, "item-1")).status_code == 201
    assert_error(await create(server, merchant, "item-1", title="Another film"), 409)
    item_id = (await create(server, merchant, "item-1")).json()["id"]
    assert_error(
        await server.http.put(
            f"/v2/items/{item_id}", headers=merchant.auth | {"Idempotency-Key": "item-1"}, data={"title": "x"}
        ),
        409,
    )
    assert await count_rows(server, Product, merchant.id) == 1


async def test_keys_belong_to_their_caller(server: Server, merchant: Merchant) -> None:
    rival = await make_merchant(server, "owner@rival.example.com")
    mine, theirs = await create(server, merchant, "item-1"), await create(server, rival, "item-1")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["merchant_id"] != theirs.json()["merchant_id"]


async def test_a_refusal_is_replayed_too_and_writes_nothing(server: Server, merchant: Merchant) -> None:
    refused = await create(server, merchant, "bad-1", title="")
    assert_error(refused, 422, "title")
    again = await create(server, merchant, "bad-1", title="")
    assert again.json() == refused.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await count_rows(server, Product, merchant.id) == 0


async def test_a_key_is_kept_for_a_day(server: Server, merchant: Merchant, frozen: clock.FrozenClock) -> None:
    first = await create(server, merchant, "item-1")
    frozen.advance(seconds=KEEP_FOR.total_seconds() - 1)
    assert (await create(server, merchant, "item-1")).json()["id"] == first.json()["id"]
    frozen.advance(seconds=2)
    later = await create(server, merchant, "item-1")
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in later.headers


async def test_the_same_key_sent_at_once_runs_once(server: Server, merchant: Merchant) -> None:
    answers = await asyncio.gather(*(create(server, merchant, "item-1") for _ in range(10)))
    assert {a.status_code for a in answers} <= {201, 409}
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert await count_rows(server, Product, merchant.id) == 1


async def test_a_key_that_is_not_one_is_refused(server: Server, merchant: Merchant) -> None:
    for key in ("", " ", "k" * 256, "tab\there"):
        assert_error(await create(server, merchant, key), 422, "idempotency_key")
    assert await count_rows(server, Product, merchant.id) == 0
