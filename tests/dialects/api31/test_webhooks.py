"""Cleeng's webhooks through API 3.1: a topic's endpoints set whole by `PUT /webhook_subscriptions/{topic}` and
listed by `GET /webhook_subscriptions`; deliveries posted as Cleeng posts them (`{broadcasterId, topic, data}`,
field for field), signed with the Standard Webhooks headers, filtered by `paymentMethodId`, logged, retried and
replayed through the merchant API like every webhook — against a real HTTP receiver on a local port."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from boxoffice.billing.models import Payment, Subscription
from boxoffice.catalog.models import Price
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.events import outbox
from boxoffice.events.models import Event
from boxoffice.events.outbox import DomainEvent
from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from boxoffice.webhooks import deliveries
from boxoffice.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Server
from tests.dialects.api31.conftest import Api31, ok, refused
from tests.dialects.inplayer.conftest import assert_error, count_rows, fetch_rows, sign_up
from tests.dialects.inplayer.test_payments import card_form, pay, priced_item
from tests.dialects.inplayer.test_subscriptions import monthly_fee, only_subscription, renew, subscribe
from tests.dialects.inplayer.webhook_helpers import sending, standard_signature_holds
from tests.dialects.mediastore import conftest as mediastore
from tests.dialects.mediastore.conftest import customer
from tests.dialects.mediastore.test_my_account import subscribed
from tests.dialects.mediastore.test_offers import shop
from tests.dialects.mediastore.test_switches import Plans, cancel_switch, plans, switch
from tests.web.dashboard.desk import owner
from tests.webhooks.receiver import Received, Receiver, receiving

__all__ = ["customer", "plans", "shop", "subscribed"]  # MediaStore's fixtures, used here too


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The receivers are on this machine, which only the operator's setting lets webhooks reach (the tests of
    refused private addresses keep the default); tokens outlive the months a renewal moves the clock through."""
    allowed = "private" not in request.node.name
    return settings.model_copy(update={"webhooks_allow_private": allowed, "access_token_ttl": 400 * 86400})


async def put(api: Api31, topic: str, *endpoints: dict[str, Any]) -> list[dict[str, Any]]:
    answered = ok(await api.put(f"/webhook_subscriptions/{topic}", list(endpoints)))
    assert isinstance(answered, list)
    return answered


def by_method(value: int) -> list[dict[str, Any]]:
    return [{"name": "paymentMethodId", "options": {"value": value}}]


def posted(receiver: Receiver, path: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.at(path)]


def check_delivery(received: Received, api: Api31, topic: str) -> dict[str, Any]:
    """Cleeng's envelope and headers, and the Standard Webhooks signature with the merchant's secret; the data."""
    assert received.headers["content-type"] == "application/json"
    body = json.loads(received.body)
    assert set(body) == {"broadcasterId", "topic", "data"}
    assert (body["broadcasterId"], body["topic"]) == (api.publisher.id, topic)
    assert standard_signature_holds(received, api.publisher.merchant.secret)
    assert not standard_signature_holds(received, api.publisher.merchant.secret + "x")
    return dict(body["data"])


