"""The `/v2/analytics` endpoints against one scenario whose answers are worked out by hand below: two viewers
signing up and in from two countries on two kinds of device, purchases in two currencies and by two methods, a
refund, a voucher, and one subscription running while the other is cancelled but runs to its period's end.

Timeline (T = the frozen clock's start):
  T        alice signs up (GB, iPhone); bob signs up (US, Windows). alice buys A (4.99 EUR, card) and B
           (5.00 USD, card).
  T+1d     alice signs in twice (GB, iPhone; the second an hour later); bob once (US, Windows).
  T+2d     bob buys A with Google Pay (4.99 EUR), is declined buying B, subscribes to C (10.00 EUR monthly) with a
           25 % voucher (7.50 EUR); alice subscribes to C (10.00 EUR).
  T+3d     alice and bob open A (a content request each); the merchant refunds 2.00 USD of alice's B and cancels
           bob's subscription at the end of its period.
"""

from __future__ import annotations

import json
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, make_merchant, sign_up_form
from tests.dialects.inplayer.test_payment_methods import answer_page, pay_v2
from tests.dialects.inplayer.test_payments import DECLINED, card_form, pay
from tests.dialects.inplayer.test_subscriptions import renew
from tests.dialects.inplayer.test_vouchers import add_voucher
from tests.test_client_info import UA

GB, US = "81.2.69.142", "8.8.8.8"
UK_NAME, US_NAME = "United Kingdom of Great Britain and Northern Ireland", "United States of America"
EXAMPLES = json.loads((Path(__file__).parent / "analytics_seed_examples.json").read_text())


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test client stands behind a trusted proxy, so each request can say which country it comes from."""
    return settings.model_copy(
        update={
            "trusted_proxies": [ip_network("203.0.113.7/32")],
            "access_token_ttl": 400 * 86400,
            "reports_dir": tmp_path / "reports",
        }
    )


def client(address: str, agent: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, "User-Agent": UA[agent]}


async def join(server: Server, merchant: Merchant, email: str, headers: dict[str, str]) -> Viewer:
    response = await server.http.post("/accounts", data=sign_up_form(merchant, email), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return Viewer(email, "viewer-pass-1", body["access_token"], body["refresh_token"], body["account"])


async def log_in(server: Server, merchant: Merchant, viewer: Viewer, headers: dict[str, str]) -> None:
    form = {"client_id": merchant.uuid, "grant_type": "password", "username": viewer.email, "password": "viewer-pass-1"}
    response = await server.http.post("/accounts/authenticate", data=form, headers=headers)
    assert response.status_code == 200, response.text


class Scenario:
    def __init__(self, server: Server, merchant: Merchant, frozen: clock.FrozenClock) -> None:
        self.server, self.merchant, self.frozen = server, merchant, frozen
        self.start = clock.now()

    async def play(self) -> Scenario:
        server, merchant = self.server, self.merchant
        at_gb, at_us = client(GB, "iphone-safari"), client(US, "windows-chrome")
        self.alice = await join(server, merchant, "alice@example.com", at_gb)
        self.bob = await join(server, merchant, "bob@example.com", at_us)
        self.item_a = (await add_item(server, merchant, title="Cup final", **{"metadata[league]": "Premier"}))["id"]
        self.fee_a = (await add_fee(server, merchant, self.item_a, access_type_id="3", amount="4.99"))["id"]
        self.item_b = (await add_item(server, merchant, title="Documentary"))["id"]
        fee_b = (await add_fee(server, merchant, self.item_b, amount="5.00", currency="USD"))["id"]
        self.item_c = (await add_item(server, merchant, title="Season"))["id"]
        monthly = {"access_type_id": "7", "amount": "10.00", "description": "Monthly"}
        self.fee_c = (await add_fee(server, merchant, self.item_c, **monthly))["id"]
        assert (await add_voucher(server, merchant)).status_code == 201
        for fee in (self.fee_a, fee_b):
            response = await server.http.post("/payments", headers=self.alice.auth | at_gb, data=card_form(fee))
            assert response.status_code == 200, response.text

        self.frozen.advance(days=1)
        await log_in(server, merchant, self.alice, at_gb)
        self.frozen.advance(hours=1)
        self.alice_last_login = clock.now()
        await log_in(server, merchant, self.alice, at_gb)
        await log_in(server, merchant, self.bob, at_us)

        self.frozen.advance(days=1)
        started = await pay_v2(server, self.bob, self.fee_a, "google pay on web")
        assert started.status_code == 200, started.text
        await answer_page(server, started.json()["redirect_to_url"], "success")
        confirmed = await server.http.post("/payments", headers=self.bob.auth, data={"pi_id": started.json()["pi_id"]})
        assert confirmed.status_code == 200, confirmed.text
        assert (await pay(server, self.bob, card_form(fee_b, DECLINED))).status_code == 402
        bob_sub = await server.http.post(
            "/subscriptions",
            headers=self.bob.auth | at_us,
            data=card_form(self.fee_c, voucher_code="spring25", return_url="https://app.example.com/plans"),
        )
        assert bob_sub.status_code == 200, bob_sub.text
        alice_sub = await server.http.post(
            "/subscriptions", headers=self.alice.auth | at_gb, data=card_form(self.fee_c, return_url="https://a.test/")
        )
        assert alice_sub.status_code == 200, alice_sub.text

        self.frozen.advance(days=1)
        self.alice_opened = clock.now()
        for viewer, headers in ((self.alice, at_gb), (self.bob, at_us)):
            opened = await server.http.get(f"/items/{self.item_a}/access", headers=viewer.auth | headers)
            assert opened.status_code == 200, opened.text
        assert await server.app.state.content_log.flush(server.app.state.sessions) == 2
        history = (await server.http.get("/v2/accounting/payment-history", headers=self.alice.auth)).json()
        [usd] = [row for row in history["collection"] if row["currency_iso"] == "USD"]
        refunded = await server.http.post(
            "/v2/payments/refunds",
            headers=merchant.auth,
            data={"transaction_token": usd["transaction_token"], "amount": "2.00"},
        )
        assert refunded.status_code == 200, refunded.text
        listed = (await server.http.get("/subscriptions", headers=self.bob.auth)).json()["collection"]
        cancel = await server.http.post(f"/subscriptions/{listed[0]['id']}/cancel", headers=merchant.auth)
        assert cancel.status_code == 200 and cancel.json()["action_type"] == "canceled", cancel.text
        return self

    def day(self, days: float) -> str:
        return (self.start + timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
async def scenario(server: Server, merchant: Merchant, frozen: clock.FrozenClock) -> Scenario:
    return await Scenario(server, merchant, frozen).play()


async def get(server: Server, merchant: Merchant, path: str, **params: str) -> Any:
    response = await server.http.get(path, headers=merchant.auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def shape(value: Any) -> Any:
    """A response's key structure and JSON types: what the seed's examples pin down. A null in an example stands
    for any type; `per_method` is a map whose keys are the methods' names."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else None


