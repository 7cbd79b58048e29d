"""Subscriptions through API 3.1: one the publisher bills itself created, listed by what names it, read with an
ETag, changed (conditionally with `If-Match`), renewed, revived, transferred, cancelled, terminated, activated, and
one Boxoffice charges paused for billing cycles (no charge, no access) and resumed. Bad input is a 400 or 422
`{message}` that writes nothing; another publisher's subscriptions and customers are 404."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing.models import Payment, PaymentProfile, Subscription
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import external_method
from tests.dialects.inplayer.conftest import Viewer, count_rows, fetch_rows, sign_in, sign_up
from tests.dialects.inplayer.test_subscriptions import (
    access_expiry,
    month_after,
    monthly_fee,
    months_after,
    renew,
    subscribe,
)
from tests.dialects.mediastore import conftest as mediastore


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Tokens that outlive the months these tests move the clock through."""
    return settings.model_copy(update={"access_token_ttl": 400 * 86400})


def offer_of(fee_id: int) -> str:
    return f"S{fee_id:09d}_EU"


async def created(api: Api31, customer_id: int, fee_id: int, **extra: Any) -> dict[str, Any]:
    method = await external_method(api, methodName="roku", paymentGateway="roku-store")
    body = {
        "customerId": customer_id,
        "offerId": offer_of(fee_id),
        "paymentMethodId": method["id"],
        "externalId": "store-1",
    }
    made: dict[str, Any] = ok(await api.post("/subscriptions", body | extra), 201)
    return made


