"""Webhooks under faults, against real local receivers: one that is down and comes back, ones that answer 500 or
404, hang, or reset the connection; a slow receiver beside a healthy one; an endpoint that never answers well."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter

import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from boxoffice.kit.stopping import Stopping
from boxoffice.webhooks.dispatch import dispatch_events
from boxoffice.webhooks.models import WebhookDelivery
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, fetch_rows, plain_text, sign_up
from tests.dialects.inplayer.webhook_helpers import add_webhook, sending
from tests.webhooks.receiver import receiving

REGISTERED = "customer.registered"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhooks_allow_private": True, "webhooks_timeout": 1.0, "webhooks_disable_after": 4}
    )


async def sign_ups(server: Server, merchant: Merchant, count: int) -> None:
    for n in range(count):
        await sign_up(server, merchant, f"viewer{n}@example.com")


async def test_a_receiver_down_for_its_first_attempts_gets_every_event_once_it_is_back(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    async with receiving() as receiver, sending(server) as sender:
        hook = await add_webhook(server, merchant, receiver.url("/down/3"), REGISTERED)
        await sign_ups(server, merchant, 5)
        passes = 0
        while len([r for r in receiver.at("/down/3")]) < 8 and passes < 20:
            await sender.run_until_idle()
            frozen.advance(hours=7)  # beyond the longest backoff step
            passes += 1
    requests = receiver.at("/down/3")
    assert len(requests) == 8  # three failed probes (one at a time while it was down), then the five events
    answered = Counter(r.form["id"] for r in requests[3:])
    assert len(answered) == 5 and set(answered.values()) == {1}
    assert {r.form["id"] for r in requests[:3]} <= set(answered)
    deliveries = await fetch_rows(server, WebhookDelivery, merchant.id)
    assert {d.status for d in deliveries} == {"delivered"}
    shown = await server.http.get(f"/webhooks/{hook['id']}", headers=merchant.auth)
    assert (shown.json()["enabled"], shown.json()["consecutive_failures"]) == (True, 0)


@pytest.mark.parametrize(
    ("path", "status_code", "error"),
    [
        ("/status/500", 500, None),
        ("/status/404", 404, None),
        ("/reset", None, "connection failed"),
        ("/hang", None, "no answer within 1 s"),
    ],
)
async def test_a_failing_receiver_is_logged_and_retried_later_while_others_get_theirs(
    server: Server, merchant: Merchant, path: str, status_code: int | None, error: str | None
) -> None:
    async with receiving() as receiver, sending(server) as sender:
        failing = await add_webhook(server, merchant, receiver.url(path), REGISTERED)
        await add_webhook(server, merchant, receiver.url("/ok"), REGISTERED)
        await sign_ups(server, merchant, 1)
        await sender.run_until_idle()
    assert len(receiver.at(path)) == 1
    assert len(receiver.at("/ok")) == 1
    assert receiver.at(path)[0].form["id"] == receiver.at("/ok")[0].form["id"]
    log = (await server.http.get(f"/webhooks/{failing['id']}/deliveries", headers=merchant.auth)).json()
    [delivery] = log["collection"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, status_code)
    assert delivery["next_attempt_at"] > int(clock.now().timestamp())
    if error:
        assert error in delivery["last_error"]
    detail = await server.http.get(f"/webhooks/{failing['id']}/deliveries/{delivery['id']}", headers=merchant.auth)
    [attempt] = detail.json()["attempt_log"]
    assert attempt["status_code"] == status_code
    if status_code:
        assert attempt["response"] == '{"error": "as configured"}'
    shown = (await server.http.get(f"/webhooks/{failing['id']}", headers=merchant.auth)).json()
    assert shown["consecutive_failures"] == 1


async def test_a_hanging_receiver_never_holds_up_a_healthy_one(
    server: Server, merchant: Merchant, settings: Settings
) -> None:
    server.settings = settings.model_copy(update={"webhooks_timeout": 30.0})
    async with receiving() as receiver, sending(server) as sender:
        await add_webhook(server, merchant, receiver.url("/hang"), REGISTERED)
        await add_webhook(server, merchant, receiver.url("/ok"), REGISTERED)
        stopping = Stopping()
        running = asyncio.create_task(sender.run_forever(stopping))
        try:
            await sign_ups(server, merchant, 1)
            await receiver.wait_for("/hang", 1)
            await sign_up(server, merchant, "second@example.com")
            ok = await receiver.wait_for("/ok", 2)
            assert len(ok) == 2
            assert sender.in_flight  # the hanging request is still waiting for its answer
        finally:
            stopping.request()
            await running  # the loop ends by itself; the hanging request is left to the sender's close


async def test_an_endpoint_that_keeps_failing_is_disabled_and_its_merchant_told(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock, mailbox: Mailbox
) -> None:
    async with receiving() as receiver, sending(server) as sender:
        hook = await add_webhook(server, merchant, receiver.url("/status/500"), REGISTERED)
        await sign_ups(server, merchant, 2)
        for _ in range(6):
            await sender.run_until_idle()
            frozen.advance(hours=7)
        # Both events went out together and failed together (one failure), then one probe per backoff step
        # until the fourth failure.
        assert len(receiver.at("/status/500")) == 2 + 3
        shown = (await server.http.get(f"/webhooks/{hook['id']}", headers=merchant.auth)).json()
        assert shown["enabled"] is False
        assert shown["disabled_reason"] == "4 consecutive failed attempts"
        await server.run_jobs()
        told = plain_text(mailbox.last(merchant.email))
        assert receiver.url("/status/500") in told and "HTTP status 500" in told
        assert len(mailbox.to(merchant.email)) == 1

        again = await server.http.put(
            f"/webhooks/{hook['id']}", data={"enabled": "true", "url": receiver.url("/ok")}, headers=merchant.auth
        )
        assert (again.json()["enabled"], again.json()["consecutive_failures"]) == (True, 0)
        await sender.run_until_idle()
    assert len(receiver.at("/ok")) == 2


async def test_a_delivery_out_on_a_lease_is_sent_by_no_other_worker_until_the_lease_ends(
    server: Server, merchant: Merchant, settings: Settings, frozen: clock.FrozenClock
) -> None:
    server.settings = settings.model_copy(update={"webhooks_timeout": 30.0})
    async with receiving() as receiver, sending(server) as first, sending(server) as second:
        await add_webhook(server, merchant, receiver.url("/held"), REGISTERED)
        await sign_ups(server, merchant, 1)
        await dispatch_events(server.app.state.sessions)
        assert await first.start_due() == 1
        [sent] = await receiver.wait_for("/held", 1)
        assert await second.start_due() == 0  # its request is out, waiting for an answer
        frozen.advance(seconds=200)  # past the lease: the first worker may have died
        assert await second.start_due() == 1
        [_, again] = await receiver.wait_for("/held", 2)
        receiver.release.set()
    assert again.headers["webhook-id"] == sent.headers["webhook-id"]


# A webhook worker of its own, killed by the test while a request it sent waits for its answer.
WORKER = """
import asyncio, sys

