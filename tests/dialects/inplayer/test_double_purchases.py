"""What a viewer already holds is not sold to them again, and the same purchase made many times at once (a double
click: the SDK sends no Idempotency-Key) is charged once, by however many server processes it reaches."""

from __future__ import annotations

import asyncio

import httpx

from boxoffice.billing.models import Payment, Subscription
from boxoffice.gateways.models import SandboxCharge
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, count_rows, fetch_rows
from tests.dialects.inplayer.test_payments import books_hold, card_form, pay, priced_item
from tests.dialects.inplayer.test_subscriptions import monthly_fee, subscribe
from tests.served import served

AT_ONCE = 20


async def test_what_the_viewer_holds_is_not_sold_to_them_again(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    again = assert_error(await pay(server, viewer, card_form(fee_id)), 409)
    assert again["message"] == "You already have access to this item"
    wallet = {"payment_method": "google pay on web", "access_fee_id": str(fee_id)}
    assert_error(await server.http.post("/v2/payments", headers=viewer.auth, data=wallet), 409)
    # Someone else's gift is still theirs to buy.
    gift = card_form(fee_id, is_gift="true", receiver_email="friend@example.com")
    assert (await pay(server, viewer, gift)).status_code == 200
    # A one-time fee of an item the viewer is subscribed to: held already.
    other, one_time = await priced_item(server, merchant)
    _, other_monthly = await monthly_fee(server, merchant, other)
    assert (await subscribe(server, viewer, other_monthly)).status_code == 200
    assert_error(await pay(server, viewer, card_form(one_time)), 409)
    assert_error(await subscribe(server, viewer, other_monthly), 409)
    assert await count_rows(server, SandboxCharge, merchant.id) == 3
    assert await books_hold(server, merchant) == {"EUR": 499 + 499 + 999}


async def _at_once(clients: list[httpx.AsyncClient], path: str, viewer: Viewer, form: dict[str, str]) -> list[int]:
    """`AT_ONCE` identical requests, spread over the clients, all in flight together."""
    requests = (clients[i % len(clients)].post(path, headers=viewer.auth, data=form) for i in range(AT_ONCE))
    return [answer.status_code for answer in await asyncio.gather(*requests)]


async def test_identical_purchases_made_at_once_by_two_processes_charge_once(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    _, monthly = await monthly_fee(server, merchant)
    async with served(server.settings) as first, served(server.settings) as second:
        clients = [first.http, second.http]
        bought = await _at_once(clients, "/payments", viewer, card_form(fee_id))
        subscribed = await _at_once(clients, "/subscriptions", viewer, card_form(monthly))
    assert sorted(bought) == [200] + [409] * (AT_ONCE - 1), bought
    assert sorted(subscribed) == [200] + [409] * (AT_ONCE - 1), subscribed
    charged = await fetch_rows(server, SandboxCharge, merchant.id, SandboxCharge.amount > 0)
    assert sorted(c.amount for c in charged) == [499, 999]
    assert [(p.kind, p.status) for p in await fetch_rows(server, Payment, merchant.id)] == [
        ("purchase", "succeeded"),
        ("subscription", "succeeded"),
    ]
    assert [s.status for s in await fetch_rows(server, Subscription, merchant.id)] == ["active"]
    assert await books_hold(server, merchant) == {"EUR": 499 + 999}
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
