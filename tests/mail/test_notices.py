"""The e-mails events send customers (receipts, renewals, failed payments, cancellations), written from real
flows through the InPlayer dialect and handed to `send_notices` as the webhook dispatcher hands them."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape
from typing import Any

import pytest
from sqlalchemy import event, func, select

from boxoffice.events.models import Event
from boxoffice.events.repository import events_of
from boxoffice.kit import clock, jobs
from boxoffice.kit.db import transaction
from boxoffice.webhooks.notices import send_notices
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, make_merchant, plain_text, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, NO_FUNDS, card_form, pay, priced_item
from tests.dialects.inplayer.test_receipts import set_locale
from tests.dialects.inplayer.test_subscriptions import monthly_fee, only_subscription, renew, subscribe


class Dispatcher:
    """Hands each merchant's new events to `send_notices` once, in one transaction, as the webhook dispatcher
    does; says how many e-mails that enqueued."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.seen: dict[int, int] = defaultdict(int)

    async def new_events(self, merchant_id: int) -> list[Event]:
        async with self.server.app.state.sessions() as session:
            found = list(await events_of(session, merchant_id, after_id=self.seen[merchant_id]))
        if found:
            self.seen[merchant_id] = found[-1].id
        return found

    async def dispatch(self, *merchant_ids: int) -> int:
        batch = [e for merchant_id in merchant_ids for e in await self.new_events(merchant_id)]
        return await notify(self.server, batch)


async def notify(server: Server, batch: list[Event]) -> int:
    async with transaction(server.app.state.sessions) as session:
        before = await _emails_queued(session)
        await send_notices(session, batch)
        return await _emails_queued(session) - before


async def _emails_queued(session: Any) -> int:
    query = select(func.count()).select_from(jobs.Job).where(jobs.Job.kind == "email.send")
    return int(await session.scalar(query) or 0)


async def delivered(server: Server, mailbox: Mailbox, viewer: Viewer) -> EmailMessage:
    await server.run_jobs()
    return mailbox.last(viewer.email)


@contextmanager
def counting_selects(server: Server) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = server.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_purchase_sends_a_receipt(server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox) -> None:
    dispatcher = Dispatcher(server)
    assert await dispatcher.dispatch(merchant.id) == 0  # a sign-up is welcomed by identity, not by a notice
    _, fee_id = await priced_item(server, merchant)
    assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    # payment.card.success sends the receipt; asset.access.granted sends nothing.
    assert await dispatcher.dispatch(merchant.id) == 1
    receipt = await delivered(server, mailbox, viewer)
    assert receipt["Subject"] == "Your Publisher receipt: Cup final"
    text = plain_text(receipt)
    assert "Hello Vera Viewer," in text
    assert "thank you for your purchase of Cup final (Seven days) on Publisher." in text
    assert "Amount charged: 4.99 EUR" in text and "Discount" not in text
    assert f"Date: {clock.now().day} {clock.now():%B %Y}" in text
    html = receipt.get_body(("html",))
    assert html is not None and '<strong data-amount="charged">4.99 EUR</strong>' in html.get_content()


@pytest.mark.parametrize(
    ("locale", "amount", "day"),
    [
        ("de_DE", "4,99\u00a0€", "14. März 2026"),
        ("fr", "4,99\u00a0€", "14 mars 2026"),
        ("ja", "€4.99", "2026年3月14日"),
    ],
)
async def test_a_receipt_is_written_in_the_customers_locale(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox, locale: str, amount: str, day: str
) -> None:
    await set_locale(server, merchant, viewer, locale)
    dispatcher = Dispatcher(server)
    await dispatcher.dispatch(merchant.id)
    previous = clock.set_clock(clock.FrozenClock(datetime(2026, 3, 14, 9, 30)))
    try:
        _, fee_id = await priced_item(server, merchant)
        assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
        assert await dispatcher.dispatch(merchant.id) == 1
    finally:
        clock.set_clock(previous)
    await server.run_jobs()
    [receipt] = [m for m in mailbox.to(viewer.email) if m["Subject"] == "Your Publisher receipt: Cup final"]
    text = plain_text(receipt)
    assert f"Amount charged: {amount}" in text and f"Date: {day}" in text
    html = receipt.get_body(("html",))
    assert html is not None
    assert f'<strong data-amount="charged">{escape(amount)}</strong>' in html.get_content()


