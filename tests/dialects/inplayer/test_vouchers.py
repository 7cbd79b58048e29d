"""Vouchers: the merchant's CRUD, `Voucher.getDiscount`, and a voucher redeemed in a card payment."""

from __future__ import annotations

import asyncio

import httpx

from boxoffice.billing import ledger
from boxoffice.billing.models import Payment
from boxoffice.gateways.models import SandboxCharge
from boxoffice.promotions.models import Voucher, VoucherRule
from tests.conftest import Server
from tests.dialects.inplayer.catalog import in_days
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, count_rows, fetch_rows, make_merchant
from tests.dialects.inplayer.test_payments import DECLINED, card_form, pay, priced_item


async def add_voucher(server: Server, merchant: Merchant, **form: str) -> httpx.Response:
    values = {"name": "Spring sale", "code": "spring25", "discount": "25"}
    return await server.http.post("/vouchers", headers=merchant.auth, data=values | form)


async def discount(server: Server, viewer: Viewer, fee_id: int, code: str = "SPRING25") -> httpx.Response:
    return await server.http.post(
        "/vouchers/discount", headers=viewer.auth, data={"voucher_code": code, "access_fee_id": str(fee_id)}
    )


async def balances(server: Server, merchant: Merchant) -> dict[str, int]:
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant.id) == []
        return {
            account: await ledger.balance(session, merchant.id, account, "EUR")
            for account in ("revenue", "discounts", "gateway_clearing")
        }