async def test_a_topics_endpoints_are_put_whole_and_listed(server: Server, api: Api31, other: Api31) -> None:
    first = await put(
        api,
        "transactionCreated",
        {"url": "https://a.example.com/hook", "name": "books"},
        {"url": "https://b.example.com/hook", "filters": by_method(7), "retryPolicy": {"maxRetries": 3}},
    )
    assert [(e["url"], e["name"], e["filters"], e["enabled"]) for e in first] == [
        ("https://a.example.com/hook", "books", [], True),
        ("https://b.example.com/hook", "", by_method(7), True),
    ]
    await put(api, "customerRegistered", {"url": "https://c.example.com/hook"})
    listed = ok(await api.get("/webhook_subscriptions"))
    assert [(s["topic"], [e["url"] for e in s["endpoints"]]) for s in listed] == [
        ("transactionCreated", ["https://a.example.com/hook", "https://b.example.com/hook"]),
        ("customerRegistered", ["https://c.example.com/hook"]),
    ]
    # The whole list again: b sent again is the same endpoint (its id, its delivery log), a not sent is removed.
    second = await put(
        api, "transactionCreated", {"url": "https://b.example.com/hook"}, {"url": "https://d.example.com"}
    )
    assert [e["url"] for e in second] == ["https://b.example.com/hook", "https://d.example.com"]
    assert second[0]["id"] == first[1]["id"] and second[0]["filters"] == []
    assert await count_rows(server, WebhookEndpoint, api.publisher.merchant.id) == 3
    # The merchant API sees them as webhooks of the core event types their topic is made of.
    shown = await server.http.get(f"/webhooks/{second[0]['id']}", headers=api.publisher.merchant.auth)
    assert shown.json()["events"] == [
        "payment.card.success",
        "external.payment.success",
        "subscribe.success",
        "external.subscribe.success",
    ]
    assert ok(await other.get("/webhook_subscriptions")) == []
    # Disabled through the merchant API, then sent again: enabled again.
    auth = api.publisher.merchant.auth
    off = await server.http.put(f"/webhooks/{second[0]['id']}", headers=auth, data={"enabled": "false"})
    assert off.status_code == 200 and off.json()["enabled"] is False, off.text
    assert not ok(await api.get("/webhook_subscriptions"))[0]["endpoints"][0]["enabled"]
    retype = {"events[0]": "customer.updated"}
    retyped = await server.http.put(f"/webhooks/{second[0]['id']}", headers=auth, data=retype)
    assert retyped.status_code == 422, retyped.text  # its types are its topic's
    again = await put(api, "transactionCreated", {"url": "https://b.example.com/hook"})
    assert [(e["id"], e["enabled"]) for e in again] == [(second[0]["id"], True)]
    assert await put(api, "transactionCreated") == []
    listed = ok(await api.get("/webhook_subscriptions"))
    assert [s["topic"] for s in listed] == ["customerRegistered"]


async def test_bad_subscriptions_are_refused_and_write_nothing(server: Server, api: Api31) -> None:
    await put(api, "customerRegistered", {"url": "https://kept.example.com"})
    path = "/webhook_subscriptions/customerRegistered"
    assert "topic" in refused(await api.put("/webhook_subscriptions/noSuchTopic", [{"url": "https://x.example"}]), 404)
    refused(await api.put(path, {"url": "https://x.example.com"}), 400)  # an object, not the list
    refused(await api.put(path, ["https://x.example.com"]), 400)
    refused(await api.put(path, [{"url": 7}]), 400)
    refused(await api.put(path, [{"url": "https://x.example.com", "filters": {"name": "x"}}]), 400)
    refused(await api.put(path, [{"url": "https://x.example.com", "filters": by_method(-1)}]), 400)
    refused(await api.put(path, [{"url": "https://x.example.com", "retryPolicy": 3}]), 400)
    refused(await api.put(path, [{"url": "https://x.example.com"}, {"name": "no url"}]), 422)
    refused(await api.put(path, [{"url": "https://x.example.com"}, {"url": "ftp://x.example.com"}]), 422)
    refused(await api.put(path, [{"url": "https://x.example.com"}, {"url": "not an address"}]), 422)
    unknown = [{"url": "https://x.example.com", "filters": [{"name": "offerId", "options": {"value": 1}}]}]
    assert "paymentMethodId" in refused(await api.put(path, unknown), 422)
    two = [{"url": "https://x.example.com", "filters": by_method(1) + by_method(2)}]
    refused(await api.put(path, two), 422)
    refused(await api.put(path, [{"url": f"https://{n}.example.com"} for n in range(51)]), 422)
    no_token = await server.http.put(f"/3.1{path}", json=[{"url": "https://x.example.com"}])
    refused(no_token, 401)
    bad_token = await server.http.put(
        f"/3.1{path}", json=[{"url": "https://x.example.com"}], headers={"X-Publisher-Token": "nope"}
    )
    refused(bad_token, 401)
    refused(await server.http.get("/3.1/webhook_subscriptions"), 401)
    [kept] = await fetch_rows(server, WebhookEndpoint, api.publisher.merchant.id)
    assert (kept.url, kept.topic) == ("https://kept.example.com", "customerRegistered")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "http://[::1]/hook"])
