"""A publisher's own payment connector through a month of renewals on a test clock, over API 3.1: it registers
its payment method, the dunning schedule and the customer's payment details, reports the first payment; the
renewal engine asks it (by the events it records, which Cleeng's webhooks carry) to authorise and capture each
renewal; captured, the access runs on; rejected and then left unanswered, dunning follows the schedule and the
subscription ends. The ledger balances throughout."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from boxoffice.access.models import Entitlement
from boxoffice.billing import ledger, sandbox_clocks
from boxoffice.billing.models import Payment, PaymentStatus, Subscription, SubscriptionStatus
from boxoffice.events.models import Event
from boxoffice.gateways.registry import Gateways
from boxoffice.kit.sealing import Sealer
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, customer, shop
from tests.dialects.api31.test_payments import METHOD, first_payment
from tests.dialects.inplayer.conftest import fetch_rows

__all__ = ["shop"]  # the fixture, used here

START = datetime(2031, 1, 15, 9)
ASKED = ("subscription.payment.authorisation.due", "subscription.payment.capture.due")


class Connector:
    """What the connector is told: the events for its payment method, as its webhook subscription would filter
    them, read from the outbox as the renewal engine records them."""

    def __init__(self, server: Server, api: Api31, method_id: int) -> None:
        self.server, self.merchant_id, self.method_id, self.seen = server, api.publisher.merchant.id, method_id, 0

    async def told(self) -> list[tuple[str, dict[str, Any]]]:
        """The events for this payment method since last asked."""
        events = await fetch_rows(self.server, Event, self.merchant_id)
        fresh, self.seen = events[self.seen :], len(events)
        return [(e.type, e.resource) for e in fresh if e.resource.get("payment_method_id") == self.method_id]


async def test_a_connector_renews_a_subscription_then_dunning_ends_it(server: Server, api: Api31, shop: Shop) -> None:
    merchant_id = api.publisher.merchant.id
    sessions = server.app.state.sessions
    gateways = Gateways(sessions, server.settings, Sealer([]))
    viewer = await customer(server, api)
    async with sessions() as session, session.begin():
        test_clock = await sandbox_clocks.create_clock(session, merchant_id, "A month", START)
    await sandbox_clocks.attach_customer(sessions, merchant_id, test_clock.id, viewer.id)

    async def move_to(moment: datetime) -> None:
        await sandbox_clocks.advance(sessions, gateways, merchant_id, test_clock.id, moment, [1])

    async def subscription() -> Subscription:
        (found,) = await fetch_rows(server, Subscription, merchant_id)
        return found

    async def balanced() -> None:
        async with sessions() as session:
            assert await ledger.unbalanced_transactions(session, merchant_id) == []

    method = ok(await api.post("/payment_methods", METHOD), 201)
    connector = Connector(server, api, method["id"])
    schedule = {"paymentAuthorization": True, "paymentAttempts": [0, 24, 72], "paymentMethodSettingsId": method["id"]}
    ok(await api.put("/dunning_actions/monthly", schedule))
    details = ok(
        await api.post(
            "/payment_details", {"customerId": viewer.id, "token": "acme-tok", "paymentMethodId": method["id"]}
        ),
        201,
    )["data"]
    first = ok(await api.post("/payments", first_payment(viewer.id, shop.monthly_id, method["id"])), 201)
    started = await subscription()
    assert (started.status, started.current_period_start, started.current_period_end) == (
        SubscriptionStatus.ACTIVE,
        START,
        datetime(2031, 2, 15, 9),
    )
    assert first["subscriptionId"] == started.id
    await connector.told()

    # The period ends: the connector is asked to authorise, then capture, the renewal.
    await move_to(datetime(2031, 2, 15, 9))
    told = await connector.told()
    assert [kind for kind, _ in told] == list(ASKED)
    for _, resource in told:
        assert {k: resource[k] for k in ("subscription_id", "customer_id", "payment_details_id", "token")} == {
            "subscription_id": started.id,
            "customer_id": viewer.id,
            "payment_details_id": details["id"],
            "token": "acme-tok",
        }
        assert (resource["amount"], resource["currency"], resource["dunning_attempt"]) == (999, "EUR", 0)
        assert resource["expires_at"] == "2031-02-15T09:00:00" and resource["dunning_status"] == "initial"
    await move_to(datetime(2031, 2, 15, 10))
    assert await connector.told() == []  # asked once, not again while it is awaited
    renewal = {
        "customerId": viewer.id,
        "offerId": shop.monthly_id,
        "paymentMethodId": method["id"],
        "netAmount": 8.26,
        "taxAmount": 1.73,
        "currency": "EUR",
        "subscriptionId": started.id,
        "paymentOperation": "recurring-payment",
    }
    authorised = ok(await api.post("/payments", renewal | {"status": "authorized", "externalPaymentId": "acme-2"}), 201)
    assert (authorised["status"], authorised["paymentOperation"]) == ("authorized", "recurring-payment")
    captured = ok(await api.patch(f"/payments/{authorised['id']}", {"status": "captured"}))
    assert (captured["status"], captured["externalPaymentId"], captured["amount"]) == ("captured", "acme-2", 9.99)
    renewed = await subscription()
    assert (renewed.status, renewed.cycle, renewed.current_period_end) == (
        SubscriptionStatus.ACTIVE,
        2,
        datetime(2031, 3, 15, 9),
    )
    (access,) = await fetch_rows(server, Entitlement, merchant_id)
    assert access.expires_at == datetime(2031, 3, 15, 9) and access.revoked_at is None
    await balanced()
    refused(await api.patch(f"/payments/{authorised['id']}", {"status": "captured"}), 409)  # recorded once

    # The next renewal is rejected: dunning asks again 24 and 72 hours after the due date, then ends it.
    due = datetime(2031, 3, 15, 9)
    await move_to(due)
    assert [kind for kind, _ in await connector.told()] == list(ASKED)
    ok(await api.post("/payments", renewal | {"status": "rejected", "externalPaymentId": "acme-3"}), 201)
    assert (await subscription()).status == SubscriptionStatus.PAST_DUE
    await move_to(due + timedelta(hours=24))
    retried = await connector.told()
    assert [(kind, r["dunning_attempt"], r["dunning_status"]) for kind, r in retried] == [
        (ASKED[0], 1, "retry"),
        (ASKED[1], 1, "retry"),
    ]
    await move_to(due + timedelta(hours=72))  # the first retry went unanswered: the last is asked
    assert [r["dunning_attempt"] for _, r in await connector.told()] == [2, 2]
    assert (await subscription()).status == SubscriptionStatus.PAST_DUE
    await move_to(due + timedelta(hours=97))  # and unanswered too: it ends
    told = await connector.told()
    assert [kind for kind, _ in told] == ["subscription.termination.due"]
    assert told[0][1]["subscription_id"] == started.id
    ended = await subscription()
    assert ended.status == SubscriptionStatus.ENDED
    (access,) = await fetch_rows(server, Entitlement, merchant_id)
    assert access.revoked_at is not None
    payments = await fetch_rows(server, Payment, merchant_id)
    assert [(p.kind, p.status, p.decline_code, p.gateway) for p in payments] == [
        ("subscription", PaymentStatus.SUCCEEDED, None, "external"),
        ("renewal", PaymentStatus.SUCCEEDED, None, "external"),
        ("renewal", PaymentStatus.DECLINED, "rejected", "external"),
        ("renewal", PaymentStatus.DECLINED, "no_answer", "external"),
        ("renewal", PaymentStatus.DECLINED, "no_answer", "external"),
    ]
    await balanced()
    # A late answer finds nothing awaited.
    refused(await api.post("/payments", renewal | {"status": "captured", "externalPaymentId": "acme-9"}), 409)
