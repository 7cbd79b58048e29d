"""Plan switches through MediaStore, on a monthly subscription made through the InPlayer API: what can be switched
to, an upgrade made at once, a downgrade left pending until the renewal charges it (or cancelled before), and the
customer's switch history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing.models import Payment, PlanSwitch, Subscription
from boxoffice.events.models import Event
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee
from tests.dialects.inplayer.conftest import fetch_rows
from tests.dialects.inplayer.test_subscriptions import renew
from tests.dialects.mediastore.conftest import Customer, Publisher, call, data, log_in, refused, register
from tests.dialects.mediastore.test_my_account import inplayer_token, subscribed
from tests.dialects.mediastore.test_offers import Shop, shop

__all__ = ["shop", "subscribed"]  # the fixtures, used here too

IMMEDIATE, DEFERRED = "IMMEDIATE_AND_CHARGE_WITH_TIME_PRORATION", "DEFERRED"


@dataclass
class Plans:
    """The season's other plans: a dearer month, and a year that costs less per month."""

    monthly_id: str
    premium_id: str
    yearly_id: str


def _offer(fee: dict[str, Any], country: str = "EU") -> str:
    return f"S{fee['id']:09d}_{country}"


@pytest.fixture
async def plans(server: Server, publisher: Publisher, shop: Shop) -> Plans:
    season = shop.monthly_fee["item_id"]
    merchant = publisher.merchant
    premium = await add_fee(server, merchant, season, access_type_id="7", amount="14.99", description="Premium")
    yearly = await add_fee(server, merchant, season, access_type_id="10", amount="99.00", description="Yearly")
    opened = await server.http.put(f"/v2/items/{season}", headers=merchant.auth, data={"plan_switch_enabled": "true"})
    assert opened.status_code == 200, opened.text
    return Plans(shop.monthly_id, _offer(premium), _offer(yearly))


async def switch(server: Server, customer: Customer, from_offer: str, to_offer: str) -> httpx.Response:
    path = f"/customers/{customer.id}/subscription_switches/{from_offer}"
    return await call(server, "POST", path, {"toOfferId": to_offer}, headers=customer.auth)


async def availability(server: Server, customer: Customer, offer: str) -> dict[str, Any]:
    path = f"/customers/{customer.id}/subscription_switches/{offer}/availability"
    found: dict[str, Any] = data(await call(server, "GET", path, headers=customer.auth))
    return found


async def cancel_switch(server: Server, customer: Customer, switch_id: int, body: Any = None) -> httpx.Response:
    body = {"status": "cancelled"} if body is None else body
    return await call(server, "PATCH", f"/subscription_switches/{switch_id}", body, headers=customer.auth)


async def signed_in_again(server: Server, publisher: Publisher, customer: Customer) -> Customer:
    """After the clock moved past the JWT's life."""
    made = data(await log_in(server, publisher, customer.email))
    return Customer(customer.email, made["jwt"], made["refreshToken"], customer.id)


async def running(server: Server, customer: Customer) -> dict[str, Any]:
    [found] = data(await call(server, "GET", f"/customers/{customer.id}/subscriptions", headers=customer.auth))["items"]
    return dict(found)