async def test_a_declined_card_sends_a_failed_payment_notice(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    dispatcher = Dispatcher(server)
    await dispatcher.dispatch(merchant.id)
    _, fee_id = await priced_item(server, merchant)
    assert (await pay(server, viewer, card_form(fee_id, DECLINED))).status_code == 402
    assert await dispatcher.dispatch(merchant.id) == 1
    notice = await delivered(server, mailbox, viewer)
    assert notice["Subject"] == "Your Publisher payment for Cup final failed"
    text = plain_text(notice)
    today = f"{clock.now().day} {clock.now():%B %Y}"
    assert (
        f"payment of 4.99 EUR for Cup final (Seven days) on Publisher failed on {today} (Your card was declined)"
        in text
    )
    assert "Nothing was charged." in text and "try again in a few days" not in text


async def test_a_subscription_tells_its_start_renewals_declines_and_cancellation(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox, frozen: clock.FrozenClock
) -> None:
    dispatcher = Dispatcher(server)
    await dispatcher.dispatch(merchant.id)
    _, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    assert await dispatcher.dispatch(merchant.id) == 1  # subscribe.success: the first charge's receipt
    started = await delivered(server, mailbox, viewer)
    assert started["Subject"] == "Your Publisher receipt: Cup final"
    assert "Cup final (Monthly)" in plain_text(started) and "Amount charged: 9.99 EUR" in plain_text(started)

    frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    assert await dispatcher.dispatch(merchant.id) == 1  # payment.card.success; subscribe.updated sends nothing
    renewed = await delivered(server, mailbox, viewer)
    assert renewed["Subject"] == "Your Publisher subscription to Cup final was renewed"
    assert f"was renewed on {clock.now().day} {clock.now():%B %Y}" in plain_text(renewed)
    assert "Amount charged: 9.99 EUR" in plain_text(renewed)

    changed = await server.http.put(
        "/v2/payments/cards/default", headers=viewer.auth, data=card_form(fee_id, NO_FUNDS) | {"currency_iso": "EUR"}
    )
    assert changed.status_code == 200, changed.text
    shown = await only_subscription(server, viewer)
    frozen._now = clock.from_unix(shown["next_rebill_date"]) + timedelta(seconds=1)
    assert (await renew(server)).declined == 1
    assert await dispatcher.dispatch(merchant.id) == 1
    declined = await delivered(server, mailbox, viewer)
    assert declined["Subject"] == "Your Publisher payment for Cup final failed"
    text = plain_text(declined)
    assert "we could not renew your subscription to Cup final (Monthly) on Publisher: the charge of 9.99 EUR" in text
    assert "(Your card has insufficient funds)" in text and "We will try again in a few days." in text

    cancelled = await server.http.post(f"/subscriptions/{shown['id']}/cancel", headers=merchant.auth)
    assert cancelled.status_code == 200, cancelled.text
    assert await dispatcher.dispatch(merchant.id) == 1
    notice = await delivered(server, mailbox, viewer)
    assert notice["Subject"] == "Your Publisher subscription to Cup final is cancelled"
    assert "Your access has ended." in plain_text(notice)  # past due: nothing paid is left to watch


async def test_a_cancellation_at_the_period_end_says_until_when(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    dispatcher = Dispatcher(server)
    _, fee_id = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    await dispatcher.dispatch(merchant.id)
    shown = await only_subscription(server, viewer)
    url = shown["unsubscribe_url"].removeprefix("http://testserver")
    assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
    assert await dispatcher.dispatch(merchant.id) == 1
    ends = clock.from_unix(shown["next_rebill_date"])
    assert f"You can keep watching until {ends.day} {ends:%B %Y}." in plain_text(
        await delivered(server, mailbox, viewer)
    )


async def test_an_erased_customer_is_sent_nothing(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    dispatcher = Dispatcher(server)
    _, fee_id = await priced_item(server, merchant)
    assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    erased = await server.http.request(
        "DELETE", "/accounts/erase", headers=viewer.auth, data={"password": viewer.password}
    )
    assert erased.status_code == 200, erased.text
    assert await dispatcher.dispatch(merchant.id) == 0


async def test_a_batch_of_many_merchants_reads_each_table_once_and_keeps_each_to_its_own(
    server: Server, mailbox: Mailbox
) -> None:
    alpha, bravo = await make_merchant(server, "owner@alpha.example.com"), await make_merchant(server, "b@b.example")
    mine = {"subject": "Thanks from Bravo", "text": "{{ item_title }}: {{ amount }}", "html": "<p>{{ amount }}</p>"}
    assert (await server.http.put("/v2/email-templates/purchase_receipt", headers=bravo.auth, data=mine)).is_success
    buyers: dict[int, list[Viewer]] = {}
    for owner in (alpha, bravo):
        _, fee_id = await priced_item(server, owner)
        _, another_fee = await priced_item(server, owner)
        buyers[owner.id] = [await sign_up(server, owner, f"v{n}@{owner.id}.example.com") for n in range(3)]
        for buyer in buyers[owner.id]:
            assert (await pay(server, buyer, card_form(fee_id))).status_code == 200
        assert (await pay(server, buyers[owner.id][0], card_form(another_fee, DECLINED))).status_code == 402
    await server.run_jobs()
    mailbox.messages.clear()
    dispatcher = Dispatcher(server)
    batch = [e for owner in (alpha, bravo) for e in await dispatcher.new_events(owner.id)]
    # An event naming a customer of another merchant (which the core never writes) reaches no one.
    stray = next(e for e in batch if e.merchant_id == alpha.id and e.type == "payment.card.success")
    crossed = Event(
        merchant_id=alpha.id, type=stray.type, customer_id=buyers[bravo.id][1].id, resource=dict(stray.resource)
    )
    with counting_selects(server) as selects:
        async with transaction(server.app.state.sessions) as session:
            await send_notices(session, [*batch, crossed])
    # What the events are about (merchants, customers, payments, entitlements, products, prices) and the
    # merchants' own templates: one query each, whatever the batch holds.
    tables = [re.search(r"\bFROM (\w+)", s).group(1) for s in selects]  # type: ignore[union-attr]
    assert sorted(tables) == sorted(
        ["merchants", "customers", "payments", "entitlements", "products", "prices", "mail_templates"]
    ), selects
    await server.run_jobs()
    for owner in (alpha, bravo):
        for buyer in buyers[owner.id]:
            subjects = sorted({m["Subject"] for m in mailbox.to(buyer.email)})
            paid = "Thanks from Bravo" if owner is bravo else "Your Publisher receipt: Cup final"
            failed = ["Your Publisher payment for Cup final failed"] if buyer is buyers[owner.id][0] else []
            assert subjects == sorted([paid, *failed]), (buyer.email, subjects)
    assert plain_text(mailbox.last(buyers[bravo.id][2].email)).strip() == "Cup final: 4.99 EUR"
    assert len(mailbox.messages) == 8
