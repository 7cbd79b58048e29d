"""Billing's domain events: written to the outbox in the transaction of the change they tell of, and only then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing import charges
from boxoffice.billing.models import Payment
from boxoffice.events.models import Event
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee
from tests.dialects.inplayer.conftest import Merchant, Viewer, fetch_rows
from tests.dialects.inplayer.test_payment_methods import answer_page
from tests.dialects.inplayer.test_payments import CHALLENGE, DECLINED, card_form, pay, priced_item
from tests.dialects.inplayer.test_refunds import refund
from tests.dialects.inplayer.test_subscriptions import YEARLY, monthly_fee, renew, subscribe


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the months these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


async def billing_events(server: Server, merchant: Merchant) -> list[Event]:
    """The events after the viewer's sign-up (identity's events are tested with identity)."""
    return await fetch_rows(server, Event, merchant.id, Event.type != "customer.registered")


async def told(server: Server, merchant: Merchant) -> list[tuple[str, Any]]:
    return [(e.type, e.resource.get("payment_id")) for e in await billing_events(server, merchant)]


async def test_payments_and_subscriptions_tell_what_happened(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    _, fee_id = await priced_item(server, merchant)
    _, another_fee = await priced_item(server, merchant)
    await pay(server, viewer, card_form(fee_id))
    await pay(server, viewer, card_form(another_fee, DECLINED))
    types = [t for t, _ in await told(server, merchant)]
    assert types == ["payment.card.success", "asset.access.granted", "payment.card.failed"]
    _, monthly = await monthly_fee(server, merchant)
    await subscribe(server, viewer, monthly)
    frozen.advance(days=32)
    await renew(server)
    shown = (await server.http.get("/subscriptions", headers=viewer.auth)).json()["collection"][0]
    await server.http.get(shown["unsubscribe_url"].removeprefix("http://testserver"), headers=viewer.auth)
    frozen.advance(days=40)
    await renew(server)
    events = await billing_events(server, merchant)
    assert [e.type for e in events[3:]] == [
        "subscribe.success",
        "asset.access.granted",
        "payment.card.success",
        "subscribe.updated",
        "subscribe.cancelled.success",
        "subscribe.expired",
    ]
    assert all(e.customer_id == viewer.id for e in events)
    assert len({e.event_id for e in events}) == len(events)
    assert events[-1].resource["status"] == "ended"


async def test_a_settlement_that_fails_writes_no_event(
    server: Server, merchant: Merchant, viewer: Viewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fee_id = await priced_item(server, merchant)

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the books could not be written")

    monkeypatch.setattr(charges.fulfilment.books, "book_charge", broken)
    with pytest.raises(RuntimeError):
        await pay(server, viewer, card_form(fee_id))
    assert await told(server, merchant) == []


async def test_dunning_that_ends_a_subscription_tells_of_the_revoked_access(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    _, monthly = await monthly_fee(server, merchant)
    await subscribe(server, viewer, monthly)
    await server.http.put(
        "/v2/payments/cards/default", headers=viewer.auth, data=card_form(monthly, DECLINED) | {"currency_iso": "EUR"}
    )
    for days in (32, 1, 2, 2):
        frozen.advance(days=days, seconds=1)
        await renew(server)
    frozen.advance(days=timedelta(days=3).days)
    await renew(server)
    types = [t for t, _ in await told(server, merchant)]
    assert types.count("payment.card.failed") == 4
    assert types[-2:] == ["subscribe.expired", "asset.access.revoked"]


async def test_a_payment_awaiting_its_payer_tells_where_to_approve_it(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    paid = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    _, monthly = await monthly_fee(server, merchant)
    started = (await subscribe(server, viewer, monthly, CHALLENGE)).json()
    # Confirmed before the challenge is answered: still awaiting it, and not told again.
    assert (await server.http.post("/payments", headers=viewer.auth, data={"pi_id": paid["pi_id"]})).status_code == 200
    events = await billing_events(server, merchant)
    assert [e.type for e in events] == ["payment.card.requires.action", "subscribe.requires.action"]
    assert [e.resource["redirect_url"] for e in events] == [paid["redirect_to_url"], started["redirect_to_url"]]
    payments = await fetch_rows(server, Payment, merchant.id)
    assert [e.resource["payment_id"] for e in events] == [p.id for p in payments]
    assert [e.resource["status"] for e in events] == ["requires_action"] * 2


async def test_a_paypal_payment_and_its_refund_are_told_as_external(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    form = {"origin": "https://app.example.com/film", "access_fee": str(fee_id), "payment_method": "2"}
    approval = (await server.http.post("/external-payments", headers=viewer.auth, data=form)).json()
    await answer_page(server, approval["endpoint"], "success")
    while await server.run_jobs():
        pass
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    assert (await refund(server, merchant, history["collection"][0]["transaction_token"])).status_code == 200
    assert [t for t, _ in await told(server, merchant)] == [
        "external.payment.success",
        "asset.access.granted",
        "external.payment.refund.success",
        "asset.access.revoked",
    ]


async def test_a_plan_switch_tells_of_the_access_it_opens(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    item_id, monthly = await monthly_fee(server, merchant)
    yearly = (await add_fee(server, merchant, item_id, access_type_id=YEARLY, amount="120.00"))["id"]
    await server.http.put(f"/v2/items/{item_id}", headers=merchant.auth, data={"plan_switch_enabled": "true"})
    await subscribe(server, viewer, monthly)
    shown = (await server.http.get("/subscriptions", headers=viewer.auth)).json()["collection"][0]
    frozen.advance(days=3)
    switch = {"access_fee_id": str(yearly), "inplayer_token": shown["subscription_id"]}
    assert (
        await server.http.post("/v2/subscriptions/stripe:switch", headers=viewer.auth, data=switch)
    ).status_code == 200
    events = await billing_events(server, merchant)
    assert [e.type for e in events[2:]] == ["payment.card.success", "subscribe.updated", "asset.access.granted"]
    [_, opened] = await fetch_rows(server, Entitlement, merchant.id)
    assert events[-1].resource["entitlement_id"] == opened.id
