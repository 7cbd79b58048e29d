"""Plan switches through API 3.1, on a monthly subscription bought through the InPlayer API: what it can switch to,
an upgrade made at once, a downgrade left pending and cancelled (which is told as
`subscription.switch.cancelled`). Bad input writes nothing; another publisher's customers, subscriptions and
switches are 404."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from boxoffice.billing.models import Payment, PlanSwitch
from boxoffice.events.models import Event
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, customer, external_method, offer_id, shop, subscribe
from tests.dialects.inplayer.catalog import add_fee
from tests.dialects.inplayer.conftest import Viewer, count_rows, fetch_rows

__all__ = ["shop"]  # the fixture, used here


@dataclass
class Plans:
    viewer: Viewer
    monthly_id: str
    premium_id: str  # dearer each month: an upgrade
    yearly_id: str  # cheaper over a year: a downgrade


@pytest.fixture
async def plans(server: Server, api: Api31, shop: Shop) -> Plans:
    merchant, season = api.publisher.merchant, shop.monthly_fee["item_id"]
    premium = await add_fee(server, merchant, season, access_type_id="7", amount="14.99", description="Premium")
    yearly = await add_fee(server, merchant, season, access_type_id="10", amount="99.00", description="Yearly")
    opened = await server.http.put(f"/v2/items/{season}", headers=merchant.auth, data={"plan_switch_enabled": "true"})
    assert opened.status_code == 200, opened.text
    viewer = await customer(server, api)
    await subscribe(server, viewer, shop.monthly_fee)
    return Plans(viewer, shop.monthly_id, offer_id("S", premium), offer_id("S", yearly))


async def test_availability_names_each_offers_direction(api: Api31, plans: Plans) -> None:
    found = ok(
        await api.get(f"/subscription_switches/availability?customerId={plans.viewer.id}&offerId={plans.monthly_id}")
    )
    assert {(a["toOfferId"], a["switchDirection"], a["algorithm"]) for a in found["available"]} == {
        (plans.premium_id, "upgrade", "IMMEDIATE_AND_CHARGE_WITH_TIME_PRORATION"),
        (plans.yearly_id, "downgrade", "DEFERRED"),
    }
    assert found["unavailable"] == []


async def test_an_upgrade_is_made_at_once_and_a_downgrade_waits_until_cancelled(
    server: Server, api: Api31, plans: Plans
) -> None:
    viewer = plans.viewer
    up = {"toOfferId": plans.premium_id, "switchDirection": "upgrade", "customerId": viewer.id}
    made = ok(await api.post("/subscription_switches", up | {"fromOfferId": plans.monthly_id}))
    assert (made["direction"], made["status"], made["fromOfferId"], made["toOfferId"], made["customerId"]) == (
        "upgrade",
        "succeeded",
        plans.monthly_id,
        plans.premium_id,
        viewer.id,
    )
    down = {"toOfferId": plans.yearly_id, "switchDirection": "unspecified", "subscriptionId": made["subscriptionId"]}
    pending = ok(await api.post("/subscription_switches", down | {"algorithm": "DEFERRED"}))
    assert (pending["direction"], pending["status"], pending["algorithm"]) == ("downgrade", "pending", "DEFERRED")
    busy = ok(
        await api.get(
            f"/subscription_switches/availability?customerId={viewer.id}&subscriptionId={made['subscriptionId']}"
        )
    )
    assert {u["reason"]["code"] for u in busy["unavailable"]} == {"SWITCH_IN_PROGRESS"}
    cancelled = ok(await api.patch(f"/subscription_switches/{pending['id']}", {"status": "cancelled"}))
    assert (cancelled["id"], cancelled["status"]) == (pending["id"], "cancelled")
    refused(await api.patch(f"/subscription_switches/{pending['id']}", {"status": "cancelled"}), 409)
    told = [
        e.resource["switch"]
        for e in await fetch_rows(server, Event, api.publisher.merchant.id)
        if e.type == "subscription.switch.cancelled"
    ]
    assert [(t["switch_id"], t["status"]) for t in told] == [(pending["id"], "cancelled")]


async def test_bad_switches_write_nothing_and_other_publishers_see_nothing(
    server: Server, api: Api31, other: Api31, plans: Plans
) -> None:
    viewer, merchant_id = plans.viewer, api.publisher.merchant.id
    payments = await count_rows(server, Payment, merchant_id)
    up = {
        "toOfferId": plans.premium_id,
        "switchDirection": "upgrade",
        "customerId": viewer.id,
        "fromOfferId": plans.monthly_id,
    }
    refused(await api.post("/subscription_switches", up | {"switchDirection": "downgrade"}), 422)
    refused(await api.post("/subscription_switches", up | {"switchDirection": "sideways"}), 422)
    refused(await api.post("/subscription_switches", up | {"switchDirection": None}), 422)
    refused(await api.post("/subscription_switches", up | {"toOfferId": "nonsense"}), 422)
    refused(await api.post("/subscription_switches", up | {"toOfferId": plans.monthly_id}), 422)
    refused(await api.post("/subscription_switches", up | {"algorithm": "DEFERRED"}), 422)
    refused(await api.post("/subscription_switches", up | {"algorithm": "IMMEDIATE_WITHOUT_PRORATION"}), 422)
    refused(await api.post("/subscription_switches", up | {"fromOfferId": None}), 422)
    refused(await api.post("/subscription_switches", up | {"customerId": "me"}), 400)
    refused(await api.post("/subscription_switches", up | {"toOfferId": 5}), 400)
    refused(await api.post("/subscription_switches", up | {"customerId": 999_999}), 404)
    refused(await api.post("/subscription_switches", up | {"fromOfferId": plans.yearly_id}), 404)
    refused(await api.post("/subscription_switches", {**up, "subscriptionId": 999_999}), 404)
    refused(await other.post("/subscription_switches", up), 404)
    refused(await api.http.post("/3.1/subscription_switches", json=up), 401)
    query = f"customerId={viewer.id}&offerId={plans.monthly_id}"
    refused(await other.get(f"/subscription_switches/availability?{query}"), 404)
    refused(await api.get(f"/subscription_switches/availability?offerId={plans.monthly_id}"), 400)
    refused(await api.get(f"/subscription_switches/availability?customerId={viewer.id}"), 422)
    refused(await api.get(f"/subscription_switches/availability?customerId={viewer.id}&offerId=P000000001"), 422)
    assert await count_rows(server, PlanSwitch, merchant_id) == 0
    assert await count_rows(server, Payment, merchant_id) == payments
    down = {
        "toOfferId": plans.yearly_id,
        "switchDirection": "downgrade",
        "customerId": viewer.id,
        "fromOfferId": plans.monthly_id,
    }
    pending = ok(await api.post("/subscription_switches", down))
    path = f"/subscription_switches/{pending['id']}"
    refused(await other.patch(path, {"status": "cancelled"}), 404)
    refused(await api.patch(path, {"status": "active"}), 422)
    refused(await api.patch(path, {}), 422)
    refused(await api.patch(path, {"status": 1}), 400)
    refused(await api.patch("/subscription_switches/999999", {"status": "cancelled"}), 404)
    refused(await api.patch("/subscription_switches/x", {"status": "cancelled"}), 400)
    [row] = await fetch_rows(server, PlanSwitch, merchant_id)
    assert row.status == "pending"


async def test_a_subscription_the_publisher_bills_switches_nothing_and_writes_nothing(
    server: Server, api: Api31, plans: Plans
) -> None:
    viewer = await customer(server, api, "billed@example.com")
    method = (await external_method(api))["id"]
    body = {"customerId": viewer.id, "offerId": plans.monthly_id, "paymentMethodId": method, "externalId": "store-9"}
    made = ok(await api.post("/subscriptions", body), 201)
    payments = await count_rows(server, Payment, api.publisher.merchant.id)
    switches = await count_rows(server, PlanSwitch, api.publisher.merchant.id)
    up = {"toOfferId": plans.premium_id, "switchDirection": "upgrade"}
    for whose in ({"subscriptionId": made["id"]}, {"customerId": viewer.id, "fromOfferId": plans.monthly_id}):
        assert "externally managed" in refused(await api.post("/subscription_switches", up | whose), 422)
    assert await count_rows(server, Payment, api.publisher.merchant.id) == payments
    assert await count_rows(server, PlanSwitch, api.publisher.merchant.id) == switches
    found = ok(await api.get(f"/subscription_switches/availability?customerId={viewer.id}&offerId={plans.monthly_id}"))
    assert found["available"] == []
