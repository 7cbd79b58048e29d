"""A viewer's real-time notifications over a real server: `GET /v2/notifications` as Server-Sent Events and the
WebSocket at the same path, with Bearer or `?token=` auth, resuming after an event id, and only the viewer's own
events, however the app processes are spread (PostgreSQL LISTEN/NOTIFY, Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection

from boxoffice.app import create_app
from boxoffice.events import outbox
from boxoffice.kit.db import transaction
from boxoffice.kit.settings import Settings
from tests.conftest import Server, _empty_tables
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, card_form, pay
from tests.webhooks.test_notifications import on_postgres, redis_or_skip

WAIT = 20.0  # seconds a test waits for what must come
PATH = "/v2/notifications"


@contextlib.asynccontextmanager
async def live(settings: Settings, **overrides: Any) -> AsyncIterator[Server]:
    """The app under uvicorn, in this event loop, on a port of its own. The socket listens before uvicorn
    starts: a request made at once waits in its backlog until the app has started, rather than failing."""
    app = create_app(settings.model_copy(update=overrides))
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(128)
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT, trust_env=False) as http:
            yield Server(app, http, app.state.settings)
    finally:
        server.should_exit = True
        await serving
        listening.close()
        await _empty_tables(app)
        await app.state.engine.dispose()


class EventStream:
    """A Server-Sent Events response, read frame by frame as an EventSource would."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def frame(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        while True:
            line = await asyncio.wait_for(anext(self._lines), WAIT)
            if not line:
                if fields:
                    return fields
                continue
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()

    async def ready(self) -> None:
        """The stream's first frame, a keep-alive comment, says it is subscribed."""
        assert await self.frame() == {"comment": "ping"}

    async def messages(self, count: int) -> list[dict[str, Any]]:
        found = []
        while len(found) < count:
            frame = await self.frame()
            if "data" in frame:
                message = json.loads(frame["data"])
                assert frame["id"] == message["id"]
                found.append(message)
        return found


@contextlib.asynccontextmanager
async def sse(server: Server, headers: dict[str, str] | None = None, **params: str) -> AsyncIterator[EventStream]:
    async with server.http.stream("GET", PATH, headers=headers, params=params) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        await stream.ready()
        yield stream


def ws_url(server: Server, **params: str) -> str:
    return str(server.http.base_url.copy_with(scheme="ws", path=PATH, params=params))


@contextlib.asynccontextmanager
async def socket_of(server: Server, viewer: Viewer, **params: str) -> AsyncIterator[ClientConnection]:
    """Connected means subscribed: the server subscribes before it completes the handshake."""
    async with websockets.connect(ws_url(server, **params), additional_headers=viewer.auth, proxy=None) as ws:
        yield ws


async def received(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [json.loads(await asyncio.wait_for(ws.recv(), WAIT)) for _ in range(count)]


async def priced_item(server: Server, merchant: Merchant, title: str = "Cup final") -> tuple[int, int]:
    item = await add_item(server, merchant, title=title)
    fee = await add_fee(server, merchant, item["id"], description="Seven days")
    return item["id"], fee["id"]


async def buy(server: Server, viewer: Viewer, fee_id: int) -> None:
    response = await pay(server, viewer, card_form(fee_id))
    assert response.status_code == 200, response.text


def types(messages: list[dict[str, Any]]) -> list[str]:
    return [message["type"] for message in messages]


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    async with live(settings) as running:
        yield running


async def test_a_purchase_is_told_over_server_sent_events(server: Server) -> None:
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    item_id, fee_id = await priced_item(server, merchant)
    async with sse(server, viewer.auth) as stream:
        declined = await pay(server, viewer, card_form(fee_id, DECLINED))
        assert declined.status_code == 402
        await buy(server, viewer, fee_id)
        failed, paid, granted = await stream.messages(3)

    assert types([failed, paid, granted]) == ["payment.card.failed", "payment.card.success", "access.granted"]
    for message in (failed, paid, granted):
        assert str(uuid.UUID(message["id"])) == message["id"]
        assert isinstance(message["timestamp"], int)
    assert failed["resource"] | {"transaction": None} == {
        "transaction": None,
        "account_id": viewer.id,
        "item_id": item_id,
        "access_fee_id": fee_id,
        "code": 422,
        "message": "Your card was declined",
        "explain": {"422": "Your card was declined"},
        "extras": {"decline_code": "card_declined"},
        "timestamp": failed["timestamp"],
    }
    resource = paid["resource"]
    assert resource["transaction"].startswith("C-") and resource["transaction"].endswith("-SB")
    assert {k: resource[k] for k in ("item_id", "access_fee_id", "amount", "currency_iso", "status", "code")} == {
        "item_id": item_id,
        "access_fee_id": fee_id,
        "amount": "4.99",
        "currency_iso": "EUR",
        "status": "success",
        "code": 200,
    }
    assert resource["payment_method"] == "Card"
    assert resource["email"] == viewer.email and resource["customer_id"] == viewer.id
    assert resource["description"] == "Seven days" and resource["previewTitle"] == "Cup final"
    # The item access, exactly as the access check shows it.
    access = await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)
    assert access.status_code == 200
    assert granted["resource"] == access.json()


async def test_a_purchase_is_told_over_a_websocket(server: Server) -> None:
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    item_id, fee_id = await priced_item(server, merchant)
    async with socket_of(server, viewer) as ws:
        await buy(server, viewer, fee_id)
        paid, granted = await received(ws, 2)
    assert types([paid, granted]) == ["payment.card.success", "access.granted"]
    assert paid["resource"]["item_id"] == granted["resource"]["item_id"] == item_id
    assert granted["resource"]["customer_id"] == viewer.id
    assert granted["resource"]["item"]["content"] == "<p>x</p>"