from boxoffice import models  # noqa: F401  (every table)
from boxoffice.kit.db import create_engine, session_factory
from boxoffice.kit.settings import Settings
from boxoffice.app import webhook_sender


async def main():
    settings = Settings(database_url=sys.argv[1], webhooks_allow_private=True, webhooks_timeout=60)
    engine = create_engine(sys.argv[1])
    await webhook_sender(session_factory(engine), settings).run_until_idle()


asyncio.run(main())
"""


async def test_a_worker_killed_between_sending_and_recording_leads_to_a_redelivery_with_the_same_id(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    async with receiving() as receiver:
        await add_webhook(server, merchant, receiver.url("/held"), REGISTERED)
        await sign_ups(server, merchant, 1)
        worker = await asyncio.create_subprocess_exec(sys.executable, "-c", WORKER, server.settings.database_url)
        try:
            [sent] = await receiver.wait_for("/held", 1)
        finally:
            worker.send_signal(signal.SIGKILL)
            await worker.wait()
        [unrecorded] = await fetch_rows(server, WebhookDelivery, merchant.id)
        assert (unrecorded.status, unrecorded.attempts) == ("pending", 0)
        assert unrecorded.leased_until is not None and unrecorded.leased_until > clock.now()

        receiver.release.set()
        frozen.advance(seconds=200)  # past the dead worker's lease
        async with sending(server) as sender:
            await sender.run_until_idle()
    again = receiver.at("/held")[1:]
    assert [r.form["id"] for r in again] == [sent.form["id"]]
    assert again[0].headers["webhook-id"] == sent.headers["webhook-id"]
    assert again[0].body == sent.body
    [delivered] = await fetch_rows(server, WebhookDelivery, merchant.id)
    assert (delivered.status, delivered.attempts) == ("delivered", 1)
