"""Access fees: the prices an item sells at, created, changed and taken off sale by the merchant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from boxoffice.catalog.models import Price
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_country_set, add_fee, add_item, catalog_rows, in_days
from tests.dialects.inplayer.conftest import Merchant, assert_error, fetch_rows, make_merchant

FEE_KEYS = {
    "id",
    "merchant_id",
    "amount",
    "currency",
    "description",
    "starts_at",
    "expires_at",
    "created_at",
    "updated_at",
    "access_type",
    "item",
    "item_id",
    "trial_period",
    "setup_fee",
    "seasonal_fee",
    "external_fees",
    "geo_restriction",
    "current_phase",
    "item_type",
}


async def test_a_one_time_fee_has_the_inplayer_shape(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant, content="secret")
    response = await server.http.post(
        f"/v2/items/{item['id']}/access-fees",
        headers=merchant.auth,
        data={"access_type_id": "1", "amount": "4.99", "currency": "EUR", "description": "One day"},
    )
    assert response.status_code == 201, response.text
    fee = response.json()
    assert set(fee) == FEE_KEYS
    assert fee["merchant_id"] == merchant.id and fee["item_id"] == item["id"]
    assert fee["amount"] == 4.99 and fee["currency"] == "EUR" and fee["description"] == "One day"
    assert fee["starts_at"] is None and fee["expires_at"] is None
    assert isinstance(fee["created_at"], int) and isinstance(fee["updated_at"], int)
    assert set(fee["access_type"]) == {"id", "account_id", "name", "quantity", "period", "created_at", "updated_at"}
    assert {k: fee["access_type"][k] for k in ("id", "name", "quantity", "period")} == {
        "id": 1,
        "name": "ppv",
        "quantity": 24,
        "period": "hour",
    }
    assert fee["item"]["id"] == item["id"] and fee["item"]["title"] == item["title"]
    assert "content" not in fee["item"] and fee["item"]["plan_switch_enabled"] is False
    assert fee["item_type"] == item["item_type"]
    for empty in ("trial_period", "setup_fee", "seasonal_fee", "external_fees", "geo_restriction", "current_phase"):
        assert fee[empty] is None, empty
    [row] = await fetch_rows(server, Price, merchant.id)
    assert (row.amount, row.currency, row.kind, row.period_unit, row.period_quantity) == (
        499,
        "EUR",
        "one_time",
        "hour",
        24,
    )
    assert row.active is True


async def test_a_subscription_fee_with_trial_setup_fee_window_and_country_set(
    server: Server, merchant: Merchant
) -> None:
    item = await add_item(server, merchant)
    country_set = await add_country_set(server, merchant, type="blacklist", **{"countries[0]": "US"})
    starts, expires = in_days(-1), in_days(90)
    fee = await add_fee(
        server,
        merchant,
        item["id"],
        access_type_id="7",
        amount="9.90",
        currency="USD",
        description="Monthly",
        starts_at=str(starts),
        expires_at=str(expires),
        trial_period_quantity="14",
        trial_period_period="day",
        trial_period_description="Two weeks free",
        setup_fee_amount="2.5",
        setup_fee_description="Activation",
        country_set_id=str(country_set["id"]),
    )
    assert fee["amount"] == 9.9 and fee["currency"] == "USD"
    assert (fee["starts_at"], fee["expires_at"]) == (starts, expires)
    assert fee["access_type"]["name"] == "subscription" and fee["access_type"]["period"] == "month"
    assert fee["trial_period"] == {"quantity": 14, "period": "day", "description": "Two weeks free"}
    assert fee["setup_fee"] == {"id": fee["id"], "fee_amount": 2.5, "description": "Activation"}
    assert fee["geo_restriction"] == {
        "id": country_set["id"],
        "country_iso": "US,FR",
        "country_set_id": country_set["id"],
        "type": "blacklist",
    }
    [row] = await fetch_rows(server, Price, merchant.id)
    assert (row.amount, row.setup_fee_amount, row.trial_period_quantity, row.trial_period_unit) == (990, 250, 14, "day")
    # The public list renders the same fee, country set and all.
    public = (await server.http.get(f"/v2/items/{item['id']}/access-fees")).json()
    assert public == [fee]


@pytest.mark.parametrize(
    ("currency", "amount", "rendered", "minor"),
    [("JPY", "500", 500, 500), ("KWD", "1.999", 1.999, 1999), ("GBP", "10", 10, 1000), ("EUR", "0.01", 0.01, 1)],
)
async def test_amounts_follow_the_currency_decimals(
    server: Server, merchant: Merchant, currency: str, amount: str, rendered: float, minor: int
) -> None:
    item = await add_item(server, merchant)
    fee = await add_fee(server, merchant, item["id"], amount=amount, currency=currency)
    assert fee["amount"] == rendered
    [row] = await fetch_rows(server, Price, merchant.id)
    assert row.amount == minor


async def test_ppv_custom_ends_when_the_merchant_says(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    ends = in_days(3)
    fee = await add_fee(server, merchant, item["id"], access_type_id="5", expires_at=str(ends))
    assert fee["access_type"]["name"] == "ppv_custom" and fee["expires_at"] == ends


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": ""}, "amount"),
        ({"access_type_id": "7", "amount": "0"}, "amount"),
        ({"access_type_id": "7", "amount": "0.00"}, "amount"),
        ({"amount": "-4.99"}, "amount"),
        ({"amount": "4.999"}, "amount"),
        ({"amount": "4,99"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"amount": "999999999999999"}, "amount"),
        ({"amount": "21474836.48"}, "amount"),  # one past what a 32-bit amount column holds
        ({"amount": "1.5", "currency": "JPY"}, "amount"),
        ({"currency": None}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "XAU"}, "currency"),
        ({"currency": "E1R"}, "currency"),
        ({"access_type_id": None}, "access_type_id"),
        ({"access_type_id": "99"}, "access_type_id"),
        ({"access_type_id": "ppv"}, "access_type_id"),
        ({"access_type_id": "5"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"expires_at": "-5"}, "expires_at"),
        ({"starts_at": "2024-13-01"}, "starts_at"),
        ({"starts_at": "01/01/2024"}, "starts_at"),
        ({"expires_at": "1000"}, "expires_at"),
        ({"starts_at": "EXPIRES+10", "expires_at": "EXPIRES"}, "expires_at"),
        ({"description": "d" * 501}, "description"),
        ({"trial_period_quantity": "7", "trial_period_period": "day"}, "trial_period_quantity"),
        ({"access_type_id": "7", "trial_period_quantity": "0", "trial_period_period": "day"}, "trial_period_quantity"),
        (
            {"access_type_id": "7", "trial_period_quantity": "366", "trial_period_period": "day"},
            "trial_period_quantity",
        ),
        ({"access_type_id": "7", "trial_period_quantity": "7", "trial_period_period": "year"}, "trial_period_period"),
        ({"access_type_id": "7", "trial_period_quantity": "7"}, "trial_period_period"),
        ({"access_type_id": "7", "trial_period_period": "day"}, "trial_period_quantity"),
        ({"setup_fee_amount": "1.00"}, "setup_fee_amount"),
        ({"access_type_id": "7", "setup_fee_amount": "0"}, "setup_fee_amount"),
        ({"access_type_id": "7", "setup_fee_amount": "1.001"}, "setup_fee_amount"),
        ({"access_type_id": "7", "setup_fee_amount": "free"}, "setup_fee_amount"),
        ({"country_set_id": "424242"}, "country_set_id"),
    ],
)
async def test_bad_fees_are_422_and_write_nothing(
    server: Server, merchant: Merchant, form: dict[str, str | None], field: str
) -> None:
    item = await add_item(server, merchant)
    expires = in_days(10)
    base = {"access_type_id": "3", "amount": "4.99", "currency": "EUR", "description": "Week"}
    values = {
        k: v.replace("EXPIRES+10", str(expires + 10)).replace("EXPIRES", str(expires))
        for k, v in form.items()
        if v is not None
    }
    sent = {k: v for k, v in (base | values).items() if form.get(k, "") is not None}
    before = await catalog_rows(server, merchant)
    response = await server.http.post(f"/v2/items/{item['id']}/access-fees", headers=merchant.auth, data=sent)
    assert_error(response, 422, field)
    assert await catalog_rows(server, merchant) == before


async def test_a_fee_takes_its_dates_as_iso_8601_or_date_and_time(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    frozen._now = datetime(2025, 12, 1)
    new_year = 1767225600  # 2026-01-01T00:00:00Z
    item = await add_item(server, merchant)
    fee = await add_fee(
        server, merchant, item["id"], starts_at="2026-01-01T00:00:00Z", expires_at="2026-02-01 00:00:00"
    )
    assert (fee["starts_at"], fee["expires_at"]) == (new_year, new_year + 31 * 86400)
    url = f"/v2/items/{item['id']}/access-fees/{fee['id']}"
    moved = await server.http.put(url, headers=merchant.auth, data={"expires_at": "2026-03-01T01:00:00+01:00"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["expires_at"] == new_year + (31 + 28) * 86400


async def test_a_fee_may_not_use_another_merchants_country_set(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_country_set(server, other)
    response = await server.http.post(
        f"/v2/items/{item['id']}/access-fees",
        headers=merchant.auth,
        data={"access_type_id": "3", "amount": "1", "currency": "EUR", "country_set_id": str(theirs["id"])},
    )
    assert_error(response, 422, "country_set_id")
    assert (await catalog_rows(server, merchant))["prices"] == 0


async def test_no_fee_on_an_inactive_unknown_or_foreign_item(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    await server.http.delete(f"/v2/items/{item['id']}", headers=merchant.auth)
    form = {"access_type_id": "3", "amount": "4.99", "currency": "EUR"}
    assert_error(await server.http.post(f"/v2/items/{item['id']}/access-fees", headers=merchant.auth, data=form), 409)
    assert_error(await server.http.post("/v2/items/424242/access-fees", headers=merchant.auth, data=form), 404)
    assert_error(await server.http.post("/v2/items/x/access-fees", headers=merchant.auth, data=form), 422, "item_id")
    other = await make_merchant(server, "other@publisher.example.com")
    theirs = await add_item(server, other)
    assert_error(await server.http.post(f"/v2/items/{theirs['id']}/access-fees", headers=merchant.auth, data=form), 404)
    assert (await catalog_rows(server, merchant))["prices"] == 0
    assert (await catalog_rows(server, other))["prices"] == 0


async def test_merchant_changes_a_fee(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    country_set = await add_country_set(server, merchant)
    fee = await add_fee(server, merchant, item["id"], expires_at=str(in_days(30)))
    url = f"/v2/items/{item['id']}/access-fees/{fee['id']}"
    response = await server.http.put(
        url,
        headers=merchant.auth,
        data={"amount": "5.49", "description": "Week pass", "country_set_id": str(country_set["id"]), "expires_at": ""},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["amount"], changed["description"], changed["expires_at"]) == (5.49, "Week pass", None)
    assert changed["geo_restriction"]["country_iso"] == "DE,FR"
    assert changed["access_type"] == fee["access_type"] and changed["created_at"] == fee["created_at"]
    # A currency alone keeps the amount; the access type brings its terms; an empty country set lifts it.
    response = await server.http.put(
        url, headers=merchant.auth, data={"currency": "USD", "access_type_id": "10", "country_set_id": ""}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["amount"], changed["currency"]) == (5.49, "USD")
    assert changed["access_type"]["name"] == "subscription" and changed["access_type"]["period"] == "year"
    assert changed["geo_restriction"] is None
    [row] = await fetch_rows(server, Price, merchant.id)
    assert (row.amount, row.currency, row.kind, row.country_set_id) == (549, "USD", "subscription", None)
    # A trial, then removed again.
    trial = await server.http.put(
        url, headers=merchant.auth, data={"trial_period_quantity": "1", "trial_period_period": "month"}
    )
    assert trial.json()["trial_period"] == {"quantity": 1, "period": "month", "description": ""}
    untrial = await server.http.put(
        url, headers=merchant.auth, data={"trial_period_quantity": "", "trial_period_period": ""}
    )
    assert untrial.json()["trial_period"] is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"currency": "JPY"}, "amount"),
        ({"currency": "dollars"}, "currency"),
        ({"access_type_id": "0"}, "access_type_id"),
        ({"access_type_id": "5", "expires_at": ""}, "expires_at"),
        ({"expires_at": "yesterday"}, "expires_at"),
        ({"starts_at": "PAST_EXPIRY"}, "expires_at"),
        ({"trial_period_quantity": "3", "trial_period_period": "day"}, "trial_period_quantity"),
        ({"country_set_id": "424242"}, "country_set_id"),
        ({"active": "sometimes"}, "active"),
    ],
)
async def test_bad_fee_changes_are_422_and_change_nothing(
    server: Server, merchant: Merchant, form: dict[str, str], field: str
) -> None:
    item = await add_item(server, merchant)
    fee = await add_fee(server, merchant, item["id"], amount="4.50", expires_at=str(in_days(5)))
    sent = {k: v.replace("PAST_EXPIRY", str(in_days(6))) for k, v in form.items()}
    url = f"/v2/items/{item['id']}/access-fees/{fee['id']}"
    assert_error(await server.http.put(url, headers=merchant.auth, data=sent), 422, field)
    [row] = await fetch_rows(server, Price, merchant.id)
    assert (row.amount, row.currency, row.access_type_id, row.active) == (450, "EUR", 3, True)
    assert (await server.http.get(f"/v2/items/{item['id']}/access-fees")).json() == [fee]


async def test_unknown_foreign_and_mismatched_fee_ids_are_404(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    fee = await add_fee(server, merchant, item["id"])
    elsewhere = await add_item(server, merchant, title="Another")
    other = await make_merchant(server, "other@publisher.example.com")
    their_item = await add_item(server, other)
    their_fee = await add_fee(server, other, their_item["id"])
    paths = [
        f"/v2/items/{item['id']}/access-fees/424242",
        f"/v2/items/{elsewhere['id']}/access-fees/{fee['id']}",
        f"/v2/items/424242/access-fees/{fee['id']}",
        f"/v2/items/{item['id']}/access-fees/{their_fee['id']}",
        f"/v2/items/{their_item['id']}/access-fees/{their_fee['id']}",
    ]
    for path in paths:
        for method in ("PUT", "DELETE"):
            response = await server.http.request(
                method, path, headers=merchant.auth, data={"amount": "1"} if method == "PUT" else None
            )
            assert_error(response, 404)
    assert_error(
        await server.http.put(f"/v2/items/{item['id']}/access-fees/abc", headers=merchant.auth, data={}), 422, "fee_id"
    )
    assert (await server.http.get(f"/v2/items/{item['id']}/access-fees")).json() == [fee]
    assert (await server.http.get(f"/v2/items/{their_item['id']}/access-fees")).json() == [their_fee]


async def test_delete_stops_new_sales_and_keeps_the_fee(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    kept = await add_fee(server, merchant, item["id"])
    stopped = await add_fee(server, merchant, item["id"], access_type_id="7", amount="9.99")
    response = await server.http.delete(f"/v2/items/{item['id']}/access-fees/{stopped['id']}", headers=merchant.auth)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == stopped["id"]
    for path in (f"/v2/items/{item['id']}/access-fees", f"/items/{item['id']}/access-fees"):
        assert [f["id"] for f in (await server.http.get(path)).json()] == [kept["id"]]
    rows = {row.id: row.active for row in await fetch_rows(server, Price, merchant.id)}
    assert rows == {kept["id"]: True, stopped["id"]: False}
    # Back on sale with PUT active=true.
    again = await server.http.put(
        f"/v2/items/{item['id']}/access-fees/{stopped['id']}", headers=merchant.auth, data={"active": "true"}
    )
    assert again.status_code == 200
    assert len((await server.http.get(f"/v2/items/{item['id']}/access-fees")).json()) == 2


async def test_public_fee_lists_hold_only_what_is_on_sale_now(server: Server, merchant: Merchant) -> None:
    item = await add_item(server, merchant)
    now_on = await add_fee(server, merchant, item["id"], starts_at=str(in_days(-2)), expires_at=str(in_days(2)))
    always = await add_fee(server, merchant, item["id"], amount="1.00")
    await add_fee(server, merchant, item["id"], amount="2.00", starts_at=str(in_days(1)))
    for path in (f"/v2/items/{item['id']}/access-fees", f"/items/{item['id']}/access-fees"):
        response = await server.http.get(path)
        assert response.status_code == 200, response.text
        fees: list[dict[str, Any]] = response.json()
        assert [f["id"] for f in fees] == [now_on["id"], always["id"]]
        assert all(set(f) == FEE_KEYS and "content" not in f["item"] for f in fees)
    await server.http.delete(f"/v2/items/{item['id']}", headers=merchant.auth)
    for path in (
        f"/v2/items/{item['id']}/access-fees",
        f"/items/{item['id']}/access-fees",
        "/v2/items/424242/access-fees",
    ):
        assert_error(await server.http.get(path), 404)