async def test_an_externally_managed_subscription_is_created_read_and_listed(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    ends = clock.unix(frozen.now()) + 10 * 86400
    made = await created(
        api, viewer.id, fee_id, expiresAt=ends, inTrial=True, paymentId=991, externalProperties={"store": "roku"}
    )
    assert {k: made[k] for k in ("customerId", "offerId", "status", "expiresAt", "inTrial", "externalId")} == {
        "customerId": viewer.id,
        "offerId": offer_of(fee_id),
        "status": "active",
        "expiresAt": ends,
        "inTrial": True,
        "externalId": "store-1",
    }
    assert (made["externalPaymentId"], made["externalProperties"]) == (
        "991",
        {"store": "roku"},
    )
    assert (made["nextPaymentAt"], made["nextPaymentPrice"], made["pausedAt"]) == (None, 0, None)
    # Access to the item until then, for the customer.
    assert await access_expiry(server, viewer, item_id) == ends
    path = f"/subscriptions/{made['id']}"
    read = await api.get(path)
    assert ok(read) == made
    assert (await api.get(path, If_None_Match=read.headers["ETag"])).status_code == 304
    for query in (
        f"customerId={viewer.id}",
        "externalId=store-1",
        f"offerId={offer_of(fee_id)}",
        f"paymentMethodId={made['paymentMethodId']}",
        "status[]=active&status[]=paused",
        f"customerId={viewer.id}&status[]=active",
    ):
        listed = ok(await api.get(f"/subscriptions?{query}"))
        assert (listed["totalCount"], [s["id"] for s in listed["items"]]) == (1, [made["id"]]), query
    for query in ("", "?customerId=9999", "?status[]=cancelled", "?transactionId=T000000001", "?offerId=nonsense"):
        assert ok(await api.get(f"/subscriptions{query}")) == {"items": [], "totalCount": 0}, query
    assert ok(await api.get("/subscriptions?externalId=store-1&limit=1&offset=1")) == {"items": [], "totalCount": 1}


async def test_a_subscription_created_here_shows_in_mediastores_my_account(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    publisher = mediastore.Publisher(api.publisher.merchant, api.publisher.id)
    customer = await mediastore.register(server, publisher)
    _, fee_id = await monthly_fee(server, api.publisher.merchant)
    made = await created(api, customer.id, fee_id)
    listed = mediastore.data(
        await mediastore.call(server, "GET", f"/customers/{customer.id}/subscriptions", headers=customer.auth)
    )
    [shown] = listed["items"]
    assert (shown["subscriptionId"], shown["offerId"], shown["status"], shown["expiresAt"]) == (
        made["id"],
        offer_of(fee_id),
        "active",
        clock.unix(month_after(frozen.now())),
    )
    assert shown["isExternallyManaged"] is True  # the publisher bills it: My Account offers no way to change it


async def test_bad_creations_write_nothing(server: Server, api: Api31, other: Api31, frozen: clock.FrozenClock) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    stranger = await sign_up(server, other.publisher.merchant)
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    pass_fee = (await monthly_fee(server, api.publisher.merchant, item_id, access_type_id="3"))[1]
    method = (await external_method(api))["id"]
    others_method = (await external_method(other))["id"]
    good = {"customerId": viewer.id, "offerId": offer_of(fee_id), "paymentMethodId": method, "externalId": "e-1"}
    for wrong_type in (
        {"customerId": "abc"},
        {"paymentMethodId": 1.5},
        {"inTrial": "yes"},
        {"externalId": 12},
        {"externalProperties": [1]},
        {"externalProperties": {"a": 1}},
        {"paymentId": {"id": 1}},
    ):
        refused(await api.post("/subscriptions", good | wrong_type), 400)
    refused(await api.post("/subscriptions", "[]"), 400)
    for missing in ("customerId", "offerId", "paymentMethodId", "externalId"):
        refused(await api.post("/subscriptions", {k: v for k, v in good.items() if k != missing}), 422)
    refused(await api.post("/subscriptions", good | {"expiresAt": clock.unix(frozen.now()) - 60}), 422)
    refused(await api.post("/subscriptions", good | {"expiresAt": 10**15}), 422)
    refused(await api.post("/subscriptions", good | {"paymentId": "x" * 65}), 422)
    assert (
        refused(await api.post("/subscriptions", good | {"offerId": f"P{pass_fee:09d}_EU"}), 404) == "Offer not found"
    )
    refused(await api.post("/subscriptions", good | {"offerId": "S999999999_EU"}), 404)
    refused(await api.post("/subscriptions", good | {"offerId": "nonsense"}), 404)
    for unknown_method in (others_method, others_method + 1000, 2**62):
        message = refused(await api.post("/subscriptions", good | {"paymentMethodId": unknown_method}), 404)
        assert message == "Payment method not found"
    assert refused(await api.post("/subscriptions", good | {"customerId": stranger.id}), 404) == "Customer not found"
    refused(await other.post("/subscriptions", good), 404)
    refused(await api.http.post("/3.1/subscriptions", json=good), 401)
    assert await count_rows(server, Subscription, api.publisher.merchant.id) == 0
    ok(await api.post("/subscriptions", good), 201)
    # The same external id again, or the same item while that one runs: a conflict, nothing written.
    refused(await api.post("/subscriptions", good), 409)
    refused(await api.post("/subscriptions", good | {"externalId": "e-2"}), 409)
    assert await count_rows(server, Subscription, api.publisher.merchant.id) == 1
    assert await count_rows(server, Entitlement, api.publisher.merchant.id) == 1


@pytest.mark.parametrize("twice", ["one external id", "one customer and offer"])
async def test_registered_twice_at_once_makes_one_subscription(server: Server, api: Api31, twice: str) -> None:
    first = await sign_up(server, api.publisher.merchant)
    second = await sign_up(server, api.publisher.merchant, "second@example.com")
    fee_id = (await monthly_fee(server, api.publisher.merchant))[1]
    method = (await external_method(api))["id"]
    body = {"customerId": first.id, "offerId": offer_of(fee_id), "paymentMethodId": method, "externalId": "store-7"}
    again = {"customerId": second.id} if twice == "one external id" else {"externalId": "store-8"}
    answers = await asyncio.gather(api.post("/subscriptions", body), api.post("/subscriptions", body | again))
    assert sorted(answer.status_code for answer in answers) == [201, 409]
    assert await count_rows(server, Subscription, api.publisher.merchant.id) == 1


async def test_a_renewal_by_the_publisher_extends_access_and_one_not_renewed_expires(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    made = await created(api, viewer.id, fee_id, inTrial=True, expiresAt=clock.unix(frozen.now()) + 7 * 86400)
    path = f"/subscriptions/{made['id']}"
    later = made["expiresAt"] + 30 * 86400
    renewed = ok(await api.post(f"{path}/renew", {"expiresAt": later, "paymentId": "pay-2", "convertTrial": True}))
    assert (renewed["expiresAt"], renewed["inTrial"], renewed["externalPaymentId"]) == (later, False, "pay-2")
    # The trial's access runs to its end, where the paid period's begins.
    assert await access_expiry(server, viewer, item_id) == made["expiresAt"]
    trial, paid = await fetch_rows(server, Entitlement, api.publisher.merchant.id)
    assert (trial.is_trial, trial.expires_at, paid.is_trial, paid.starts_at, paid.expires_at) == (
        True,
        clock.from_unix(made["expiresAt"]),
        False,
        clock.from_unix(made["expiresAt"]),
        clock.from_unix(later),
    )
    # Without expiresAt: one period of the offer more.
    again = ok(await api.post(f"{path}/renew", {}))
    assert again["expiresAt"] == clock.unix(month_after(clock.from_unix(later)))
    refused(await api.post(f"{path}/renew", {"expiresAt": clock.unix(frozen.now())}), 422)
    refused(await api.post(f"{path}/renew", {"convertTrial": "yes"}), 400)
    # Not renewed again: the renewal engine ends it with its period, charging nothing.
    frozen.advance(seconds=again["expiresAt"] - clock.unix(frozen.now()) + 60)
    assert (await renew(server)).ended == 1
    assert ok(await api.get(path))["status"] == "expired"
    assert await count_rows(server, Payment, api.publisher.merchant.id) == 0
    viewer = await signed_in_again(server, api, viewer)
    assert await access_expiry(server, viewer, item_id) is None
    assert "ended" in refused(await api.post(f"{path}/renew", {}), 409)


async def test_a_subscription_boxoffice_charges_is_not_renewed_by_the_publisher(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    viewer, charged = await charged_subscription(server, api)
    refused(await api.post(f"/subscriptions/{charged['id']}/renew", {}), 422)
    other_viewer = await sign_up(server, api.publisher.merchant, "heir@example.com")
    refused(await api.post(f"/subscriptions/{charged['id']}/transfer", {"customerId": other_viewer.id}), 422)
    refused(await api.patch(f"/subscriptions/{charged['id']}", {"paymentDetailsId": 999999}), 404)
    refused(await api.patch(f"/subscriptions/{charged['id']}", {"inTrial": True}), 422)
    [row] = await fetch_rows(server, Subscription, api.publisher.merchant.id)
    assert (row.customer_id, row.current_period_end) == (viewer.id, clock.from_unix(charged["expiresAt"]))
    # Its renewals charge the payment details the customer saved at its gateway.
    [profile] = await fetch_rows(server, PaymentProfile, api.publisher.merchant.id)
    ok(await api.patch(f"/subscriptions/{charged['id']}", {"paymentDetailsId": profile.id}))
    [row] = await fetch_rows(server, Subscription, api.publisher.merchant.id)
    assert (row.gateway_customer_ref, row.gateway_method) == (profile.customer_ref, profile.method_token)


async def signed_in_again(server: Server, api: Api31, viewer: Viewer) -> Viewer:
    signed = await sign_in(server, api.publisher.merchant, viewer.email, viewer.password)
    assert signed.status_code == 200, signed.text
    return dataclasses.replace(viewer, token=signed.json()["access_token"])


async def charged_subscription(server: Server, api: Api31) -> tuple[Viewer, dict[str, Any]]:
    """A monthly subscription a viewer started through the InPlayer API, charged by the sandbox gateway."""
    viewer = await sign_up(server, api.publisher.merchant)
    _, fee_id = await monthly_fee(server, api.publisher.merchant)
    started = await subscribe(server, viewer, fee_id)
    assert started.status_code == 200, started.text
    listed = ok(await api.get(f"/subscriptions?customerId={viewer.id}"))
    [shown] = listed["items"]
    return viewer, shown


async def test_changes_with_a_conditional_update(server: Server, api: Api31, frozen: clock.FrozenClock) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    made = await created(api, viewer.id, fee_id)
    path = f"/subscriptions/{made['id']}"
    etag = (await api.get(path)).headers["ETag"]
    sooner = clock.unix(frozen.now()) + 5 * 86400
    changed = ok(
        await api.patch(path, {"externalProperties": {"a": "b"}, "inTrial": True, "expiresAt": sooner}, If_Match=etag)
    )
    assert (changed["externalProperties"], changed["inTrial"], changed["expiresAt"]) == ({"a": "b"}, True, sooner)
    assert await access_expiry(server, viewer, item_id) == sooner
    assert "changed" in refused(await api.patch(path, {"status": "cancelled"}, If_Match=etag), 412)
    fresh = await api.get(path)
    cancelled = ok(await api.patch(path, {"status": "cancelled", "couponCode": None}, If_Match=fresh.headers["ETag"]))
    assert cancelled["status"] == "cancelled"
    refused(await api.patch(path, {"status": "paused"}), 422)
    refused(await api.patch(path, {"status": 1}), 400)
    refused(await api.patch(path, {"couponCode": "  "}), 422)
    refused(await api.patch(path, {"expiresAt": "soon"}), 400)
    refused(await api.patch(path, {"paymentDetailsId": 5}), 422)  # billed by the publisher: no saved details
    assert ok(await api.patch(path, {"status": "active"}))["status"] == "active"
    ended = ok(await api.patch(path, {"status": "terminated"}))
    assert ended["status"] == "terminated"
    assert await access_expiry(server, viewer, item_id) is None
    [row] = await fetch_rows(server, Subscription, api.publisher.merchant.id)
    assert row.external_properties == {"a": "b"}


async def test_cancel_activate_terminate_revive_and_transfer(
    server: Server, api: Api31, other: Api31, frozen: clock.FrozenClock
) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    heir = await sign_up(server, api.publisher.merchant, "heir@example.com")
    stranger = await sign_up(server, other.publisher.merchant, "stranger@example.com")
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    made = await created(api, viewer.id, fee_id)
    path = f"/subscriptions/{made['id']}"
    assert ok(await api.post(f"{path}/cancel", {"cancellationReason": "moving"}))["status"] == "cancelled"
    assert await access_expiry(server, viewer, item_id) == made["expiresAt"]  # runs to the period's end
    assert ok(await api.post(f"{path}/activate"))["status"] == "active"
    moved = ok(await api.post(f"{path}/transfer", {"customerId": heir.id}))
    assert moved["customerId"] == heir.id
    assert await access_expiry(server, viewer, item_id) is None
    assert await access_expiry(server, heir, item_id) == made["expiresAt"]
    refused(await api.post(f"{path}/transfer", {"customerId": heir.id}), 422)
    refused(await api.post(f"{path}/transfer", {"customerId": stranger.id}), 404)
    refused(await api.post(f"{path}/transfer", {}), 422)
    refused(await api.post(f"{path}/transfer", {"customerId": "x"}), 400)
    assert ok(await api.post(f"{path}/terminate", {"terminationType": "immediate"}))["status"] == "terminated"
    assert await access_expiry(server, heir, item_id) is None
    for verb in ("terminate", "cancel", "activate"):
        refused(await api.post(f"{path}/{verb}", {}), 409)
    until = clock.unix(frozen.now()) + 20 * 86400
    refused(await api.post(f"{path}/revive", {}), 422)
    refused(await api.post(f"{path}/revive", {"expirationDate": clock.unix(frozen.now()) - 1}), 422)
    # Another running subscription took its external id: reviving it would make two with one id.
    taken = await created(api, viewer.id, fee_id)
    assert "externalId" in refused(await api.post(f"{path}/revive", {"expirationDate": until}), 409)
    ok(await api.post(f"/subscriptions/{taken['id']}/terminate", {"terminationType": "immediate"}))
    revived = ok(await api.post(f"{path}/revive", {"expirationDate": until}))
    assert (revived["status"], revived["expiresAt"]) == ("active", until)
    assert await access_expiry(server, heir, item_id) == until
    assert "not ended" in refused(await api.post(f"{path}/revive", {"expirationDate": until}), 409)


async def test_a_pause_skips_billing_cycles_and_their_access_then_renews(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    [shown] = ok(await api.get(f"/subscriptions?customerId={viewer.id}"))["items"]
    path = f"/subscriptions/{shown['id']}"
    started, period_end = clock.from_unix(shown["startedAt"]), clock.from_unix(shown["expiresAt"])
    assert period_end == months_after(started, 1)
    resumes, resumed_until = months_after(started, 3), months_after(started, 4)
    paused = ok(await api.post(f"{path}/pause", {"pauseDate": "anniversary-date", "resumesAfterBillingCycles": 2}))
    assert (paused["status"], paused["pausedAt"], paused["resumesAt"]) == (
        "active",
        shown["expiresAt"],
        clock.unix(resumes),
    )
    refused(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 1}), 409)
    assert await access_expiry(server, viewer, item_id) == shown["expiresAt"]  # the period paid for runs on
    # The period ends: paused, nothing charged, no access, through both cycles.
    frozen.advance(seconds=(period_end - frozen.now()).total_seconds() + 3600)
    await renew(server)
    assert ok(await api.get(path))["status"] == "paused"
    assert await access_expiry(server, viewer, item_id) is None
    frozen.advance(days=35)
    assert (await renew(server)).renewed == 0
    assert await access_expiry(server, viewer, item_id) is None
    assert await count_rows(server, Payment, api.publisher.merchant.id) == 1
    # When it resumes: charged for the period from then, and access again until its end.
    frozen.advance(seconds=(resumes - frozen.now()).total_seconds() + 3600)
    assert (await renew(server)).renewed == 1
    back = ok(await api.get(path))
    assert (back["status"], back["expiresAt"], back["pausedAt"], back["resumesAt"]) == (
        "active",
        clock.unix(resumed_until),
        None,
        None,
    )
    viewer = await signed_in_again(server, api, viewer)  # months on, a fresh token
    assert await access_expiry(server, viewer, item_id) == clock.unix(resumed_until)
    assert await count_rows(server, Payment, api.publisher.merchant.id) == 2
    entitlements = await fetch_rows(server, Entitlement, api.publisher.merchant.id)
    assert [(e.starts_at, e.expires_at) for e in entitlements] == [
        (clock.from_unix(shown["startedAt"]), period_end),
        (resumes, resumed_until),
    ]


async def test_a_running_pause_ends_early_and_a_pause_not_begun_is_taken_back(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    _, shown = await charged_subscription(server, api)
    path = f"/subscriptions/{shown['id']}"
    assert "not paused" in refused(await api.post(f"{path}/resume"), 409)
    ok(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 3}))
    taken_back = ok(await api.post(f"{path}/resume"))
    assert (taken_back["status"], taken_back["pausedAt"]) == ("active", None)
    # Cancelled, a pause asked for goes with it; taken back, nothing is paused.
    ok(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 1}))
    assert ok(await api.post(f"{path}/cancel"))["pausedAt"] is None
    assert ok(await api.post(f"{path}/activate"))["resumesAt"] is None
    ok(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 3}))
    frozen.advance(seconds=shown["expiresAt"] - clock.unix(frozen.now()) + 86400)
    await renew(server)
    assert ok(await api.get(path))["status"] == "paused"
    resumed = ok(await api.post(f"{path}/resume"))
    assert (resumed["status"], resumed["expiresAt"]) == ("active", clock.unix(frozen.now()))
    assert (await renew(server)).renewed == 1
    assert ok(await api.get(path))["expiresAt"] == clock.unix(month_after(frozen.now()))