async def test_an_endpoint_at_a_private_address_is_refused(server: Server, api: Api31, url: str) -> None:
    message = refused(await api.put("/webhook_subscriptions/customerRegistered", [{"url": url}]), 422)
    assert "can't be sent there" in message
    assert await count_rows(server, WebhookEndpoint, api.publisher.merchant.id) == 0


async def test_customer_topics_and_a_purchase_are_posted_field_for_field(server: Server, api: Api31) -> None:
    merchant = api.publisher.merchant
    async with receiving() as receiver, sending(server) as sender:
        await put(api, "customerRegistered", {"url": receiver.url("/registered")})
        await put(api, "customerRequestedPasswordReset", {"url": receiver.url("/reset")})
        await put(api, "customerConsentUpdated", {"url": receiver.url("/consent")})
        await put(api, "transactionCreated", {"url": receiver.url("/tx")})
        await put(api, "subscriptionCanceled", {"url": receiver.url("/never")})  # nothing of the kind happens
        customer = await mediastore.register(server, mediastore.Publisher(merchant, api.publisher.id))
        reset = {"resetUrl": "https://app.example.com/reset", "customerId": customer.id}
        ok(await api.post("/customers/request_password_reset", reset))
        nobody = {"resetUrl": "https://app.example.com/reset", "customerEmail": "nobody@example.com"}
        ok(await api.post("/customers/request_password_reset", nobody))  # no account: nothing is told
        define = await server.http.put("/v2/consents/terms", headers=merchant.auth, data={"label": "The terms"})
        assert define.status_code == 200, define.text
        answers = {"consents": [{"name": "terms", "version": "1", "state": "accepted"}]}
        for _ in range(2):  # the same answer twice is one change
            answered = await mediastore.call(
                server, "PUT", f"/customers/{customer.id}/consents", answers, headers=customer.auth
            )
            mediastore.data(answered)
        viewer = await sign_up(server, merchant, "buyer@example.com")
        _, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
        assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
        await sender.run_until_idle()

    customer_fields = {"customerId": customer.id, "customerEmail": customer.email, "customerExternalId": None}
    buyer_fields = {"customerId": viewer.id, "customerEmail": viewer.email, "customerExternalId": None}
    assert [r.path for r in receiver.requests if r.path == "/never"] == []
    registered = [check_delivery(r, api, "customerRegistered") for r in receiver.at("/registered")]
    assert sorted(registered, key=lambda d: d["customerId"]) == [customer_fields, buyer_fields]
    [asked] = receiver.at("/reset")
    assert check_delivery(asked, api, "customerRequestedPasswordReset") == customer_fields
    [consent] = receiver.at("/consent")
    answer = check_delivery(consent, api, "customerConsentUpdated")
    assert abs(answer.pop("date") - clock.unix(clock.now())) < 60
    assert answer == customer_fields | {"consentName": "terms", "consentVersion": 1, "consentState": "accepted"}
    [paid] = await fetch_rows(server, Payment, merchant.id)
    [price] = await fetch_rows(server, Price, merchant.id)
    [tx] = receiver.at("/tx")
    assert check_delivery(tx, api, "transactionCreated") == {
        "offerId": offer_id(price),
        "transactionId": f"T{paid.id:09d}",
        "transactionCountry": paid.country_code,
        "taxRate": 0.0,
        "transactionCurrency": "EUR",
        "transactionDate": clock.unix(paid.created_at),
        "externalData": None,
        "transactionPriceExclTax": 4.99,
        "transactionPriceInclTax": 4.99,
        "applicableTax": 0,
        "appliedExchangeRate": 1,
        **buyer_fields,
        "paymentId": paid.id,
        "offerPrice": 4.99,
        "offerCurrency": "EUR",
        "discountRate": None,
        "subscriptionPlanId": None,
        "paymentGateway": paid.gateway,
    }
    assert tx.headers["webhook-id"] != asked.headers["webhook-id"]


