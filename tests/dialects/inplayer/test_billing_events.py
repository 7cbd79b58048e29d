"""Billing's domain events: written to the outbox in the transaction of the change they tell of, and only then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from boxoffice import clock
from boxoffice.billing import charges
from boxoffice.settings import Settings
from boxoffice.webhooks.models import Event
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, fetch_rows
from tests.dialects.inplayer.test_payments import DECLINED, card_form, pay, priced_item
from tests.dialects.inplayer.test_subscriptions import monthly_fee, renew, subscribe


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the months these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


async def told(server: Server, merchant: Merchant) -> list[tuple[str, Any]]:
    return [(e.type, e.resource.get("payment_id")) for e in await fetch_rows(server, Event, merchant.id)]


async def test_payments_and_subscriptions_tell_what_happened(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    _, fee_id = await priced_item(server, merchant)
    await pay(server, viewer, card_form(fee_id))
    await pay(server, viewer, card_form(fee_id, DECLINED))
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
    events = await fetch_rows(server, Event, merchant.id)
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