async def test_bad_pauses_write_nothing(server: Server, api: Api31, frozen: clock.FrozenClock) -> None:
    _, shown = await charged_subscription(server, api)
    path = f"/subscriptions/{shown['id']}"
    refused(await api.post(f"{path}/pause", {}), 422)
    refused(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": "two"}), 400)
    refused(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 0}), 422)
    refused(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 13}), 422)
    refused(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 1, "pauseDate": "tomorrow"}), 422)
    heir = await sign_up(server, api.publisher.merchant, "heir@example.com")
    _, fee_id = await monthly_fee(server, api.publisher.merchant)
    billed = await created(api, heir.id, fee_id)
    refused(await api.post(f"/subscriptions/{billed['id']}/pause", {"resumesAfterBillingCycles": 1}), 422)
    rows = await fetch_rows(server, Subscription, api.publisher.merchant.id)
    assert [(r.pause_starts_at, r.resumes_at) for r in rows] == [(None, None), (None, None)]


async def test_unknown_and_other_publishers_subscriptions_are_not_found(
    server: Server, api: Api31, other: Api31, frozen: clock.FrozenClock
) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    _, fee_id = await monthly_fee(server, api.publisher.merchant)
    made = await created(api, viewer.id, fee_id)
    path = f"/subscriptions/{made['id']}"
    bodies = {
        "renew": {},
        "revive": {"expirationDate": clock.unix(frozen.now()) + 86400},
        "transfer": {"customerId": viewer.id},
        "cancel": {},
        "terminate": {},
        "activate": {},
        "pause": {"resumesAfterBillingCycles": 1},
        "resume": {},
    }
    assert refused(await other.get(path), 404) == "Subscription not found"
    refused(await other.patch(path, {"status": "cancelled"}), 404)
    assert ok(await other.get(f"/subscriptions?customerId={viewer.id}")) == {"items": [], "totalCount": 0}
    for verb, body in bodies.items():
        refused(await other.post(f"{path}/{verb}", body), 404)
        refused(await api.post(f"/subscriptions/999999999/{verb}", body), 404)
        refused(await api.post(f"/subscriptions/abc/{verb}", body), 400)
        refused(await api.http.post(f"/3.1{path}/{verb}", json=body), 401)
    refused(await api.get("/subscriptions/0"), 400)
    refused(await api.get("/subscriptions?limit=0&customerId=1"), 400)
    refused(await api.get("/subscriptions?limit=101&customerId=1"), 400)
    refused(await api.get("/subscriptions?customerId=abc"), 400)
    refused(await api.get("/subscriptions?status[]=sleeping&customerId=1"), 422)
    refused(await api.http.get("/3.1/subscriptions?customerId=1"), 401)
    [row] = await fetch_rows(server, Subscription, api.publisher.merchant.id)
    assert (row.status, row.customer_id, row.current_period_end) == (
        "active",
        viewer.id,
        clock.from_unix(made["expiresAt"]),
    )


