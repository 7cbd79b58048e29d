"""The access check's hot path: what it remembers of an earlier check, and what it asks of every request again."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from boxoffice.access.models import ContentRequest
from boxoffice.app import create_app
from boxoffice.dialects.inplayer.fast_access import item_id_of
from boxoffice.kit import clock
from tests import sent
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, fetch_rows, sign_up
from tests.dialects.inplayer.test_access import add_product, grant


@pytest.mark.parametrize(
    ("path", "item_id"),
    [
        ("/items/12/access", 12),
        ("/items/999999999999999999/access", 999_999_999_999_999_999),
        ("/items/0/access", None),
        ("/items/012/access", None),
        ("/items//access", None),
        ("/items/1x/access", None),
        ("/items/-1/access", None),
        ("/items/\u0661\u0662/access", None),  # digits, but not ASCII ones
        ("/items/1000000000000000000/access", None),  # 19 digits: beyond any id
        ("/items/12/access/", None),
        ("/items/12/access/cloudfront", None),
        ("/v2/items/12/access", None),
    ],
)
def test_which_paths_are_access_checks(path: str, item_id: int | None) -> None:
    assert item_id_of(path) == item_id


async def test_every_remembered_grant_is_logged_with_its_own_request(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    url = f"/items/{film.id}/access"
    pages = ["https://a.example.com/1", "https://b.example.com/2", "https://c.example.com/3"]
    bodies = []
    for page in pages:
        answer = await server.http.get(url, headers=viewer.auth | {"Referer": page})
        assert answer.status_code == 200
        bodies.append(answer.json())
    assert bodies[0] == bodies[1] == bodies[2]
    assert await server.app.state.content_log.flush(server.app.state.sessions) == 3
    logged = sorted(await fetch_rows(server, ContentRequest, merchant.id), key=lambda row: row.id)
    assert [(row.outcome, row.referrer, row.product_id) for row in logged] == [
        ("granted", page, film.id) for page in pages
    ]


async def test_a_remembered_viewer_whose_session_ran_out_is_signed_out(
    server: Server,
    merchant: Merchant,
    viewer: Viewer,
    frozen: clock.FrozenClock,
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id, days=365)
    url = f"/items/{film.id}/access"
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    frozen.advance(seconds=server.app.state.settings.access_token_ttl + 1)
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 401


async def test_the_hot_path_counts_its_requests(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)

    async def served() -> float:
        metrics = (await server.http.get("/metrics")).text
        line = next(
            (
                line
                for line in metrics.splitlines()
                if line.startswith("boxoffice_http_requests_total{")
                and 'route="/items/{item_id}/access"' in line
                and 'status="200"' in line
            ),
            None,
        )
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    before = await served()
    for _ in range(3):
        assert (await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 200
    assert await served() == before + 3


async def test_identical_checks_in_one_window_are_one_row_that_counts_them(
    server: Server,
    merchant: Merchant,
    viewer: Viewer,
    frozen: clock.FrozenClock,
) -> None:
    film = await add_product(server, merchant)
    await grant(server, merchant, viewer, film.id)
    url = f"/items/{film.id}/access"
    first = clock.now()
    for _ in range(3):
        assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
        frozen.advance(seconds=0.2)
    assert (
        await server.http.get(url, headers=viewer.auth | {"Referer": "https://other.example.com/"})
    ).status_code == 200
    assert (await server.http.get("/items/999999/access", headers=viewer.auth)).status_code == 404
    assert await server.app.state.content_log.flush(server.app.state.sessions) == 2
    rows = sorted(await fetch_rows(server, ContentRequest, merchant.id), key=lambda row: row.request_count)
    assert [(row.referrer, row.request_count, row.outcome) for row in rows] == [
        ("https://other.example.com/", 1, "granted"),
        (None, 3, "granted"),
    ]
    assert rows[1].requested_at == first
    # The next window starts counting afresh.
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    assert await server.app.state.content_log.flush(server.app.state.sessions) == 1


async def test_a_viewers_first_check_reads_their_session_customer_and_entitlement_in_one_statement(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    newcomer = await sign_up(server, merchant, "newcomer@example.com")
    for someone in (viewer, newcomer):
        assert (await grant(server, merchant, someone, film.id)).status_code == 200
    url = f"/items/{film.id}/access"
    # The first viewer's check reads what every viewer shares (the merchant, the item, the settings).
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    watched = sent.watch(server.app.state.access_checker.sessions.kw["bind"])
    answer = await server.http.get(url, headers=newcomer.auth)
    assert answer.status_code == 200
    assert answer.json()["customer_id"] == newcomer.id
    statements = await watched.settled()
    assert len(statements) == 1, statements
    assert all(table in statements[0] for table in ("auth_sessions", "customers", "entitlements"))


async def test_a_check_on_a_connection_the_database_dropped_is_answered_on_a_fresh_one(
    server: Server, merchant: Merchant, viewer: Viewer, migrated_database_url: str
) -> None:
    if not migrated_database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection (tested on the postgresql param)")
    film, other = await add_product(server, merchant), await add_product(server, merchant)
    for item in (film, other):
        assert (await grant(server, merchant, viewer, item.id)).status_code == 200
    assert (await server.http.get(f"/items/{film.id}/access", headers=viewer.auth)).status_code == 200
    readers = server.app.state.access_checker.sessions.kw["bind"]
    async with readers.connect() as connection:
        pooled = await connection.scalar(text("SELECT pg_backend_pid()"))
    # The server ends the pooled connection behind the pool's back, as a restart would.
    async with server.app.state.engine.connect() as admin:
        assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
    answer = await server.http.get(f"/items/{other.id}/access", headers=viewer.auth)
    assert answer.status_code == 200, answer.text


async def test_a_first_check_holds_one_connection_of_the_pool_at_a_time(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    """A check that must read the item, then the viewer, reads both over one connection: with a pool of one, a
    second checkout would wait for the first to come back, which it never does (and with a pool of twenty, twenty
    checks at once would each wait so for one another)."""
    film = await add_product(server, merchant)
    assert (await grant(server, merchant, viewer, film.id)).status_code == 200
    narrow = create_app(server.settings.model_copy(update={"database_pool_size": 1}))
    transport = httpx.ASGITransport(app=narrow, client=("203.0.113.7", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answer = await client.get(f"/items/{film.id}/access", headers=viewer.auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["customer_id"] == viewer.id
    finally:
        await narrow.state.engine.dispose()
        await narrow.state.access_checker.readers.dispose()


async def test_first_checks_at_once_each_get_their_own_answer(server: Server, merchant: Merchant) -> None:
    """Read together (see boxoffice.access.viewer_reads), answered apart: who is entitled and who is not."""
    film = await add_product(server, merchant)
    viewers = [await sign_up(server, merchant, f"crowd{n}@example.com") for n in range(8)]
    for viewer in viewers[1::2]:
        assert (await grant(server, merchant, viewer, film.id)).status_code == 200
    answers = await asyncio.gather(
        *(server.http.get(f"/items/{film.id}/access", headers=viewer.auth) for viewer in viewers)
    )
    assert [answer.status_code for answer in answers] == [402, 200] * 4
    assert [answer.json()["customer_id"] for answer in answers[1::2]] == [viewer.id for viewer in viewers[1::2]]