async def test_a_token_in_the_query_serves_browsers(server: Server) -> None:
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    _, fee_id = await priced_item(server, merchant)
    async with (
        sse(server, token=viewer.token) as stream,
        websockets.connect(ws_url(server, token=viewer.token), proxy=None) as ws,
    ):
        await buy(server, viewer, fee_id)
        expected = ["payment.card.success", "access.granted"]
        assert types(await stream.messages(2)) == types(await received(ws, 2)) == expected


async def test_only_the_viewers_own_events_arrive(server: Server) -> None:
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    neighbour = await sign_up(server, merchant, "neighbour@example.com")
    elsewhere = await sign_up(server, await make_merchant(server, "owner@other.example.com"), "viewer@example.com")
    assert elsewhere.id != viewer.id
    _, fee_id = await priced_item(server, merchant)
    async with sse(server, viewer.auth) as stream, socket_of(server, viewer) as ws:
        await buy(server, neighbour, fee_id)
        await buy(server, viewer, fee_id)
        # The neighbour paid first: had their events leaked, they would have arrived first.
        for messages in (await stream.messages(2), await received(ws, 2)):
            assert types(messages) == ["payment.card.success", "access.granted"]
            assert {m["resource"]["customer_id"] for m in messages} == {viewer.id}


async def test_a_stream_resumes_after_the_last_event_it_saw_exactly_once(server: Server) -> None:
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    fees = [(await priced_item(server, merchant, f"Match {n}"))[1] for n in range(4)]
    async with sse(server, viewer.auth) as stream:
        await buy(server, viewer, fees[0])
        seen, _ = await stream.messages(2)  # the app stops after the payment, before access.granted
    await buy(server, viewer, fees[1])  # while no stream was open

    async with sse(server, viewer.auth | {"Last-Event-ID": seen["id"]}) as stream:
        missed = await stream.messages(3)
        await buy(server, viewer, fees[2])
        live_ones = await stream.messages(2)
    assert types(missed + live_ones) == ["access.granted"] + ["payment.card.success", "access.granted"] * 2
    ids = [m["id"] for m in missed + live_ones]
    assert len(set(ids)) == len(ids) and seen["id"] not in ids

    # A WebSocket resumes with `?since=`; `?since=` works for an EventSource too.
    await buy(server, viewer, fees[3])
    async with socket_of(server, viewer, since=ids[-1]) as ws, sse(server, viewer.auth, since=ids[-1]) as stream:
        over_socket, over_sse = await received(ws, 2), await stream.messages(2)
    assert over_socket == over_sse
    assert types(over_socket) == ["payment.card.success", "access.granted"]
    assert not {m["id"] for m in over_socket} & set(ids)


async def test_who_may_listen(server: Server) -> None:
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    other = await sign_up(server, merchant, "other@example.com")
    _, fee_id = await priced_item(server, merchant)
    async with sse(server, other.auth) as stream:
        await buy(server, other, fee_id)
        others_event = (await stream.messages(1))[0]["id"]

    refusals = [
        ({}, {}, 401, ()),
        ({"Authorization": "Bearer not-a-token"}, {}, 401, ()),
        ({}, {"token": "not-a-token"}, 401, ()),
        (merchant.auth, {}, 403, ()),
        (viewer.auth, {"since": str(uuid.uuid4())}, 422, ("since",)),
        (viewer.auth, {"since": others_event}, 422, ("since",)),
        (viewer.auth | {"Last-Event-ID": "not-an-id"}, {}, 422, ("since",)),
    ]
    for headers, params, status, fields in refusals:
        assert_error(await server.http.get(PATH, headers=headers, params=params), status, *fields)

    socket_refusals = [
        ({}, {}, 4401),
        ({}, {"token": "not-a-token"}, 4401),
        (merchant.auth, {}, 4403),
        (viewer.auth, {"since": others_event}, 4422),
    ]
    for headers, params, code in socket_refusals:
        async with websockets.connect(ws_url(server, **params), additional_headers=headers, proxy=None) as ws:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), WAIT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code


async def test_events_committed_in_another_process_arrive_over_postgres(
    server: Server, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Two app processes on one database (each its own engine, hub and LISTEN connection), and a commit made
    through a third engine: LISTEN/NOTIFY carries each to the process holding the stream."""
    if not on_postgres(server.settings):
        pytest.skip("SQLite serves one process")
    merchant = await make_merchant(server)
    viewer = await sign_up(server, merchant)
    _, fee_id = await priced_item(server, merchant)
    async with live(server.settings) as other_process, sse(server, viewer.auth) as stream:
        assert other_process.app.state.notifications.hub is not server.app.state.notifications.hub
        await buy(other_process, viewer, fee_id)
        assert types(await stream.messages(2)) == ["payment.card.success", "access.granted"]
        async with transaction(sessions) as session:
            await outbox.record(session, outbox.DomainEvent(merchant.id, "account.logout", viewer.id, {"reason": "x"}))
        (logout,) = await stream.messages(1)
    assert logout["type"] == "account.logout" and logout["resource"] == {"reason": "x"}


async def test_over_redis(settings: Settings) -> None:
    async with live(settings, redis_url=await redis_or_skip()) as server:
        merchant = await make_merchant(server)
        viewer = await sign_up(server, merchant)
        _, fee_id = await priced_item(server, merchant)
        async with sse(server, viewer.auth) as stream, socket_of(server, viewer) as ws:
            await buy(server, viewer, fee_id)
            expected = ["payment.card.success", "access.granted"]
            assert types(await stream.messages(2)) == types(await received(ws, 2)) == expected
