"""Cleeng's webhook topics (cleeng-api.md §4.2) and the core events each is made of: the one table both Cleeng
dialects (API 3.1's `webhook_subscriptions`, JSON-RPC's deprecated aliases) and the wire format read.

A Cleeng endpoint belongs to one topic. It is kept as a webhook endpoint posted in Cleeng's wire format (`WIRE`),
naming exactly the core event types of its topic, with the topic's own conditions (`boxoffice.webhooks.filters`)
beside the publisher's `paymentMethodId` filter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from boxoffice.events.models import Event
from boxoffice.webhooks.filters import PAYMENT_KIND, PAYMENT_METHOD_ID, passes

# The key the app registers Cleeng's wire format under, and its endpoints name.
WIRE = "cleeng"
# What a test delivery (sent by hand from the dashboard or the merchant API) is posted as.
TEST_TOPIC = "webhookTest"


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    types: tuple[str, ...]  # the core event types it is made of
    conditions: Mapping[str, Any] = field(default_factory=dict)  # facts each event must also tell


_PAID = ("payment.card.success", "external.payment.success", "subscribe.success", "external.subscribe.success")

TOPICS: tuple[Topic, ...] = (
    Topic("transactionCreated", _PAID),
    Topic("customerRegistered", ("customer.registered",)),
    Topic("customerRequestedPasswordReset", ("customer.password.reset.requested",)),
    Topic("customerConsentUpdated", ("customer.consent.updated",)),
    Topic("subscriptionReadyForPaymentAuthorisation", ("subscription.payment.authorisation.due",)),
    Topic("subscriptionReadyForPaymentCapture", ("subscription.payment.capture.due",)),
    Topic("subscriptionReadyForTermination", ("subscription.termination.due",)),
    Topic("subscriptionSwitchCancelled", ("subscription.switch.cancelled",)),
    Topic("refundPayment", ("payment.refund.requested",)),
    Topic("paymentDetailsDeactivated", ("payment.details.deactivated",)),
    Topic("subscriptionRenewed", ("subscribe.updated",), {PAYMENT_KIND: "renewal"}),
    Topic("subscriptionSwitched", ("subscribe.updated",), {PAYMENT_KIND: "plan_switch"}),
    Topic("subscriptionCanceled", ("subscribe.cancelled.success", "external.subscribe.cancel.success")),
    Topic("subscriptionTerminated", ("subscribe.expired",)),
)
BY_NAME: dict[str, Topic] = {topic.name: topic for topic in TOPICS}


def topic_of(event: Event) -> Topic | None:
    """The topic an event is delivered as (each event is of one topic at most)."""
    return next((t for t in TOPICS if event.type in t.types and passes(t.conditions, event.resource)), None)


def endpoint_filters(topic: Topic, payment_method_id: int | None) -> dict[str, Any]:
    """What an endpoint of the topic keeps as its filters: the topic's conditions, and the publisher's filter."""
    mine = {PAYMENT_METHOD_ID: payment_method_id} if payment_method_id is not None else {}
    return dict(topic.conditions) | mine


def payment_method_filter(filters: Mapping[str, Any]) -> int | None:
    """The publisher's `paymentMethodId` filter among an endpoint's filters, if it set one."""
    value = filters.get(PAYMENT_METHOD_ID)
    return value if isinstance(value, int) else None
