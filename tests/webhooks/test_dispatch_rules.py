"""Which endpoints an event is dispatched to: an endpoint naming no types takes every webhook type and never a
named-only one; an endpoint naming types (a topic's, in another wire format) takes exactly those; its filters let
through only the events that tell what they ask (an event telling nothing of it is filtered out)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.events import outbox
from boxoffice.events.outbox import DomainEvent
from boxoffice.kit.errors import InvalidInput
from boxoffice.webhooks import deliveries, endpoints
from boxoffice.webhooks.dispatch import dispatch_events
from boxoffice.webhooks.endpoints import EndpointChange, TopicEndpoint
from boxoffice.webhooks.filters import facts, passes, takes_type
from boxoffice.webhooks.models import DEFAULT_WIRE, WebhookEndpoint
from tests import shop

WIRE = "other-format"


def test_an_endpoint_naming_no_types_takes_every_webhook_type_and_no_named_only_one() -> None:
    assert takes_type([], "customer.registered")
    assert takes_type([], "payment.card.success")
    assert not takes_type([], "customer.password.reset.requested")
    assert not takes_type([], "subscription.payment.capture.due")
    assert not takes_type([], "account.logout")  # a viewer's app's alone
    assert takes_type(["subscription.payment.capture.due"], "subscription.payment.capture.due")
    assert not takes_type(["subscription.payment.capture.due"], "customer.registered")


def test_filters_ask_what_the_resource_tells() -> None:
    due = {"subscription_id": 4, "payment_method_id": 7}
    assert facts(due) == {"payment_method_id": 7}
    assert passes({"payment_method_id": 7}, due)
    assert not passes({"payment_method_id": 8}, due)
    assert not passes({"payment_method_id": 7}, {"payment_id": 3, "kind": "renewal"})  # tells no method
    assert not passes({"payment_method_id": 7}, {"payment_method_id": True})  # a flag is no id
    renewal = {"payment_id": 3, "kind": "renewal"}
    assert passes({"payment_kind": "renewal"}, renewal) and not passes({"payment_kind": "plan_switch"}, renewal)
    assert passes({"switch_status": "cancelled"}, {"switch": {"status": "cancelled"}})
    assert passes({}, {})


async def _delivered_types(session: AsyncSession, merchant_id: int, endpoint: WebhookEndpoint) -> list[Any]:
    _, found = await deliveries.list_deliveries(session, merchant_id, endpoint.id, None, 0, 100)
    return sorted((event.type, event.resource.get("payment_method_id")) for _, event in found)


async def test_each_endpoint_gets_its_types_and_what_its_filters_let_through(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        every = await endpoints.create_endpoint(
            session, merchant.id, EndpointChange(url="https://every.example.com"), allow_private=False
        )
        [capture] = await endpoints.replace_topic_endpoints(
            session,
            merchant.id,
            wire=WIRE,
            topic="capture",
            events=["subscription.payment.capture.due"],
            wanted=[TopicEndpoint("https://connector.example.com", filters={"payment_method_id": 7})],
            allow_private=False,
        )
        [resets] = await endpoints.replace_topic_endpoints(
            session,
            merchant.id,
            wire=WIRE,
            topic="resets",
            events=["customer.password.reset.requested"],
            wanted=[TopicEndpoint("https://crm.example.com")],
            allow_private=False,
        )
        [renewed] = await endpoints.replace_topic_endpoints(
            session,
            merchant.id,
            wire=WIRE,
            topic="renewed",
            events=["subscribe.updated"],
            wanted=[TopicEndpoint("https://crm.example.com", filters={"payment_kind": "renewal"})],
            allow_private=False,
        )
        assert (every.wire, capture.wire, capture.topic) == (DEFAULT_WIRE, WIRE, "capture")
        await outbox.record(
            session,
            DomainEvent(merchant.id, "customer.registered", None, {"customer_id": 1}),
            DomainEvent(merchant.id, "customer.password.reset.requested", None, {"customer_id": 1}),
            DomainEvent(merchant.id, "subscription.payment.capture.due", None, {"payment_method_id": 7}),
            DomainEvent(merchant.id, "subscription.payment.capture.due", None, {"payment_method_id": 8}),
            DomainEvent(merchant.id, "subscription.payment.capture.due", None, {"subscription_id": 2}),
            DomainEvent(merchant.id, "subscribe.updated", None, {"payment_id": 5, "kind": "renewal"}),
            DomainEvent(merchant.id, "subscribe.updated", None, {"subscription_id": 5, "switch": {}}),
        )
    assert await dispatch_events(sessions) == 7
    async with sessions() as session:
        assert await _delivered_types(session, merchant.id, every) == [
            ("customer.registered", None),
            ("subscribe.updated", None),
            ("subscribe.updated", None),
        ]
        assert await _delivered_types(session, merchant.id, capture) == [("subscription.payment.capture.due", 7)]
        assert await _delivered_types(session, merchant.id, resets) == [("customer.password.reset.requested", None)]
        # Of the two subscribe.updated events, the renewal (told by its payment's kind), not the switch.
        _, to_renewed = await deliveries.list_deliveries(session, merchant.id, renewed.id, None, 0, 100)
        assert [(event.type, event.resource) for _, event in to_renewed] == [
            ("subscribe.updated", {"payment_id": 5, "kind": "renewal"})
        ]


async def test_a_topics_endpoints_are_replaced_whole_and_bad_ones_write_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def put(merchant_id: int, *urls: str, events: tuple[str, ...] = ("customer.registered",)) -> list[str]:
        async with sessions() as session, session.begin():
            wanted = [TopicEndpoint(url) for url in urls]
            kept = await endpoints.replace_topic_endpoints(
                session, merchant_id, wire=WIRE, topic="t", events=events, wanted=wanted, allow_private=False
            )
            return [e.url for e in kept]

    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        kept_apart = await endpoints.create_endpoint(
            session, merchant.id, EndpointChange(url="https://apart.example.com"), allow_private=False
        )
    assert await put(merchant.id, "https://a.example.com", "https://b.example.com") == [
        "https://a.example.com",
        "https://b.example.com",
    ]
    async with sessions() as session:
        [_, b] = await endpoints.list_wire_endpoints(session, merchant.id, WIRE)
    assert await put(merchant.id, "https://b.example.com", "https://c.example.com") == [
        "https://b.example.com",
        "https://c.example.com",
    ]
    for bad in (
        put(merchant.id, "https://d.example.com", "http://10.0.0.1/hook"),
        put(merchant.id, "https://d.example.com", "ftp://d.example.com"),
        put(merchant.id, "https://d.example.com", events=("no.such.type",)),
        put(merchant.id, "https://d.example.com", events=()),
    ):
        with pytest.raises(InvalidInput):
            await bad
    async with sessions() as session, session.begin():
        with pytest.raises(InvalidInput):
            await endpoints.replace_topic_endpoints(
                session,
                merchant.id,
                wire=WIRE,
                topic="t",
                events=["customer.registered"],
                wanted=[TopicEndpoint("https://e.example.com", filters={"colour": "red"})],
                allow_private=False,
            )
    async with sessions() as session:
        now = await endpoints.list_wire_endpoints(session, merchant.id, WIRE)
        assert [(e.url, e.topic) for e in now] == [("https://b.example.com", "t"), ("https://c.example.com", "t")]
        assert now[0].id == b.id  # sent again: the same endpoint, with its delivery log
        assert [e.id for e in await endpoints.list_endpoints(session, merchant.id)] == [kept_apart.id, b.id, now[1].id]
    assert await put(merchant.id) == []
    async with sessions() as session:
        assert [e.id for e in await endpoints.list_endpoints(session, merchant.id)] == [kept_apart.id]