async def test_a_subscription_is_told_bought_renewed_cancelled_and_terminated(
    server: Server, api: Api31, frozen: clock.FrozenClock
) -> None:
    merchant = api.publisher.merchant
    viewer = await sign_up(server, merchant)
    topics = ("transactionCreated", "subscriptionRenewed", "subscriptionCanceled", "subscriptionTerminated")
    async with receiving() as receiver, sending(server) as sender:
        for topic in topics:
            await put(api, topic, {"url": receiver.url(f"/{topic}")})
        _, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
        assert (await subscribe(server, viewer, fee_id)).status_code == 200
        first = await only_subscription(server, viewer)
        frozen._now = clock.from_unix(first["next_rebill_date"]) + timedelta(seconds=1)
        assert (await renew(server)).renewed == 1
        renewed_until = (await only_subscription(server, viewer))["next_rebill_date"]
        await sender.run_until_idle()
        url = first["unsubscribe_url"].removeprefix("http://testserver")
        assert (await server.http.get(url, headers=viewer.auth)).status_code == 200
        await sender.run_until_idle()
        frozen._now = clock.from_unix(renewed_until) + timedelta(seconds=1)
        assert (await renew(server)).ended == 1
        await sender.run_until_idle()

    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    [price] = await fetch_rows(server, Price, merchant.id)
    payments = sorted(await fetch_rows(server, Payment, merchant.id), key=lambda p: p.id)
    assert [p.kind for p in payments] == ["subscription", "renewal"]
    told = sorted(
        (check_delivery(r, api, "transactionCreated") for r in receiver.at("/transactionCreated")),
        key=lambda d: d["paymentId"],
    )
    assert [(d["paymentId"], d["subscriptionPlanId"], d["offerId"]) for d in told] == [
        (p.id, subscription.id, offer_id(price)) for p in payments
    ]
    assert [d["transactionPriceInclTax"] for d in told] == [9.99, 9.99]
    plan = {
        "subscriptionId": str(subscription.id),
        "offerId": offer_id(price),
        "customerId": viewer.id,
        "customerEmail": viewer.email,
        "customerExternalId": None,
        "nextPaymentPrice": 9.99,
        "nextPaymentCurrency": "EUR",
        "paymentGateway": subscription.gateway,
    }
    # Each is rendered when it is sent, from the subscription as it then is: renewed, then cancelled, then ended.
    [renewed] = receiver.at("/subscriptionRenewed")
    assert check_delivery(renewed, api, "subscriptionRenewed") == plan | {
        "status": "active",
        "expiresAt": renewed_until,
        "nextPaymentAt": renewed_until,
    }
    [cancelled] = receiver.at("/subscriptionCanceled")
    assert check_delivery(cancelled, api, "subscriptionCanceled")["status"] == "cancelled"
    [ended] = receiver.at("/subscriptionTerminated")
    assert check_delivery(ended, api, "subscriptionTerminated") == plan | {
        "status": "terminated",
        "expiresAt": clock.unix(subscription.ended_at) if subscription.ended_at else renewed_until,
        "nextPaymentAt": None,
    }


async def record(server: Server, *events: DomainEvent) -> None:
    """Events the renewal engine writes for a subscription an external connector bills."""
    async with server.app.state.sessions() as session, session.begin():
        await outbox.record(session, *events)


