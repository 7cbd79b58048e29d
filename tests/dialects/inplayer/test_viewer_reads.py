"""First checks asked together read their viewers together: on PostgreSQL in one statement, each answer its own."""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
import pytest
from sqlalchemy.exc import DBAPIError

from boxoffice.access.viewer_reads import ViewerReads
from boxoffice.kit.db import create_engine
from tests import sent
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, sign_up
from tests.dialects.inplayer.test_access import add_product, grant


def claims_of(viewer: Viewer) -> dict[str, Any]:
    return jwt.decode(viewer.token, options={"verify_signature": False})


async def viewers_of(server: Server, merchant: Merchant, count: int) -> list[Viewer]:
    return [await sign_up(server, merchant, f"viewer{n}@example.com") for n in range(count)]


async def reads_sent(watched: sent.Sent) -> list[str]:
    """The viewers' reads among the statements sent (a new connection's own questions to the server aside)."""
    return [statement for statement in await watched.settled() if "auth_sessions" in statement]


def on_postgresql(server: Server) -> bool:
    return server.settings.database_url.startswith("postgresql")


async def test_reads_asked_together_are_one_statement_each_answer_its_own(server: Server, merchant: Merchant) -> None:
    film = await add_product(server, merchant)
    viewers = await viewers_of(server, merchant, 6)
    entitled = viewers[::2]
    for viewer in entitled:
        assert (await grant(server, merchant, viewer, film.id)).status_code == 200
    readers = server.app.state.access_checker.readers
    reads = ViewerReads(readers)
    asks = [(claims_of(viewer)["sid"], viewer.id) for viewer in viewers]
    # A session that is not the customer's finds nothing, and does not disturb the others' answers.
    asks.append((asks[0][0], viewers[1].id))
    watched = sent.watch(readers)
    found = await asyncio.gather(
        *(reads.read(merchant.id, session_id, customer_id, [film.id]) for session_id, customer_id in asks)
    )
    statements = await reads_sent(watched)
    assert len(statements) == (1 if on_postgresql(server) else len(asks)), statements
    assert found[-1] is None
    for viewer, viewer_found in zip(viewers, found, strict=False):
        assert viewer_found is not None
        auth_session, customer, entitlement = viewer_found
        assert (auth_session.id, auth_session.customer_id) == (claims_of(viewer)["sid"], viewer.id)
        assert customer.id == viewer.id and customer.email == viewer.email
        if viewer in entitled:
            assert entitlement is not None and (entitlement.customer_id, entitlement.product_id) == (viewer.id, film.id)
        else:
            assert entitlement is None


async def test_a_busy_server_sends_at_most_so_many_pairs_a_statement(server: Server, merchant: Merchant) -> None:
    if not on_postgresql(server):
        pytest.skip("elsewhere each pair is a statement of its own (tested on the postgresql param)")
    film = await add_product(server, merchant)
    viewers = await viewers_of(server, merchant, 5)
    readers = server.app.state.access_checker.readers
    reads = ViewerReads(readers, max_batch=2)
    watched = sent.watch(readers)
    found = await asyncio.gather(
        *(reads.read(merchant.id, claims_of(viewer)["sid"], viewer.id, [film.id]) for viewer in viewers)
    )
    assert [viewer_found[1].id for viewer_found in found if viewer_found is not None] == [v.id for v in viewers]
    assert len(await reads_sent(watched)) == 3


async def test_reads_of_other_items_or_merchants_are_not_mixed(server: Server, merchant: Merchant) -> None:
    film, series = await add_product(server, merchant), await add_product(server, merchant)
    viewer = await sign_up(server, merchant)
    assert (await grant(server, merchant, viewer, series.id)).status_code == 200
    reads = ViewerReads(server.app.state.access_checker.readers)
    session_id = claims_of(viewer)["sid"]
    for_film, for_series, elsewhere = await asyncio.gather(
        reads.read(merchant.id, session_id, viewer.id, [film.id]),
        reads.read(merchant.id, session_id, viewer.id, [series.id]),
        reads.read(merchant.id + 1, session_id, viewer.id, [series.id]),
    )
    assert for_film is not None and for_film[2] is None
    assert for_series is not None and for_series[2] is not None and for_series[2].product_id == series.id
    assert elsewhere is None


async def test_a_failed_read_fails_every_check_waiting_for_it(server: Server, merchant: Merchant) -> None:
    url = server.settings.database_url
    # The same server, a database that isn't there: the connection itself fails.
    gone = url.rsplit("/", 1)[0] + "/boxoffice_never_made" if on_postgresql(server) else "sqlite:////nonexistent/x.db"
    engine = create_engine(gone)
    try:
        reads = ViewerReads(engine)
        failed = await asyncio.gather(
            *(reads.read(merchant.id, n, n, [1]) for n in range(1, 4)), return_exceptions=True
        )
    finally:
        await engine.dispose()
    assert len(failed) == 3
    assert all(isinstance(error, DBAPIError | OSError) for error in failed), failed
    # Nothing is left waiting: a later read goes out on its own.
    film = await add_product(server, merchant)
    viewer = await sign_up(server, merchant)
    reads = ViewerReads(server.app.state.access_checker.readers)
    found = await reads.read(merchant.id, claims_of(viewer)["sid"], viewer.id, [film.id])
    assert found is not None and found[1].id == viewer.id


async def test_a_check_that_stops_waiting_leaves_the_others_answered(server: Server, merchant: Merchant) -> None:
    film = await add_product(server, merchant)
    viewers = await viewers_of(server, merchant, 3)
    reads = ViewerReads(server.app.state.access_checker.readers)
    tasks = [
        asyncio.create_task(reads.read(merchant.id, claims_of(viewer)["sid"], viewer.id, [film.id]))
        for viewer in viewers
    ]
    await asyncio.sleep(0)  # every task has asked (one turn of the loop), none has its answer yet
    tasks[1].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    assert [found[1].id for found in (done[0], done[2]) if not isinstance(found, BaseException) and found] == [
        viewers[0].id,
        viewers[2].id,
    ]


async def test_one_items_crowd_does_not_hold_back_another_items_reads(server: Server, merchant: Merchant) -> None:
    film, series = await add_product(server, merchant), await add_product(server, merchant)
    viewers = await viewers_of(server, merchant, 4)
    reads = ViewerReads(server.app.state.access_checker.readers, max_batch=1, max_in_flight=1)
    answered: list[str] = []
    asked = [("film", viewer, film.id) for viewer in viewers[:3]] + [("series", viewers[3], series.id)]
    tasks = []
    for name, viewer, item in asked:
        task = asyncio.create_task(reads.read(merchant.id, claims_of(viewer)["sid"], viewer.id, [item]))
        task.add_done_callback(lambda _task, name=name: answered.append(name))
        tasks.append(task)
    found = await asyncio.gather(*tasks)
    assert [viewer_found[1].id for viewer_found in found if viewer_found is not None] == [v.id for v in viewers]
    # One read out at a time, one viewer each: the series' goes second, not behind every read of the film.
    assert answered == ["film", "series", "film", "film"]
