"""An external payment connector's endpoints through API 3.1: payment-method settings, dunning actions, payment
details and the payments it reports. Each is refused with `{message}` for bad input (wrong types 400, bad values
422, another publisher's or unknown ids 404, no token 401), and then nothing was written."""

from __future__ import annotations

from typing import Any

from boxoffice.billing import ledger
from boxoffice.billing.models import LedgerTransaction, Payment, PaymentStatus, Refund, Subscription, SubscriptionStatus
from boxoffice.gateways.models import DunningAction, ExternalPaymentDetails, PaymentMethodSetting
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import METHOD, Shop, customer, external_method, shop
from tests.dialects.inplayer.conftest import count_rows, fetch_rows

__all__ = ["shop"]  # the fixture, used here


def first_payment(customer_id: int, offer_id: str, method_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "status": "captured",
        "offerId": offer_id,
        "paymentMethodId": method_id,
        "netAmount": 8.26,
        "taxAmount": 1.73,
        "currency": "EUR",
        "externalPaymentId": "acme-1",
        "paymentOperation": "initial-payment",
    } | changes


async def test_a_payment_method_is_registered_with_its_settings(server: Server, api: Api31) -> None:
    made = await external_method(api)
    assert made == METHOD | {"id": made["id"]}
    assert made["id"] > 0
    rows = await fetch_rows(server, PaymentMethodSetting, api.publisher.merchant.id)
    assert [(r.id, r.fee_rate, r.is_external) for r in rows] == [(made["id"], 290, True)]
    plain = ok(await api.post("/payment_methods", {"methodName": "paypal", "paymentGateway": "pp"}), 201)
    assert (plain["isExternalPayment"], plain["feeRate"], plain["paymentAmountAccuracy"]) == (True, 0, 2)


async def test_bad_payment_method_settings_are_refused_and_nothing_is_written(server: Server, api: Api31) -> None:
    wrong_types: list[dict[str, Any]] = [
        METHOD | {"methodName": 5},
        METHOD | {"feeRate": "cheap"},
        METHOD | {"gatewayParameters": ["a"]},
        METHOD | {"isExternalPayment": "yes"},
        METHOD | {"paymentAmountAccuracy": "two"},
    ]
    for body in wrong_types:
        refused(await api.post("/payment_methods", body), 400)
    for body in (METHOD | {"feeRate": 2}, METHOD | {"methodName": ""}, {"methodName": "card"}):
        refused(await api.post("/payment_methods", body), 422)
    refused(await api.post("/payment_methods", METHOD, X_Publisher_Token="nope"), 401)
    assert await count_rows(server, PaymentMethodSetting, api.publisher.merchant.id) == 0


async def test_a_dunning_action_is_set_per_cycle_and_replaced(server: Server, api: Api31, other: Api31) -> None:
    method = await external_method(api)
    body = {"paymentAuthorization": True, "paymentAttempts": [0, 24, 72], "paymentMethodSettingsId": method["id"]}
    set_ = ok(await api.put("/dunning_actions/monthly", body))
    assert set_ == body | {"id": set_["id"], "cycle": "monthly"}
    again = ok(await api.put("/dunning_actions/monthly", {"paymentAttempts": [48]}))
    assert (again["id"], again["paymentAttempts"], again["paymentAuthorization"]) == (set_["id"], [48], False)
    ok(await api.put("/dunning_actions/3-months", {"paymentAttempts": []}))
    rows = await fetch_rows(server, DunningAction, api.publisher.merchant.id)
    assert sorted((r.cycle.value, r.payment_attempts) for r in rows) == [("3-months", []), ("monthly", [48])]
    # Another publisher's method is none of this one's; bad cycles, types and values are refused.
    other_method = await external_method(other)
    refused(await api.put("/dunning_actions/weekly", {"paymentAttempts": [1], "paymentMethodSettingsId": 99999}), 404)
    refused(
        await api.put(
            "/dunning_actions/weekly", {"paymentAttempts": [1], "paymentMethodSettingsId": other_method["id"]}
        ),
        404,
    )
    refused(await api.put("/dunning_actions/fortnightly", {"paymentAttempts": [1]}), 400)
    refused(await api.put("/dunning_actions/weekly", {"paymentAttempts": "24"}), 400)
    refused(await api.put("/dunning_actions/weekly", {"paymentAttempts": [1, "2"]}), 400)
    refused(await api.put("/dunning_actions/weekly", {"paymentAttempts": [72, 24]}), 422)
    refused(await api.put("/dunning_actions/weekly", {"paymentAttempts": [1], "paymentAuthorization": 1}), 400)
    refused(await api.put("/dunning_actions/weekly", {}), 422)
    refused(await api.put("/dunning_actions/weekly", {"paymentAttempts": [1]}, X_Publisher_Token="x"), 401)
    assert await count_rows(server, DunningAction, api.publisher.merchant.id) == 2