async def test_availability_says_which_way_each_offer_switches(
    server: Server, publisher: Publisher, shop: Shop, subscribed: Customer
) -> None:
    season = shop.monthly_fee["item_id"]
    yearly = await add_fee(
        server, publisher.merchant, season, access_type_id="10", amount="99.00", description="Yearly"
    )
    dollars = await add_fee(server, publisher.merchant, season, access_type_id="10", amount="99.00", currency="USD")
    closed = await availability(server, subscribed, shop.monthly_id)
    assert closed["available"] == [] and {u["reason"]["code"] for u in closed["unavailable"]} == {
        "PAYMENT_GATEWAY_NOT_SUPPORTED"
    }
    opened = await server.http.put(
        f"/v2/items/{season}", headers=publisher.merchant.auth, data={"plan_switch_enabled": "true"}
    )
    assert opened.status_code == 200, opened.text
    offers = await availability(server, subscribed, shop.monthly_id)
    # 99.00 a year costs less over a year than 9.99 a month: a downgrade, made at the renewal.
    assert [(a["toOfferId"], a["switchDirection"], a["algorithm"], a["period"]) for a in offers["available"]] == [
        (_offer(yearly), "downgrade", DEFERRED, "year")
    ]
    assert [(u["toOfferId"], u["reason"]["code"]) for u in offers["unavailable"]] == [
        (_offer(dollars, "US"), "TO_OFFER_COUNTRY_NOT_ALLOWED")
    ]
    assert "unavailableReason" not in offers
    refused(await switch(server, subscribed, shop.monthly_id, _offer(dollars, "US")), 422)
    refused(await switch(server, subscribed, shop.monthly_id, "nonsense"), 422, "REQ0001", "toOfferId")