async def test_connector_topics_are_filtered_by_payment_method_and_logged_and_replayed(
    server: Server, api: Api31
) -> None:
    merchant = api.publisher.merchant
    viewer = await sign_up(server, merchant)
    _, fee_id = await monthly_fee(server, merchant, amount="9.99", currency="EUR")
    assert (await subscribe(server, viewer, fee_id)).status_code == 200
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    [price] = await fetch_rows(server, Price, merchant.id)
    attempt = clock.now().replace(microsecond=0)

    def due(kind: str, method: int | None) -> DomainEvent:
        resource = {
            "subscription_id": subscription.id,
            "customer_id": viewer.id,
            "price_id": subscription.price_id,
            "gateway": "external",
            "payment_method_id": method,
            "payment_details_id": 55,
            "payment_id": None,
            "currency": "EUR",
            "expires_at": subscription.current_period_end.isoformat(),
            "dunning_attempt": 0,
            "dunning_attempt_date": attempt.isoformat(),
            "dunning_status": "initial",
        }
        return DomainEvent(merchant.id, f"subscription.payment.{kind}.due", viewer.id, resource)

    async with receiving() as receiver, sending(server) as sender:
        [mine] = await put(
            api, "subscriptionReadyForPaymentCapture", {"url": receiver.url("/seven"), "filters": by_method(7)}
        )
        await put(api, "subscriptionReadyForPaymentAuthorisation", {"url": receiver.url("/authorise")})
        # transactionCreated carries no paymentMethodId: a filter on it lets nothing through.
        await put(api, "transactionCreated", {"url": receiver.url("/filtered"), "filters": by_method(7)})
        await record(server, due("capture", 7), due("capture", 8), due("authorisation", 8))
        assert (await subscribe(server, await sign_up(server, merchant, "two@example.com"), fee_id)).status_code == 200
        await sender.run_until_idle()
        assert receiver.at("/filtered") == []
        [capture] = receiver.at("/seven")
        data = check_delivery(capture, api, "subscriptionReadyForPaymentCapture")
        assert data == {
            "subscriptionId": str(subscription.id),
            "offerId": offer_id(price),
            "customerId": viewer.id,
            "customerEmail": viewer.email,
            "paymentDetailsId": 55,
            "active": True,
            "dunningAttemptDate": attempt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dunningStatus": "initial",
            "expirationDate": subscription.current_period_end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "currency": "EUR",
            "paymentCountry": subscription.country_code,
            "paymentMethodId": 7,
            "token": None,
            "paymentGateway": "external",
        }
        [authorise] = receiver.at("/authorise")
        assert check_delivery(authorise, api, "subscriptionReadyForPaymentAuthorisation")["paymentMethodId"] == 8

        # The merchant API's delivery log, retry and replay serve a Cleeng endpoint as any other.
        auth = merchant.auth
        log = (await server.http.get(f"/webhooks/{mine['id']}/deliveries", headers=auth)).json()
        assert [(d["event_type"], d["status"], d["attempts"]) for d in log["collection"]] == [
            ("subscription.payment.capture.due", "delivered", 1)
        ]
        delivery_id = log["collection"][0]["id"]
        one = (await server.http.get(f"/webhooks/{mine['id']}/deliveries/{delivery_id}", headers=auth)).json()
        assert [(a["status_code"], a["response"]) for a in one["attempt_log"]] == [(200, "ok")]
        retried = await server.http.post(f"/webhooks/{mine['id']}/deliveries/{delivery_id}/retry", headers=auth)
        assert retried.status_code == 200, retried.text
        since = (attempt - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        replayed = await server.http.post(f"/webhooks/{mine['id']}/replay", headers=auth, data={"since": since})
        assert replayed.json()["replayed"] == 1  # of its type, only the event its filter lets through
        await sender.run_until_idle()
    again = receiver.at("/seven")
    assert len(again) == 3
    assert {r.headers["webhook-id"] for r in again} == {capture.headers["webhook-id"]}  # the event's own id
    assert all(json.loads(r.body) == json.loads(capture.body) for r in again)


async def test_one_event_is_replayed_only_to_an_endpoint_of_its_type_whose_filters_it_meets(
    server: Server, api: Api31
) -> None:
    merchant = api.publisher.merchant
    viewer = await sign_up(server, merchant)

    def event(event_type: str, **resource: Any) -> DomainEvent:
        return DomainEvent(merchant.id, event_type, viewer.id, {"customer_id": viewer.id, **resource})

    async with receiving() as receiver:
        [seven] = await put(
            api, "subscriptionReadyForPaymentCapture", {"url": receiver.url("/seven"), "filters": by_method(7)}
        )
        [renewed] = await put(api, "subscriptionRenewed", {"url": receiver.url("/renewed")})
    await record(
        server,
        event("subscription.payment.capture.due", subscription_id=1, payment_method_id=8),
        event("subscription.payment.authorisation.due", subscription_id=1, payment_method_id=7),
        event("subscription.payment.capture.due", subscription_id=1, payment_method_id=7),
        event("subscribe.updated", payment_id=1, kind="plan_switch"),
        event("subscribe.updated", payment_id=2, kind="renewal"),
    )
    rows = await fetch_rows(server, Event, merchant.id)
    row_of = {e.event_id: e.id for e in rows}
    registered, capture_8, authorisation_7, capture_7, switched, renewal = [e.event_id for e in rows]

    async def replay(hook: dict[str, Any], event_id: str) -> httpx.Response:
        path = f"/webhooks/{hook['id']}/replay"
        return await server.http.post(path, headers=merchant.auth, data={"event_id": event_id})

    # Another connector's payment method, an event the topic isn't made of: refused, nothing written.
    for not_taken in (capture_8, registered):
        assert_error(await replay(seven, not_taken), 422, "event_id")
    for not_taken in (switched, registered):  # a switch is not a renewal, though both are subscribe.updated
        assert_error(await replay(renewed, not_taken), 422, "event_id")
    # A type sent only to endpoints that name it is not to be found by another.
    assert_error(await replay(seven, authorisation_7), 404)
    assert_error(await replay(renewed, capture_7), 404)
    assert await count_rows(server, WebhookDelivery, merchant.id) == 0

    assert (await replay(seven, capture_7)).json()["replayed"] == 1
    assert (await replay(renewed, renewal)).json()["replayed"] == 1
    replayed = await fetch_rows(server, WebhookDelivery, merchant.id)
    assert [(d.endpoint_id, d.event_id) for d in replayed] == [
        (seven["id"], row_of[capture_7]),
        (renewed["id"], row_of[renewal]),
    ]


async def test_the_dashboard_shows_a_cleeng_delivery_as_it_was_posted(server: Server, api: Api31) -> None:
    merchant = api.publisher.merchant
    async with receiving() as receiver, sending(server) as sender:
        [hook] = await put(api, "customerRegistered", {"url": receiver.url("/registered")})
        viewer = await sign_up(server, merchant)
        await sender.run_until_idle()
    [received] = receiver.at("/registered")
    log = (await server.http.get(f"/webhooks/{hook['id']}/deliveries", headers=merchant.auth)).json()
    [delivery] = log["collection"]
    boss = await owner(server, merchant)
    shown = (await boss.get(f"/dashboard/developers/webhooks/{hook['id']}/deliveries/{delivery['id']}")).text
    sent = html.unescape(shown.split("data-request>")[1].split("</pre>")[0])
    assert json.loads(sent) == json.loads(received.body)
    assert json.loads(sent)["data"]["customerEmail"] == viewer.email


async def test_a_connectors_refund_and_deactivated_payment_details_are_posted_from_their_events(
    server: Server, api: Api31
) -> None:
    merchant = api.publisher.merchant
    viewer = await sign_up(server, merchant)
    _, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
    assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
    [paid] = await fetch_rows(server, Payment, merchant.id)
    [price] = await fetch_rows(server, Price, merchant.id)

    def refund(amount: int, method: int) -> DomainEvent:
        resource = {"payment_id": paid.id, "refund_amount": amount, "payment_method_id": method}
        return DomainEvent(merchant.id, "payment.refund.requested", viewer.id, resource)

    async with receiving() as receiver, sending(server) as sender:
        await put(api, "refundPayment", {"url": receiver.url("/refund"), "filters": by_method(7)})
        await put(api, "paymentDetailsDeactivated", {"url": receiver.url("/details")})
        deactivated = {"payment_details_id": 55, "payment_method_id": 7, "gateway": "external"}
        await record(
            server,
            refund(199, 7),
            refund(100, 8),  # another connector's
            DomainEvent(merchant.id, "payment.details.deactivated", viewer.id, deactivated),
        )
        await sender.run_until_idle()
    buyer = {"customerId": viewer.id, "customerEmail": viewer.email, "customerExternalId": None}
    [refunded] = receiver.at("/refund")
    assert check_delivery(refunded, api, "refundPayment") == {
        "paymentId": paid.id,
        "transactionId": f"T{paid.id:09d}",
        "offerId": offer_id(price),
        **buyer,
        "refundAmount": 1.99,
        "currency": "EUR",
        "externalPaymentId": paid.gateway_charge_id,
        "paymentMethodId": 7,
        "paymentGateway": paid.gateway,
    }
    [details] = receiver.at("/details")
    assert check_delivery(details, api, "paymentDetailsDeactivated") == buyer | {
        "paymentDetailsId": 55,
        "paymentMethodId": 7,
        "paymentGateway": "external",
    }


async def test_an_upgrade_at_once_is_posted_as_a_switch(
    server: Server, api: Api31, plans: Plans, subscribed: mediastore.Customer
) -> None:
    merchant = api.publisher.merchant
    async with receiving() as receiver, sending(server) as sender:
        await put(api, "subscriptionSwitched", {"url": receiver.url("/switched")})
        await put(api, "subscriptionRenewed", {"url": receiver.url("/renewed")})  # a switch is no renewal
        mediastore.data(await switch(server, subscribed, plans.monthly_id, plans.premium_id))
        await sender.run_until_idle()
    assert receiver.at("/renewed") == []
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    [switched] = receiver.at("/switched")
    assert check_delivery(switched, api, "subscriptionSwitched") == {
        "subscriptionId": str(subscription.id),
        "offerId": plans.premium_id,
        "customerId": subscribed.id,
        "customerEmail": subscribed.email,
        "customerExternalId": None,
        "status": "active",
        "expiresAt": clock.unix(subscription.current_period_end),
        "nextPaymentPrice": 14.99,
        "nextPaymentCurrency": "EUR",
        "nextPaymentAt": clock.unix(subscription.current_period_end),
        "paymentGateway": subscription.gateway,
    }


async def test_a_cancelled_switch_is_posted_with_its_offers(
    server: Server, api: Api31, plans: Plans, subscribed: mediastore.Customer
) -> None:
    merchant = api.publisher.merchant
    async with receiving() as receiver, sending(server) as sender:
        await put(api, "subscriptionSwitchCancelled", {"url": receiver.url("/cancelled")})
        await put(api, "subscriptionSwitched", {"url": receiver.url("/switched")})  # nothing switched
        made = mediastore.data(await switch(server, subscribed, plans.monthly_id, plans.yearly_id))
        mediastore.data(await cancel_switch(server, subscribed, made["id"]))
        await sender.run_until_idle()
    assert receiver.at("/switched") == []
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    [cancelled] = receiver.at("/cancelled")
    assert check_delivery(cancelled, api, "subscriptionSwitchCancelled") == {
        "subscriptionId": str(subscription.id),
        "offerId": plans.monthly_id,
        "customerId": subscribed.id,
        "customerEmail": subscribed.email,
        "customerExternalId": None,
        "status": "active",
        "expiresAt": clock.unix(subscription.current_period_end),
        "nextPaymentPrice": 9.99,
        "nextPaymentCurrency": "EUR",
        "nextPaymentAt": clock.unix(subscription.current_period_end),
        "paymentGateway": subscription.gateway,
        "switchId": made["id"],
        "fromOfferId": plans.monthly_id,
        "toOfferId": plans.yearly_id,
        "switchDirection": "downgrade",
        "switchStatus": "cancelled",
    }


async def test_a_test_event_sent_to_a_cleeng_endpoint_is_posted_in_its_format(server: Server, api: Api31) -> None:
    async with receiving() as receiver, sending(server) as sender:
        [hook] = await put(api, "transactionCreated", {"url": receiver.url("/tested")})
        async with server.app.state.sessions() as session, session.begin():
            await deliveries.send_test_event(session, api.publisher.merchant.id, hook["id"])
        await sender.run_until_idle()
    [tested] = receiver.at("/tested")
    data = check_delivery(tested, api, "webhookTest")
    assert data["webhook_id"] == hook["id"] and data["message"]