async def test_a_period_beyond_any_calendar_is_refused(server: Server, api: Api31, frozen: clock.FrozenClock) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    _, fee_id = await monthly_fee(server, api.publisher.merchant)
    last_second = 253402300799  # 9999-12-31 23:59:59
    made = await created(api, viewer.id, fee_id, expiresAt=last_second)
    refused(await api.post(f"/subscriptions/{made['id']}/renew", {}), 422)
    refused(await api.post(f"/subscriptions/{made['id']}/renew", {"expiresAt": last_second + 1}), 422)
    assert ok(await api.get(f"/subscriptions/{made['id']}"))["expiresAt"] == last_second


@pytest.mark.parametrize("begun", [False, True], ids=["pause-asked-for", "pause-running"])
async def test_an_erased_customers_paused_subscription_is_never_charged_again(
    server: Server, api: Api31, frozen: clock.FrozenClock, begun: bool
) -> None:
    viewer, shown = await charged_subscription(server, api)
    path = f"/subscriptions/{shown['id']}"
    ok(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 1}))
    if begun:
        frozen.advance(seconds=shown["expiresAt"] - clock.unix(frozen.now()) + 3600)
        await renew(server)
        assert ok(await api.get(path))["status"] == "paused"
    ok(await api.delete(f"/customers/{viewer.id}"))
    assert ok(await api.get(path))["resumesAt"] is None
    for _ in range(3):
        frozen.advance(days=40)
        assert (await renew(server)).renewed == 0
    assert ok(await api.get(path))["status"] in {"cancelled", "terminated", "expired"}
    assert await count_rows(server, Payment, api.publisher.merchant.id) == 1


