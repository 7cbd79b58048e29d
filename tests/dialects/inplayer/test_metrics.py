"""What `/metrics` tells an operator beside HTTP: payments and declines by gateway, renewals and dunning, the job
queue, webhook deliveries, e-mails and the database pool, each seen to move with what a viewer or the worker did.
Counters are the process's since it started, so each test reads them before and after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boxoffice.kit import clock, jobs
from boxoffice.kit.db import transaction
from boxoffice.kit.settings import Settings
from tests.conftest import Server, free_port
from tests.dialects.inplayer.conftest import Merchant, Viewer, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, NO_FUNDS, VISA, card_form, pay, priced_item
from tests.dialects.inplayer.test_subscriptions import access_expiry, monthly_fee, renew, subscribe
from tests.dialects.inplayer.webhook_helpers import add_webhook, sending
from tests.scrape import sample
from tests.webhooks.receiver import receiving


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the days these tests move the clock through; webhooks to a receiver on this machine."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400, "webhooks_allow_private": True})


async def scrape(server: Server) -> str:
    answer = await server.http.get("/metrics")
    assert answer.status_code == 200, answer.text
    return answer.text


async def test_payments_and_declines_are_counted_by_gateway(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    def paid(text: str, outcome: str) -> float:
        return sample(text, "boxoffice_payments_total", gateway="sandbox", outcome=outcome)

    before = await scrape(server)
    _, fee_id = await priced_item(server, merchant)
    assert (await pay(server, viewer, card_form(fee_id, DECLINED))).status_code == 402
    assert (await pay(server, viewer, card_form(fee_id, VISA))).status_code == 200
    after = await scrape(server)
    assert paid(after, "succeeded") - paid(before, "succeeded") == 1
    assert paid(after, "declined") - paid(before, "declined") == 1


async def test_renewals_due_done_and_in_dunning(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    def renewals(text: str, outcome: str) -> float:
        return sample(text, "boxoffice_renewals_total", outcome=outcome)

    item_id, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    changed = await server.http.put(
        "/v2/payments/cards/default", headers=viewer.auth, data=card_form(fee_id, NO_FUNDS) | {"currency_iso": "EUR"}
    )
    assert changed.status_code == 200, changed.text
    started = await scrape(server)
    assert sample(started, "boxoffice_renewals_due") == 0  # paid for a month
    paid_until = await access_expiry(server, viewer, item_id)
    assert paid_until is not None
    frozen._now = clock.from_unix(paid_until) + timedelta(seconds=1)
    due = await scrape(server)
    assert (sample(due, "boxoffice_renewals_due"), sample(due, "boxoffice_renewals_in_dunning")) == (1, 0)

    assert (await renew(server)).declined == 1
    dunning = await scrape(server)
    assert (sample(dunning, "boxoffice_renewals_due"), sample(dunning, "boxoffice_renewals_in_dunning")) == (0, 1)
    assert renewals(dunning, "declined") - renewals(due, "declined") == 1
    declines = "boxoffice_payments_total", {"gateway": "sandbox", "outcome": "declined"}
    assert sample(dunning, declines[0], **declines[1]) - sample(due, declines[0], **declines[1]) == 1

    # The card is replaced and the retry a day later pays.
    changed = await server.http.put(
        "/v2/payments/cards/default", headers=viewer.auth, data=card_form(fee_id, VISA) | {"currency_iso": "EUR"}
    )
    assert changed.status_code == 200, changed.text
    frozen.advance(days=1)
    assert (await renew(server)).renewed == 1
    renewed = await scrape(server)
    assert (sample(renewed, "boxoffice_renewals_due"), sample(renewed, "boxoffice_renewals_in_dunning")) == (0, 0)
    assert renewals(renewed, "renewed") - renewals(dunning, "renewed") == 1


async def test_jobs_waiting_and_how_long_the_oldest_has(server: Server, frozen: clock.FrozenClock) -> None:
    await server.run_jobs()
    idle = await scrape(server)
    assert (sample(idle, "boxoffice_jobs_waiting"), sample(idle, "boxoffice_jobs_oldest_waiting_seconds")) == (0, 0)
    async with transaction(server.app.state.sessions) as session:
        jobs.enqueue(session, "email.send", {"to": "a@example.com"})
        jobs.enqueue(session, "email.send", {"to": "b@example.com"}, delay=30)
        jobs.enqueue(session, "email.send", {"to": "c@example.com"}, delay=3600)  # not yet due: not waiting
    frozen.advance(seconds=90)
    waiting = await scrape(server)
    assert sample(waiting, "boxoffice_jobs_waiting") == 2
    assert sample(waiting, "boxoffice_jobs_oldest_waiting_seconds") == 90


async def test_emails_sent_and_failed(server: Server, merchant: Merchant) -> None:
    def emails(text: str, outcome: str) -> float:
        return sample(text, "boxoffice_emails_total", outcome=outcome)

    await server.run_jobs()
    before = await scrape(server)
    await sign_up(server, merchant, "first@example.com")
    assert await server.run_jobs() == 1  # the welcome e-mail, to the test's SMTP server
    sent = await scrape(server)
    assert (emails(sent, "sent") - emails(before, "sent"), emails(sent, "failed") - emails(before, "failed")) == (1, 0)

    await sign_up(server, merchant, "second@example.com")
    nobody_listens = server.settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    assert await jobs.run_due_jobs(server.app.state.sessions, nobody_listens) == 1
    failed = await scrape(server)
    assert (emails(failed, "sent") - emails(sent, "sent"), emails(failed, "failed") - emails(sent, "failed")) == (0, 1)


async def test_webhook_deliveries_and_failures(server: Server, merchant: Merchant, frozen: clock.FrozenClock) -> None:
    def deliveries(text: str, outcome: str) -> float:
        return sample(text, "boxoffice_webhook_deliveries_total", outcome=outcome)

    frozen.advance(seconds=1)  # the merchant's own events came before the endpoints
    before = await scrape(server)
    async with receiving() as receiver, sending(server) as sender:
        await add_webhook(server, merchant, receiver.url("/ok"), "customer.registered")
        await add_webhook(server, merchant, receiver.url("/status/500"), "customer.registered")
        await sign_up(server, merchant, "late@example.com")
        await sender.run_until_idle()
    assert len(receiver.at("/ok")) == 1 and len(receiver.at("/status/500")) == 1
    after = await scrape(server)
    assert deliveries(after, "delivered") - deliveries(before, "delivered") == 1
    assert deliveries(after, "failed") - deliveries(before, "failed") == 1


async def test_database_pool_use(server: Server) -> None:
    engine = server.app.state.engine
    free = await scrape(server)
    assert sample(free, "boxoffice_db_pool_size") == engine.pool.size()
    async with engine.connect():
        held = await scrape(server)
    in_use = "boxoffice_db_pool_checked_out"
    assert sample(held, in_use) - sample(free, in_use) == 1
    assert sample(await scrape(server), in_use) == sample(free, in_use)