def assert_shaped_like(actual: Any, example: Any, where: str = "") -> None:
    if example is None:
        return
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        if set(example) == {"property1", "property2"}:  # a map: each value shaped like the example's
            for key, item in actual.items():
                assert_shaped_like(item, example["property1"], f"{where}.{key}")
            return
        assert set(actual) == set(example), f"{where}: keys {sorted(actual)} != {sorted(example)}"
        for key, item in example.items():
            assert_shaped_like(actual[key], item, f"{where}.{key}")
        return
    if isinstance(example, list):
        assert isinstance(actual, list) and actual, f"{where}: {actual!r} is not a non-empty list"
        for item in actual:  # like one of the example's items (a canceled state has a sub-state, others don't)
            misses = []
            for candidate in example:
                try:
                    assert_shaped_like(item, candidate, f"{where}[]")
                    break
                except AssertionError as miss:
                    misses.append(str(miss))
            else:
                raise AssertionError("; ".join(misses))
        return
    assert shape(actual) == shape(example), f"{where}: {actual!r} is not a {shape(example)}"


async def test_logins_count_every_sign_in_per_device_and_country(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    body = await get(server, merchant, "/v2/analytics/customers/logins")
    # Signing up signs in: alice 1 + 2 (GB, mobile), bob 1 + 1 (US, desktop).
    assert body == {
        "total": 5,
        "per_device": [{"name": "mobile", "total": 3}, {"name": "desktop", "total": 2}],
        "per_country": [{"name": UK_NAME, "total": 3}, {"name": US_NAME, "total": 2}],
    }
    assert_shaped_like(body, EXAMPLES["logins"])


async def test_registrations_count_per_device_country_and_source(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    body = await get(server, merchant, "/v2/analytics/customers/registrations")
    assert body == {
        "total": 2,
        "per_device": [{"name": "desktop", "total": 1}, {"name": "mobile", "total": 1}],
        "per_country": [{"name": UK_NAME, "total": 1}, {"name": US_NAME, "total": 1}],
        "per_register_source": [{"name": "inplayer", "total": 2}],
    }
    assert_shaped_like(body, EXAMPLES["registrations"])


async def test_payments_and_refunds_per_method_and_currency(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    every = await get(server, merchant, "/v2/analytics/payments")
    assert every == {
        "payment_analytics": {
            "total": 5,
            "per_method": {
                "Card": {
                    "total": 4,
                    # 4.99 (alice's A) + 7.50 (bob's subscription) + 10.00 (alice's); 5.00 (alice's B)
                    "total_amount_per_currency": [
                        {"total_amount": 22.49, "currency": "EUR"},
                        {"total_amount": 5.0, "currency": "USD"},
                    ],
                },
                "Google Pay": {"total": 1, "total_amount_per_currency": [{"total_amount": 4.99, "currency": "EUR"}]},
            },
        },
        "refund_analytics": {
            "total": 1,
            "per_method": {
                "Card": {"total": 1, "total_amount_per_currency": [{"total_amount": 2.0, "currency": "USD"}]}
            },
        },
    }
    assert_shaped_like(every, EXAMPLES["payments"])
    later = await get(server, merchant, "/v2/analytics/payments", start_date=scenario.day(1), end_date=scenario.day(4))
    assert later["payment_analytics"]["total"] == 3
    assert later["payment_analytics"]["per_method"]["Card"]["total_amount_per_currency"] == [
        {"total_amount": 17.5, "currency": "EUR"}
    ]
    assert later["refund_analytics"]["total"] == 1
    # A date without a time takes in its whole day: the first day holds alice's two purchases and no refund.
    first_day = scenario.start.strftime("%Y-%m-%d")
    posted = await server.http.post(
        "/v2/analytics/payments", headers=merchant.auth, data={"start_date": first_day, "end_date": first_day}
    )
    assert posted.status_code == 200, posted.text
    assert posted.json() == {
        "payment_analytics": {
            "total": 2,
            "per_method": {
                "Card": {
                    "total": 2,
                    "total_amount_per_currency": [
                        {"total_amount": 4.99, "currency": "EUR"},
                        {"total_amount": 5.0, "currency": "USD"},
                    ],
                }
            },
        },
        "refund_analytics": {"total": 0, "per_method": {}},
    }


async def test_subscriptions_per_state_grouped_by_price_country_and_item(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    by_price = await get(server, merchant, "/v2/analytics/subscriptions", grouped_by="price")
    assert by_price == {
        "country_code": "",
        "country_name": "",
        "total_subcriptions": 2,
        "grouped_by": "price",
        "subscriptions_grouped_by": [
            {
                "id": scenario.fee_c,
                "description": "Monthly",
                "total_voucher_discount": 1,
                "total_subcriptions": 2,
                "total_subscriptions_per_state": [
                    {"action_type": "recurrent", "total_subscriptions": 1},
                    {
                        "action_type": "canceled",
                        "total_subscriptions": 1,
                        "sub_action_type": {"action_type": "about_to_churn", "total_subscriptions": 1},
                    },
                ],
            }
        ],
    }
    assert_shaped_like(by_price, EXAMPLES["subscriptions"])
    by_country = await get(server, merchant, "/v2/analytics/subscriptions", grouped_by="country")
    assert [(g["id"], g["description"], g["total_subcriptions"]) for g in by_country["subscriptions_grouped_by"]] == [
        (826, UK_NAME, 1),
        (840, US_NAME, 1),
    ]
    in_gb = await get(server, merchant, "/v2/analytics/subscriptions", country_code="GBR", grouped_by="item")
    assert (in_gb["country_code"], in_gb["country_name"], in_gb["total_subcriptions"]) == ("GB", UK_NAME, 1)
    [season] = in_gb["subscriptions_grouped_by"]
    assert (season["id"], season["description"], season["total_voucher_discount"]) == (scenario.item_c, "Season", 0)
    assert season["total_subscriptions_per_state"] == [{"action_type": "recurrent", "total_subscriptions": 1}]
    churning = await get(server, merchant, "/v2/analytics/subscriptions", action_type="about_to_churn")
    assert churning["total_subcriptions"] == 1 and churning["grouped_by"] == ""


async def test_a_cancelled_subscription_stops_being_about_to_churn_once_it_has_ended(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    scenario.frozen.advance(days=40)
    await renew(server)
    body = await get(server, merchant, "/v2/analytics/subscriptions", action_type="canceled")
    [group] = body["subscriptions_grouped_by"]
    assert group["total_subscriptions_per_state"] == [
        {
            "action_type": "canceled",
            "total_subscriptions": 1,
            "sub_action_type": {"action_type": "about_to_churn", "total_subscriptions": 0},
        }
    ]


async def test_a_customers_lifetime_nets_refunds_per_currency(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    body = await get(server, merchant, f"/v2/analytics/customers/{scenario.alice.id}/lifetime")
    assert body["total_assets_bought"] == 3
    # EUR 4.99 + 10.00; USD 5.00 less the 2.00 refunded.
    assert body["money_spent"] == [{"total_amount": 14.99, "currency": "EUR"}, {"total_amount": 3.0, "currency": "USD"}]
    first, last = body["first_purchase"], body["last_purchase"]
    assert (first["item_id"], first["charged_amount"], first["currency_iso"]) == (scenario.item_a, 4.99, "EUR")
    assert (last["item_id"], last["charged_amount"], last["item_title"]) == (scenario.item_c, 10.0, "Season")
    assert first["payment_method_name"] == "Card" and first["customer_id"] == scenario.alice.id
    assert first["created_at"] == scenario.start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert_shaped_like(body, EXAMPLES["lifetime"])
    bob = await get(server, merchant, f"/v2/analytics/customers/{scenario.bob.id}/lifetime")
    assert bob["total_assets_bought"] == 2
    assert bob["money_spent"] == [{"total_amount": 12.49, "currency": "EUR"}]
    assert bob["first_purchase"]["payment_method_name"] == "Google Pay"


async def test_a_customers_activity_is_their_last_login_and_content_request(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    body = await get(server, merchant, f"/v2/analytics/customers/{scenario.alice.id}/activity")
    login = body["last_login"]
    assert login["timestamp"] == clock.unix(scenario.alice_last_login)
    assert login["geo_data"] == {"ipAddress": GB, "continent": "Euorope", "countryISO": "GBR", "country": UK_NAME}
    assert (login["device"]["type"], login["device"]["os"]) == ("mobile", "iOS")
    assert (login["account_id"], login["consumer_email"], login["client_id"]) == (
        scenario.alice.id,
        "alice@example.com",
        merchant.uuid,
    )
    assert (login["merchant_id"], login["merchant_email"]) == (merchant.id, merchant.email)
    seen = body["content_requests_log"]
    assert (seen["item_id"], seen["item_title"], seen["country_iso"], seen["ip_address"]) == (
        scenario.item_a,
        "Cup final",
        "GB",
        GB,
    )
    assert seen["metadata"] == [{"id": 1, "name": "league", "value": "Premier"}]
    assert seen["date"] == scenario.alice_opened.strftime("%Y-%m-%d %H:%M:%S")
    assert seen["created_at"]["date"] == scenario.alice_opened.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    # Opened under the access alice bought at T.
    assert seen["date_from"] == scenario.start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert seen["date_to"] > seen["date_from"]
    assert_shaped_like(body, EXAMPLES["activity"])
    quiet = await get(server, merchant, f"/v2/analytics/customers/{scenario.bob.id}/activity")
    assert quiet["last_login"]["geo_data"]["continent"] == "North America"


async def test_bad_input_is_a_clear_error_in_inplayers_shape(
    server: Server, merchant: Merchant, scenario: Scenario
) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    for path in (
        f"/v2/analytics/customers/{scenario.alice.id}/activity",
        f"/v2/analytics/customers/{scenario.alice.id}/lifetime",
    ):
        assert_error(await server.http.get(path, headers=other.auth), 404)  # another tenant's customer
        assert_error(await server.http.get(path.replace(str(scenario.alice.id), "999999"), headers=merchant.auth), 404)
        assert_error(await server.http.get(path, headers=scenario.alice.auth), 403)  # a viewer's token
        assert_error(await server.http.get(path.replace(str(scenario.alice.id), "abc"), headers=merchant.auth), 422)
    for params, field in (
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45 10:00:00"}, "end_date"),
        ({"start_date": scenario.day(3), "end_date": scenario.day(1)}, "end_date"),
    ):
        response = await server.http.get("/v2/analytics/payments", headers=merchant.auth, params=params)
        assert_error(response, 422, field)
    for params, field in (
        ({"grouped_by": "planet"}, "grouped_by"),
        ({"country_code": "ZZ"}, "country_code"),
        ({"action_type": "sleeping"}, "action_type"),
    ):
        response = await server.http.get("/v2/analytics/subscriptions", headers=merchant.auth, params=params)
        assert_error(response, 422, field)
    assert_error(await server.http.get("/v2/analytics/customers/logins"), 401)
    empty = await get(server, other, "/v2/analytics/customers/logins")
    assert empty == {"total": 0, "per_device": [], "per_country": []}