async def test_payment_details_are_saved_restricted_and_list_their_payments(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    method = await external_method(api)
    body = {"customerId": viewer.id, "token": "tok_1", "paymentMethodId": method["id"]}
    first = ok(await api.post("/payment_details", body | {"paymentMethodSpecificParams": {"last4": "4242"}}), 201)
    assert first["success"] and first["data"]["active"] and first["data"]["paymentMethodSpecificParams"]
    second = ok(await api.post("/payment_details", body | {"token": "tok_2"}), 201)["data"]
    rows = await fetch_rows(server, ExternalPaymentDetails, api.publisher.merchant.id)
    assert [(r.token, r.active) for r in rows] == [("tok_1", False), ("tok_2", True)]  # one active at a time
    paid = ok(await api.post("/payments", first_payment(viewer.id, shop.monthly_id, method["id"])), 201)
    assert paid["paymentDetailsId"] == second["id"]
    listed = ok(await api.get(f"/payment_details/{second['id']}/authorised_payments"))
    assert [p["id"] for p in listed["items"]] == [paid["id"]]
    assert ok(await api.get(f"/payment_details/{first['data']['id']}/authorised_payments")) == {"items": []}
    restricted = ok(
        await api.patch(
            f"/payment_details/{second['id']}/attemptRestrictions",
            {"attemptRestrictedTo": "2031-02-01T10:00:00+01:00", "attemptRejections": {"2031-01": 2}},
        )
    )["data"]
    assert restricted["attemptRestrictedTo"] == "2031-02-01T09:00:00Z"
    assert restricted["attemptRejections"] == {"2031-01": 2}
    # Another publisher's details, customers and methods are none of this one's.
    refused(await other.get(f"/payment_details/{second['id']}/authorised_payments"), 404)
    refused(await api.get("/payment_details/99999/authorised_payments"), 404)
    refused(await other.patch(f"/payment_details/{second['id']}/attemptRestrictions", {}), 404)
    other_method = await external_method(other)
    refused(await other.post("/payment_details", body | {"paymentMethodId": other_method["id"]}), 404)
    refused(await api.post("/payment_details", body | {"paymentMethodId": other_method["id"]}), 404)
    refused(await api.post("/payment_details", body | {"customerId": 99999}), 404)
    # Bad types and values.
    refused(await api.post("/payment_details", body | {"token": 5}), 400)
    refused(await api.post("/payment_details", body | {"paymentMethodSpecificParams": [1]}), 400)
    refused(await api.post("/payment_details", body | {"active": "no"}), 400)
    refused(await api.post("/payment_details", body | {"token": ""}), 422)
    gateway_method = await external_method(api, isExternalPayment=False)
    refused(await api.post("/payment_details", body | {"paymentMethodId": gateway_method["id"]}), 422)
    restrictions = f"/payment_details/{second['id']}/attemptRestrictions"
    refused(await api.patch(restrictions, {"attemptRejections": {"January": 1}}), 422)
    refused(await api.patch(restrictions, {"attemptRejections": {"2031-01": "1"}}), 400)
    refused(await api.patch(restrictions, {"attemptRestrictedTo": "soon"}), 422)
    refused(await api.get("/payment_details/0/authorised_payments"), 400)
    assert await count_rows(server, ExternalPaymentDetails, api.publisher.merchant.id) == 2
    unchanged = (await fetch_rows(server, ExternalPaymentDetails, api.publisher.merchant.id))[1]
    assert unchanged.attempt_rejections == {"2031-01": 2}


async def test_a_first_payment_starts_a_subscription_billed_through_the_connector(
    server: Server, api: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    method = await external_method(api)
    paid = ok(await api.post("/payments", first_payment(viewer.id, shop.monthly_id, method["id"])), 201)
    assert (paid["status"], paid["amount"], paid["currency"], paid["externalPaymentId"]) == (
        "captured",
        9.99,
        "EUR",
        "acme-1",
    )
    assert paid["paymentMethodId"] == method["id"] and paid["paymentOperation"] == "initial-payment"
    merchant_id = api.publisher.merchant.id
    (subscription,) = await fetch_rows(server, Subscription, merchant_id)
    assert (subscription.status, subscription.gateway, subscription.id) == (
        SubscriptionStatus.ACTIVE,
        "external",
        paid["subscriptionId"],
    )
    entitled = ok(await api.get(f"/entitlements?customerId={viewer.id}"))
    assert [i["offerId"] for i in entitled["items"]] == [shop.monthly_id]
    # The same external payment is not recorded twice, nor a second subscription started.
    refused(await api.post("/payments", first_payment(viewer.id, shop.monthly_id, method["id"])), 409)
    refunded = ok(
        await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "refundedAmount": 4.99, "type": "chargeback"})
    )
    assert (refunded["status"], refunded["refundedAmount"]) == ("captured", 4.99)
    whole = ok(await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "refundedReason": "asked"}))
    assert (whole["status"], whole["refundedAmount"]) == ("refunded", 9.99)
    refunds = await fetch_rows(server, Refund, merchant_id)
    assert [(r.amount, r.reason) for r in refunds] == [(499, "Chargeback"), (500, "Refund: asked")]
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "refunded"}), 422)  # nothing left of it
    refused(await api.patch(f"/payments/{paid['id']}/cancel"), 409)  # it went through long ago
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant_id) == []


