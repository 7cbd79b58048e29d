"""Test clocks: a merchant moves a clock and the billing of the customers on it runs as of the clock's time."""

from __future__ import annotations

from datetime import timedelta

from boxoffice.billing.models import Payment, Subscription
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, fetch_rows, make_merchant, sign_up
from tests.dialects.inplayer.test_subscriptions import monthly_fee, only_subscription, subscribe


async def new_clock(server: Server, merchant: Merchant, at: int) -> dict[str, object]:
    made = await server.http.post(
        "/v2/sandbox/clocks", headers=merchant.auth, data={"name": "Renewals", "frozen_time": str(at)}
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


async def advance(server: Server, merchant: Merchant, clock_id: object, to: int) -> dict[str, object]:
    moved = await server.http.post(
        f"/v2/sandbox/clocks/{clock_id}/advance", headers=merchant.auth, data={"frozen_time": str(to)}
    )
    assert moved.status_code == 200, moved.text
    return dict(moved.json())


async def test_customers_on_a_clock_are_billed_as_of_its_time(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    start = clock.unix(clock.now()) - 86400 * 400  # the clock starts long before today
    made = await new_clock(server, merchant, start)
    assert (made["frozen_time"], made["customers"], made["status"]) == (start, [], "ready")
    attached = await server.http.post(
        f"/v2/sandbox/clocks/{made['id']}/customers", headers=merchant.auth, data={"customer_id": str(viewer.id)}
    )
    assert attached.status_code == 200 and attached.json()["customers"] == [viewer.id]
    _, fee_id = await monthly_fee(server, merchant, trial_period_quantity="7", trial_period_period="day")
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    shown = await only_subscription(server, viewer)
    assert shown["created_at"] == start and shown["action_type"] == "free-trial"
    assert shown["next_rebill_date"] == start + 7 * 86400
    # Three months and a bit later on the clock: the trial ended and three periods were charged.
    moved = await advance(server, merchant, made["id"], start + 7 * 86400 + 92 * 86400)
    assert moved["billing"] == {"renewed": 4, "declined": 0, "ended": 0, "expired": 0, "unanswered": 0}
    after = await only_subscription(server, viewer)
    assert after["action_type"] == "recurrent"
    assert start + 99 * 86400 < after["next_rebill_date"] <= start + 7 * 86400 + 124 * 86400
    renewals = [p for p in await fetch_rows(server, Payment, merchant.id) if p.kind == "renewal"]
    assert len(renewals) == 4
    assert all(clock.unix(p.created_at) <= start + 99 * 86400 for p in renewals)
    # Customers not on the clock are billed on real time, untouched by it.
    other = await sign_up(server, merchant, "other@example.com")
    assert (await subscribe(server, other, fee_id)).status_code == 200
    await advance(server, merchant, made["id"], start + 200 * 86400)
    [their] = [s for s in await fetch_rows(server, Subscription, merchant.id) if s.customer_id == other.id]
    assert their.cycle == 0 and their.status == "trialing"
    assert abs(clock.unix(their.created_at) - clock.unix(clock.now())) < 60


async def test_clocks_refuse_bad_moves_and_other_tenants(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    start = clock.unix(clock.now())
    made = await new_clock(server, merchant, start)
    path = f"/v2/sandbox/clocks/{made['id']}"
    assert_error(
        await server.http.post(f"{path}/advance", headers=merchant.auth, data={"frozen_time": str(start)}), 422
    )
    assert_error(await server.http.post(f"{path}/advance", headers=merchant.auth, data={}), 422, "frozen_time")
    far = start + int(timedelta(days=5 * 365).total_seconds())
    assert_error(await server.http.post(f"{path}/advance", headers=merchant.auth, data={"frozen_time": str(far)}), 422)
    assert_error(await server.http.post(f"{path}/advance", headers=viewer.auth, data={"frozen_time": "1"}), 403)
    rival = await make_merchant(server, "owner@rival.example.com")
    assert_error(await server.http.get(path, headers=rival.auth), 404)
    later = {"frozen_time": str(start + 86400)}
    assert_error(await server.http.post(f"{path}/advance", headers=rival.auth, data=later), 404)
    assert_error(
        await server.http.post(f"{path}/customers", headers=rival.auth, data={"customer_id": str(viewer.id)}), 404
    )
    assert_error(
        await server.http.post(f"{path}/customers", headers=merchant.auth, data={"customer_id": "999999"}), 404
    )
    attach = {"customer_id": str(viewer.id)}
    assert (await server.http.post(f"{path}/customers", headers=merchant.auth, data=attach)).status_code == 200
    assert_error(await server.http.post(f"{path}/customers", headers=merchant.auth, data=attach), 409)
    # A customer already subscribed on real time is not moved onto a clock.
    other = await sign_up(server, merchant, "other@example.com")
    _, fee_id = await monthly_fee(server, merchant)
    await subscribe(server, other, fee_id)
    another = await new_clock(server, merchant, start)
    refused = await server.http.post(
        f"/v2/sandbox/clocks/{another['id']}/customers", headers=merchant.auth, data={"customer_id": str(other.id)}
    )
    assert_error(refused, 422, "customer_id")
    listed = await server.http.get("/v2/sandbox/clocks", headers=merchant.auth)
    assert [c["id"] for c in listed.json()] == [made["id"], another["id"]]
    assert (await server.http.get("/v2/sandbox/clocks", headers=rival.auth)).json() == []