async def test_an_upgrade_happens_at_once_and_is_recorded(
    server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    made = data(await switch(server, subscribed, plans.monthly_id, plans.premium_id))
    [row] = await fetch_rows(server, PlanSwitch, publisher.merchant.id)
    assert made == {
        "id": row.id,
        "customerId": subscribed.id,
        "direction": "upgrade",
        "algorithm": IMMEDIATE,
        "fromOfferId": plans.monthly_id,
        "toOfferId": plans.premium_id,
        "subscriptionId": row.subscription_id,
        "status": "succeeded",
        "createdAt": clock.unix(row.created_at),
        "updatedAt": clock.unix(row.updated_at),
    }
    got = data(await call(server, "GET", f"/subscription_switches/{row.id}", headers=subscribed.auth))
    assert got == made
    now = await running(server, subscribed)
    assert (now["offerId"], now["nextPaymentPrice"], now["pendingSwitchId"]) == (plans.premium_id, 14.99, None)
    kinds = [(p.kind, p.status) for p in await fetch_rows(server, Payment, publisher.merchant.id)]
    assert kinds == [("subscription", "succeeded"), ("plan_switch", "succeeded")]
    refused(await cancel_switch(server, subscribed, row.id), 409, text="succeeded")


async def test_a_downgrade_waits_for_the_renewal_which_charges_the_new_price(
    frozen: clock.FrozenClock, server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    [before] = await fetch_rows(server, Subscription, publisher.merchant.id)
    made = data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
    assert (made["direction"], made["algorithm"], made["status"]) == ("downgrade", DEFERRED, "pending")
    assert (made["fromOfferId"], made["toOfferId"], made["subscriptionId"]) == (
        plans.monthly_id,
        plans.yearly_id,
        before.id,
    )
    # Nothing changes until the period paid for ends.
    now = await running(server, subscribed)
    assert (now["offerId"], now["period"], now["pendingSwitchId"]) == (plans.monthly_id, "month", made["id"])
    assert now["nextPaymentPrice"] == 99.0  # the renewal charges the new plan
    offers = await availability(server, subscribed, plans.monthly_id)
    assert "unavailableReason" not in offers and offers["available"] == []
    assert {u["reason"]["code"] for u in offers["unavailable"]} == {"SWITCH_IN_PROGRESS"}
    # My Account finds the pending switch through the customer's offers.
    held = data(await call(server, "GET", f"/customers/{subscribed.id}/offers", headers=subscribed.auth))["items"]
    assert [o["pendingSwitchId"] for o in held if o["offerId"] == plans.monthly_id] == [made["id"]]
    assert [p.amount for p in await fetch_rows(server, Payment, publisher.merchant.id)] == [999]

    renewed_at = frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    assert [p.amount for p in await fetch_rows(server, Payment, publisher.merchant.id)] == [999, 9900]
    [after] = await fetch_rows(server, Subscription, publisher.merchant.id)
    yearly_price = int(plans.yearly_id[1:10])
    assert (after.price_id, after.amount, after.period_unit) == (yearly_price, 9900, "year")
    assert after.current_period_start == before.current_period_end
    assert after.current_period_end == before.current_period_end.replace(year=before.current_period_end.year + 1)
    # The new period's access is the new price's.
    entitlements = await fetch_rows(server, Entitlement, publisher.merchant.id)
    assert entitlements[-1].price_id == yearly_price and entitlements[-1].expires_at == after.current_period_end
    subscribed = await signed_in_again(server, publisher, subscribed)
    applied = data(await call(server, "GET", f"/subscription_switches/{made['id']}", headers=subscribed.auth))
    assert (applied["status"], applied["createdAt"], applied["updatedAt"]) == (
        "succeeded",
        made["createdAt"],
        clock.unix(renewed_at),
    )
    now = await running(server, subscribed)
    assert (now["offerId"], now["period"], now["pendingSwitchId"]) == (plans.yearly_id, "year", None)
    refused(await cancel_switch(server, subscribed, made["id"]), 409, text="succeeded")


async def test_a_cancelled_switch_leaves_the_renewal_at_the_old_price(
    frozen: clock.FrozenClock, server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    made = data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
    frozen.advance(minutes=10)
    cancelled = data(await cancel_switch(server, subscribed, made["id"]))
    assert (cancelled["id"], cancelled["status"], cancelled["updatedAt"]) == (
        made["id"],
        "cancelled",
        made["createdAt"] + 600,
    )
    refused(await cancel_switch(server, subscribed, made["id"]), 409, text="cancelled")
    told = [
        e.resource["switch"]
        for e in await fetch_rows(server, Event, publisher.merchant.id)
        if e.type == "subscribe.updated" and "switch" in e.resource
    ]
    assert [(t["switch_id"], t["status"]) for t in told] == [(made["id"], "pending"), (made["id"], "cancelled")]
    cancelled_events = await fetch_rows(
        server, Event, publisher.merchant.id, Event.type == "subscription.switch.cancelled"
    )
    assert [e.resource["switch"]["switch_id"] for e in cancelled_events] == [made["id"]]
    assert (await running(server, subscribed))["pendingSwitchId"] is None
    offers = await availability(server, subscribed, plans.monthly_id)
    assert "unavailableReason" not in offers and len(offers["available"]) == 2

    frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    assert [p.amount for p in await fetch_rows(server, Payment, publisher.merchant.id)] == [999, 999]
    [after] = await fetch_rows(server, Subscription, publisher.merchant.id)
    assert (after.amount, after.period_unit) == (999, "month")


async def test_a_second_switch_is_refused_while_one_is_pending(
    server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
    refused(await switch(server, subscribed, plans.monthly_id, plans.premium_id), 409, text="already pending")
    # Nor may the InPlayer API switch at once meanwhile.
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    headers = await inplayer_token(server, publisher, subscribed)
    form = {"access_fee_id": plans.premium_id[1:10].lstrip("0"), "inplayer_token": f"S-{row.id}-ST"}
    at_once = await server.http.post("/v2/subscriptions/stripe:switch", headers=headers, data=form)
    assert at_once.status_code == 409, at_once.text
    rows = await fetch_rows(server, PlanSwitch, publisher.merchant.id)
    assert [(r.status, r.to_price_id) for r in rows] == [("pending", int(plans.yearly_id[1:10]))]
    assert [p.kind for p in await fetch_rows(server, Payment, publisher.merchant.id)] == ["subscription"]


async def test_cancelling_the_subscription_cancels_its_pending_switch(
    server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    made = data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
    path = f"/customers/{subscribed.id}/subscriptions"
    data(
        await call(server, "PATCH", path, {"offerId": plans.monthly_id, "status": "cancelled"}, headers=subscribed.auth)
    )
    [row] = await fetch_rows(server, PlanSwitch, publisher.merchant.id)
    assert row.status == "cancelled"
    # Taking the cancel back doesn't bring the switch back.
    data(await call(server, "PATCH", path, {"offerId": plans.monthly_id, "status": "active"}, headers=subscribed.auth))
    assert (await running(server, subscribed))["pendingSwitchId"] is None
    refused(await cancel_switch(server, subscribed, made["id"]), 409)


async def test_another_customers_or_an_unknown_switch_is_not_found(
    server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    made = data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
    other = await register(server, publisher, "other@example.com")
    refused(await call(server, "GET", f"/subscription_switches/{made['id']}", headers=other.auth), 404)
    refused(await cancel_switch(server, other, made["id"]), 404)
    assert data(await call(server, "GET", "/subscription_switches", headers=other.auth)) == []
    refused(await call(server, "GET", f"/subscription_switches/{made['id'] + 1000}", headers=subscribed.auth), 404)
    refused(await cancel_switch(server, subscribed, made["id"] + 1000), 404)
    refused(await call(server, "GET", "/subscription_switches/abc", headers=subscribed.auth), 400, "REQ0003")
    refused(await call(server, "GET", "/subscription_switches"), 401)
    [row] = await fetch_rows(server, PlanSwitch, publisher.merchant.id)
    assert row.status == "pending"


async def test_a_switch_is_changed_only_to_cancelled(
    server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    made = data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
    for body in ({}, {"status": "active"}, {"status": "succeeded"}, {"status": 5}, {"status": "CANCELLED"}):
        refused(await cancel_switch(server, subscribed, made["id"], body), 422, "REQ0001", "status")
    refused(await call(server, "PATCH", f"/subscription_switches/{made['id']}", [], headers=subscribed.auth), 400)
    [row] = await fetch_rows(server, PlanSwitch, publisher.merchant.id)
    assert row.status == "pending"


async def test_the_history_is_the_customers_switches_newest_first(
    frozen: clock.FrozenClock, server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    up = data(await switch(server, subscribed, plans.monthly_id, plans.premium_id))
    frozen.advance(minutes=5)
    down = data(await switch(server, subscribed, plans.premium_id, plans.monthly_id))
    frozen.advance(minutes=5)
    data(await cancel_switch(server, subscribed, down["id"]))
    again = data(await switch(server, subscribed, plans.premium_id, plans.yearly_id))
    history = data(await call(server, "GET", "/subscription_switches", headers=subscribed.auth))
    assert [(h["id"], h["direction"], h["toOfferId"], h["status"]) for h in history] == [
        (again["id"], "downgrade", plans.yearly_id, "pending"),
        (down["id"], "downgrade", plans.monthly_id, "cancelled"),
        (up["id"], "upgrade", plans.premium_id, "succeeded"),
    ]
    assert history[1]["createdAt"] - history[2]["createdAt"] == 300


async def test_the_inplayer_api_switches_at_once_whichever_the_direction(
    server: Server, publisher: Publisher, plans: Plans, subscribed: Customer
) -> None:
    """InPlayer's changeSubscriptionPlan knows no pending switch: a downgrade through it is made, and recorded, at
    once."""
    [row] = await fetch_rows(server, Subscription, publisher.merchant.id)
    headers = await inplayer_token(server, publisher, subscribed)
    form = {"access_fee_id": plans.yearly_id[1:10].lstrip("0"), "inplayer_token": f"S-{row.id}-SB"}
    switched = await server.http.post("/v2/subscriptions/stripe:switch", headers=headers, data=form)
    assert switched.status_code == 200, switched.text
    [made] = data(await call(server, "GET", "/subscription_switches", headers=subscribed.auth))
    assert (made["direction"], made["algorithm"], made["status"], made["toOfferId"]) == (
        "downgrade",
        IMMEDIATE,
        "succeeded",
        plans.yearly_id,
    )
    assert (await running(server, subscribed))["offerId"] == plans.yearly_id
