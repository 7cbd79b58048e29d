"""The merchant's transactions (`GET /payments/transactions`) filtered by dates and type, and counted."""

from __future__ import annotations

from datetime import timedelta

from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, card_form, pay, priced_item
from tests.dialects.inplayer.test_subscriptions import monthly_fee, subscribe


async def listed(server: Server, merchant: Merchant, **params: str) -> dict[str, object]:
    found = await server.http.get("/payments/transactions", headers=merchant.auth, params=params)
    assert found.status_code == 200, found.text
    return dict(found.json())


def tokens(page: dict[str, object]) -> list[str]:
    rows = page["collection"]
    assert isinstance(rows, list)
    return [row["transaction_token"] for row in rows]


async def test_transactions_filter_by_dates_and_type(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    frozen._now = frozen.now().replace(year=2026, month=3, day=10, hour=12, minute=0, second=0)
    _, fee_id = await priced_item(server, merchant)
    await pay(server, viewer, card_form(fee_id))  # 10 March: a purchase
    frozen.advance(days=2)
    _, monthly = await monthly_fee(server, merchant)
    await subscribe(server, viewer, monthly)  # 12 March: a subscription's first charge
    frozen.advance(days=2)
    other = await sign_up(server, merchant, "other@example.com")
    await pay(server, other, card_form(fee_id, DECLINED))  # 14 March: declined
    everything = await listed(server, merchant)
    assert everything["total"] == 3 and everything["unique_paying_customers"] == 1
    purchase, first_charge, declined = reversed(tokens(everything))
    assert tokens(await listed(server, merchant, start_date="2026-03-11")) == [declined, first_charge]
    assert tokens(await listed(server, merchant, end_date="2026-03-12")) == [first_charge, purchase]
    noon = str(clock.unix(frozen.now() - timedelta(days=2)))
    assert tokens(await listed(server, merchant, start_date=noon, end_date=noon)) == [first_charge]
    assert tokens(await listed(server, merchant, start_date="2026-03-12 12:00:01")) == [declined]
    assert tokens(await listed(server, merchant, type="subscription")) == [first_charge]
    assert tokens(await listed(server, merchant, type="purchase")) == [declined, purchase]
    assert tokens(await listed(server, merchant, type="failed")) == [declined]
    paid = await listed(server, merchant, type="payment", size="1")
    assert (paid["total"], paid["unique_paying_customers"], len(tokens(paid))) == (2, 1, 1)
    assert (await listed(server, merchant, end_date="9999-12-31"))["total"] == 3
    for params, field in (
        ({"start_date": "March"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"start_date": "2026-03-14", "end_date": "2026-03-10"}, "end_date"),
        ({"type": "refunds"}, "type"),
    ):
        bad = await server.http.get("/payments/transactions", headers=merchant.auth, params=params)
        assert_error(bad, 422, field)