async def test_a_merchant_creates_reads_changes_and_retires_a_voucher(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    ends = in_days(30)
    created = await add_voucher(
        server, merchant, **{"access_fee_ids[0]": str(fee_id), "usage_limit": "10", "end_date": str(ends)}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["code"], body["discount"], body["usage_limit"], body["usage_counter"]) == ("SPRING25", 25, 10, 0)
    assert body["rules"] == [
        {"id": body["rules"][0]["id"], "rule_type": "access-fees", "value": fee_id, "voucher": body["id"]}
    ]
    assert body["discount_period"] == "once" and body["end_date"] == ends and body["active"] is True
    assert (await server.http.get(f"/vouchers/{body['id']}", headers=merchant.auth)).json() == body
    listed = (await server.http.get("/vouchers", headers=merchant.auth)).json()
    assert listed["total"] == 1 and listed["collection"] == [body]
    changed = await server.http.put(
        f"/vouchers/{body['id']}", headers=merchant.auth, data={"discount": "50", "item_ids[0]": str(item_id)}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["discount"] == 50
    assert [(r["rule_type"], r["value"]) for r in changed.json()["rules"]] == [("items", item_id)]
    assert (await discount(server, viewer, fee_id)).json()["amount"] == 2.49  # 4.99 less 2.50
    retired = await server.http.delete(f"/vouchers/{body['id']}", headers=merchant.auth)
    assert retired.status_code == 200
    assert_error(await discount(server, viewer, fee_id), 422, "voucher_code")
    assert await count_rows(server, Voucher, merchant.id) == 1


async def test_bad_vouchers_are_refused_and_write_nothing(server: Server, merchant: Merchant) -> None:
    rival = await make_merchant(server, "owner@rival.example.com")
    _, their_fee = await priced_item(server, rival)
    cases: list[tuple[dict[str, str], int, tuple[str, ...]]] = [
        ({"name": ""}, 422, ("name",)),
        ({"code": "x"}, 422, ("code",)),
        ({"code": "has space"}, 422, ("code",)),
        ({"discount": "0"}, 422, ("discount",)),
        ({"discount": "101"}, 422, ("discount",)),
        ({"discount": "", "amount_off": ""}, 422, ("discount",)),
        ({"amount_off": "1.00", "currency": "EUR"}, 422, ("discount",)),
        ({"discount": "", "amount_off": "1.00", "currency": "EURO"}, 422, ("currency",)),
        ({"discount": "", "amount_off": "1.001", "currency": "EUR"}, 422, ("amount_off",)),
        ({"discount": "", "amount_off": "-1", "currency": "EUR"}, 422, ("amount_off",)),
        ({"discount_period": "sometimes"}, 422, ("discount_period",)),
        ({"discount_period": "repeating"}, 422, ("discount_duration",)),
        ({"start_date": str(in_days(5)), "end_date": str(in_days(1))}, 422, ("end_date",)),
        ({"usage_limit": "0"}, 422, ("usage_limit",)),
        ({"access_fee_ids[0]": str(their_fee)}, 422, ("access_fee_ids",)),
        ({"item_ids[0]": "999999"}, 422, ("item_ids",)),
        ({"access_fee_ids[0]": "abc"}, 422, ("access_fee_ids",)),
    ]
    for change, status, fields in cases:
        assert_error(await add_voucher(server, merchant, **change), status, *fields)
    assert await count_rows(server, Voucher, merchant.id) == 0
    assert (await add_voucher(server, merchant)).status_code == 201
    assert_error(await add_voucher(server, merchant, code="SPRING25"), 409)
    [mine] = await fetch_rows(server, Voucher, merchant.id)
    assert_error(await server.http.get(f"/vouchers/{mine.id}", headers=rival.auth), 404)
    assert_error(await server.http.put(f"/vouchers/{mine.id}", headers=rival.auth, data={"discount": "1"}), 404)
    assert_error(await server.http.delete(f"/vouchers/{mine.id}", headers=rival.auth), 404)
    [still] = await fetch_rows(server, Voucher, merchant.id)
    assert (still.active, still.percent_off) == (True, 25)
    assert await count_rows(server, VoucherRule, merchant.id) == 0


NEW_YEAR_2026 = 1767225600  # 2026-01-01T00:00:00Z


async def test_a_voucher_takes_its_dates_as_unix_seconds_iso_8601_or_date_and_time(
    server: Server, merchant: Merchant
) -> None:
    ways = [
        "1767225600",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.000Z",
        "2026-01-01T01:00:00+01:00",
        "2025-12-31T19:00:00-05:00",
        "2026-01-01 00:00:00",
        "2026-01-01",
    ]
    for number, way in enumerate(ways):
        made = await add_voucher(server, merchant, code=f"NEWYEAR{number}", start_date=way, end_date="2026-02-01")
        assert made.status_code == 201, (way, made.text)
        assert (made.json()["start_date"], made.json()["end_date"]) == (NEW_YEAR_2026, NEW_YEAR_2026 + 31 * 86400)
    # A form sent unencoded, as `curl -d` sends it, makes an offset's `+` a space.
    raw = "name=Spring&code=PLUSSPACE&discount=10&start_date=2026-01-01T01:00:00+01:00"
    headers = merchant.auth | {"Content-Type": "application/x-www-form-urlencoded"}
    plus = await server.http.post("/vouchers", headers=headers, content=raw)
    assert plus.status_code == 201 and plus.json()["start_date"] == NEW_YEAR_2026, plus.text
    for bad in ["tomorrow", "2026-13-01T00:00:00Z", "-1", "1.5", "01/01/2026", "2026-01-01T00:00:00 garbage"]:
        assert_error(await add_voucher(server, merchant, code="NEVER", start_date=bad), 422, "start_date")
    assert_error(await add_voucher(server, merchant, code="NEVER", end_date="99999999999999"), 422, "end_date")
    assert await count_rows(server, Voucher, merchant.id) == len(ways) + 1


async def test_get_discount_says_what_the_price_becomes_or_why_not(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    _, other_fee = await priced_item(server, merchant)
    _, dollar_fee = await priced_item(server, merchant, currency="USD")
    await add_voucher(server, merchant, **{"access_fee_ids[0]": str(fee_id), "access_fee_ids[1]": str(dollar_fee)})
    await add_voucher(server, merchant, code="EURO1", discount="", amount_off="1.00", currency="EUR")
    await add_voucher(server, merchant, code="LATER", start_date=str(in_days(2)))
    await add_voucher(server, merchant, code="MONTHS", discount_period="repeating", discount_duration="3")
    answer = await discount(server, viewer, fee_id, "spring25")  # codes are typed in any case
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "amount": 3.74,
        "discount_duration": None,
        "discount_period": "once",
        "currency_iso": "EUR",
    }
    assert (await discount(server, viewer, fee_id, "EURO1")).json()["amount"] == 3.99
    assert (await discount(server, viewer, fee_id, "MONTHS")).json()["discount_duration"] == 3
    for fee, code in [(other_fee, "SPRING25"), (dollar_fee, "EURO1"), (fee_id, "LATER"), (fee_id, "NOPE")]:
        assert_error(await discount(server, viewer, fee, code), 422, "voucher_code")
    assert_error(await discount(server, viewer, 999_999), 404)
    assert_error(
        await server.http.post("/vouchers/discount", headers=viewer.auth, data={"voucher_code": "SPRING25"}),
        422,
        "access_fee_id",
    )


async def test_a_voucher_lowers_the_charge_and_the_books_show_the_discount(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    await add_voucher(server, merchant)
    paid = await pay(server, viewer, card_form(fee_id, voucher_code="spring25"))
    assert paid.status_code == 200, paid.text
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.amount, payment.discount) == (374, 125)
    [charge] = await fetch_rows(server, SandboxCharge, merchant.id)
    assert charge.amount == 374
    assert await balances(server, merchant) == {"revenue": -499, "discounts": 125, "gateway_clearing": 374}
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    [voucher] = await fetch_rows(server, Voucher, merchant.id)
    assert voucher.usage_count == 1


async def test_a_voucher_that_takes_it_all_grants_without_a_charge(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    await add_voucher(server, merchant, code="FREE", discount="100")
    assert (await pay(server, viewer, card_form(fee_id, voucher_code="FREE"))).status_code == 200
    assert await count_rows(server, SandboxCharge, merchant.id) == 0
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    assert await balances(server, merchant) == {"revenue": -499, "discounts": 499, "gateway_clearing": 0}


async def test_a_declined_payment_gives_its_voucher_use_back(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    _, fee_id = await priced_item(server, merchant)
    await add_voucher(server, merchant, usage_limit="1")
    assert_error(await pay(server, viewer, card_form(fee_id, DECLINED, voucher_code="SPRING25")), 402)
    [voucher] = await fetch_rows(server, Voucher, merchant.id)
    assert voucher.usage_count == 0
    assert (await pay(server, viewer, card_form(fee_id, voucher_code="SPRING25"))).status_code == 200
    _, another_fee = await priced_item(server, merchant)
    assert_error(await pay(server, viewer, card_form(another_fee, voucher_code="SPRING25")), 422, "voucher_code")


async def test_fifty_redemptions_of_a_ten_use_voucher_at_once_redeem_ten(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    # Fifty items: one viewer buys each once.
    fee_ids = [(await priced_item(server, merchant))[1] for _ in range(50)]
    await add_voucher(server, merchant, usage_limit="10")

    async def redeem(n: int) -> httpx.Response:
        return await pay(server, viewer, card_form(fee_ids[n], voucher_code="SPRING25"), key=f"order-{n}")

    answers = await asyncio.gather(*(redeem(n) for n in range(50)))
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    assert statuses == {200: 10, 422: 40}, statuses
    [voucher] = await fetch_rows(server, Voucher, merchant.id)
    assert voucher.usage_count == 10
    assert await count_rows(server, Payment, merchant.id) == 10
    assert await count_rows(server, SandboxCharge, merchant.id) == 10
    assert (await balances(server, merchant))["discounts"] == 10 * 125
