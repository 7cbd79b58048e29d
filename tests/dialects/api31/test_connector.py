"""A publisher's own payment connector through a month of renewals on a test clock, over API 3.1: it registers
its payment method, the dunning schedule and the customer's payment details, subscribes a real HTTP receiver to
Cleeng's connector topics filtered by its payment method, reports the first payment; the renewal engine asks it by
webhook to authorise and capture each renewal; captured, the access runs on; rejected and then left unanswered,
dunning follows the schedule and the subscription ends. The ledger balances throughout."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from boxoffice.access.models import Entitlement
from boxoffice.billing import ledger, sandbox_clocks
from boxoffice.billing.models import Payment, PaymentStatus, Subscription, SubscriptionStatus
from boxoffice.gateways.registry import Gateways
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from boxoffice.webhooks.sender import Sender
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.api31.shop import Shop, customer, external_method, shop
from tests.dialects.api31.test_payments import first_payment
from tests.dialects.api31.test_webhooks import by_method
from tests.dialects.inplayer.conftest import fetch_rows
from tests.dialects.inplayer.webhook_helpers import sending
from tests.webhooks.receiver import Receiver, receiving

__all__ = ["shop"]  # the fixture, used here

START = datetime(2031, 1, 15, 9)


TOPICS = ("subscriptionReadyForPaymentAuthorisation", "subscriptionReadyForPaymentCapture")
TERMINATION = "subscriptionReadyForTermination"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receiver is on this machine, which only the operator's setting lets webhooks reach."""
    return settings.model_copy(update={"webhooks_allow_private": True, "access_token_ttl": 400 * 86400})


class Connector:
    """The connector's webhook receiver: what Cleeng's webhooks posted to it since last asked."""

    def __init__(self, receiver: Receiver, sender: Sender) -> None:
        self.receiver, self.sender, self.seen = receiver, sender, 0

    async def told(self) -> list[tuple[str, dict[str, Any]]]:
        await self.sender.run_until_idle()
        posted = [json.loads(r.body) for r in self.receiver.requests]
        fresh, self.seen = posted[self.seen :], len(posted)
        return [(body["topic"], body["data"]) for body in fresh]


async def test_a_connector_renews_a_subscription_then_dunning_ends_it(server: Server, api: Api31, shop: Shop) -> None:
    async with receiving() as receiver, sending(server) as sender:
        await _a_month_of_renewals(server, api, shop, Connector(receiver, sender))
        assert receiver.at("/other-method") == []  # filtered out: the events are of another payment method


async def _a_month_of_renewals(server: Server, api: Api31, shop: Shop, connector: Connector) -> None:
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

    method = await external_method(api)
    other_method = await external_method(api)
    for topic in (*TOPICS, TERMINATION):
        mine = {"url": connector.receiver.url("/connector"), "filters": by_method(method["id"])}
        others = {"url": connector.receiver.url("/other-method"), "filters": by_method(other_method["id"])}
        ok(await api.put(f"/webhook_subscriptions/{topic}", [mine, others]))
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
    assert [topic for topic, _ in told] == list(TOPICS)
    for _, data in told:
        assert data == {
            "subscriptionId": str(started.id),
            "offerId": shop.monthly_id,
            "customerId": viewer.id,
            "customerEmail": viewer.email,
            "paymentDetailsId": details["id"],
            "active": True,
            "dunningAttemptDate": "2031-02-15T09:00:00Z",
            "dunningStatus": "initial",
            "expirationDate": "2031-02-15T09:00:00Z",
            "currency": "EUR",
            "paymentCountry": started.country_code,
            "paymentMethodId": method["id"],
            "token": "acme-tok",
            "paymentGateway": "external",
        }
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
    assert [topic for topic, _ in await connector.told()] == list(TOPICS)
    ok(await api.post("/payments", renewal | {"status": "rejected", "externalPaymentId": "acme-3"}), 201)
    assert (await subscription()).status == SubscriptionStatus.PAST_DUE
    await move_to(due + timedelta(hours=24))
    retried = await connector.told()
    assert [(topic, data["dunningStatus"], data["dunningAttemptDate"]) for topic, data in retried] == [
        (TOPICS[0], "retry", "2031-03-16T09:00:00Z"),
        (TOPICS[1], "retry", "2031-03-16T09:00:00Z"),
    ]
    await move_to(due + timedelta(hours=72))  # the first retry went unanswered: the last is asked
    last = await connector.told()
    assert [(data["dunningStatus"], data["dunningAttemptDate"]) for _, data in last] == [
        ("retry", "2031-03-18T09:00:00Z")
    ] * 2
    assert (await subscription()).status == SubscriptionStatus.PAST_DUE
    await move_to(due + timedelta(hours=97))  # and unanswered too: it ends
    told = await connector.told()
    assert [topic for topic, _ in told] == [TERMINATION]
    assert (told[0][1]["subscriptionId"], told[0][1]["paymentMethodId"]) == (str(started.id), method["id"])
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