async def test_a_renewal_retried_with_the_same_payment_extends_the_period_once(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    viewer = await sign_up(server, api.publisher.merchant)
    item_id, fee_id = await monthly_fee(server, api.publisher.merchant)
    made = await created(api, viewer.id, fee_id, expiresAt=clock.unix(frozen.now()) + 10 * 86400)
    path = f"/subscriptions/{made['id']}/renew"
    renewed = ok(await api.post(path, {"paymentId": "p-7"}))
    assert renewed["expiresAt"] > made["expiresAt"]
    assert ok(await api.post(path, {"paymentId": "p-7"})) == renewed
    assert await access_expiry(server, viewer, item_id) == renewed["expiresAt"]
    assert ok(await api.post(path, {"paymentId": "p-8"}))["expiresAt"] > renewed["expiresAt"]


@pytest.mark.parametrize("begun", [False, True], ids=["pause-asked-for", "pause-running"])
async def test_the_period_end_does_not_move_while_a_pause_is_asked_for_or_runs(
    server: Server, api: Api31, frozen: clock.FrozenClock, begun: bool
) -> None:
    _, shown = await charged_subscription(server, api)
    path = f"/subscriptions/{shown['id']}"
    ok(await api.post(f"{path}/pause", {"resumesAfterBillingCycles": 1}))
    if begun:
        frozen.advance(seconds=shown["expiresAt"] - clock.unix(frozen.now()) + 3600)
        await renew(server)
    before = ok(await api.get(path))
    later = clock.unix(frozen.now()) + 90 * 86400
    assert "pause" in refused(await api.patch(path, {"expiresAt": later}), 409)
    assert ok(await api.get(path)) == before