async def test_bad_payments_are_refused_and_nothing_is_written(
    server: Server, api: Api31, other: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    method = await external_method(api)
    other_method = await external_method(other)
    good = first_payment(viewer.id, shop.monthly_id, method["id"])
    for changes in (
        {"netAmount": "8.26"},
        {"taxAmount": True},
        {"customerId": "me"},
        {"externalPaymentId": 7},
        {"subscriptionId": 1.5},
    ):
        refused(await api.post("/payments", good | changes), 400)
    for changes in (
        {"currency": "XXX"},
        {"currency": "USD"},  # not the offer's
        {"status": "maybe"},
        {"status": "rejected"},  # a first payment is recorded once captured
        {"netAmount": 1.234},
        {"netAmount": -1},
        {"offerId": "not-an-offer"},
        {"paymentOperation": "recurring-payment"},  # without a subscription
        {"paymentOperation": "sometimes"},
        {"externalPaymentId": ""},
        {"paymentMethodId": (await external_method(api, isExternalPayment=False))["id"]},
    ):
        refused(await api.post("/payments", good | changes), 422)
    for changes in (
        {"customerId": 99999},
        {"paymentMethodId": other_method["id"]},
        {"offerId": "S999999999_EU"},
        {"subscriptionId": 99999, "paymentOperation": "recurring-payment"},
    ):
        refused(await api.post("/payments", good | changes), 404)
    refused(await other.post("/payments", good | {"paymentMethodId": other_method["id"]}), 404)  # not its customer
    refused(await api.post("/payments", good, X_Publisher_Token="x"), 401)
    refused(await api.patch("/payments/99999", {"status": "captured"}), 404)
    refused(await api.patch("/payments/99999/cancel"), 404)
    merchant_id = api.publisher.merchant.id
    assert await count_rows(server, Payment, merchant_id) == 0
    assert await count_rows(server, Subscription, merchant_id) == 0
    paid = ok(await api.post("/payments", good), 201)
    refused(await other.patch(f"/payments/{paid['id']}", {"status": "refunded"}), 404)
    refused(await other.patch(f"/payments/{paid['id']}/cancel"), 404)
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "gone"}), 422)
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "refundedAmount": "1"}), 400)
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "refundedAmount": 0}), 422)
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "refundedAmount": 20}), 422)
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "type": "loan"}), 422)
    refused(await api.patch(f"/payments/{paid['id']}", {"status": "captured"}), 409)  # not awaited
    assert await count_rows(server, Refund, merchant_id) == 0
    (payment,) = await fetch_rows(server, Payment, merchant_id)
    assert (payment.status, payment.refunded) == (PaymentStatus.SUCCEEDED, 0)


async def test_amounts_beyond_what_a_price_may_be_are_refused_and_nothing_is_written(
    server: Server, api: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    method = await external_method(api)
    good = first_payment(viewer.id, shop.monthly_id, method["id"])
    for changes in ({"netAmount": 30000000}, {"netAmount": 1e30}, {"taxAmount": 1e30}, {"taxAmount": 9999999.99}):
        refused(await api.post("/payments", good | changes), 422)
    merchant_id = api.publisher.merchant.id
    assert await count_rows(server, Payment, merchant_id) == 0
    assert await count_rows(server, Subscription, merchant_id) == 0
    paid = ok(await api.post("/payments", good), 201)
    for amount in (30000000, 1e30):
        refused(await api.patch(f"/payments/{paid['id']}", {"status": "refunded", "refundedAmount": amount}), 422)
    assert await count_rows(server, Refund, merchant_id) == 0
    (payment,) = await fetch_rows(server, Payment, merchant_id)
    assert payment.refunded == 0


async def test_a_refund_reported_twice_with_its_reference_is_made_and_booked_once(
    server: Server, api: Api31, shop: Shop
) -> None:
    viewer = await customer(server, api)
    method = await external_method(api)
    paid = ok(await api.post("/payments", first_payment(viewer.id, shop.monthly_id, method["id"])), 201)
    report = {"status": "refunded", "refundedAmount": 1, "externalPaymentId": "re_1"}
    first = ok(await api.patch(f"/payments/{paid['id']}", report))
    again = ok(await api.patch(f"/payments/{paid['id']}", report))
    assert first["refundedAmount"] == again["refundedAmount"] == 1
    refused(await api.patch(f"/payments/{paid['id']}", report | {"refundedAmount": 2}), 409)  # another amount
    other = ok(await api.patch(f"/payments/{paid['id']}", report | {"externalPaymentId": "re_2"}))
    assert other["refundedAmount"] == 2
    merchant_id = api.publisher.merchant.id
    made = await fetch_rows(server, Refund, merchant_id)
    assert [(r.amount, r.gateway_refund_id) for r in made] == [(100, "re_1"), (100, "re_2")]
    booked = await fetch_rows(server, LedgerTransaction, merchant_id)
    assert len([t for t in booked if t.kind == "refund"]) == 2
    async with server.app.state.sessions() as session:
        assert await ledger.unbalanced_transactions(session, merchant_id) == []
