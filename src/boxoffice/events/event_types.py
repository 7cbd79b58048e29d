"""The event types the core writes, named as InPlayer names them (inplayer-api.md §6)."""

from __future__ import annotations

# What a merchant's webhook endpoint can subscribe to.
WEBHOOK_TYPES: tuple[str, ...] = (
    "customer.registered",
    "customer.updated",
    "customer.password.updated",
    "customer.erased",
    "asset.access.granted",
    "asset.access.revoked",
    "payment.card.success",
    "payment.card.failed",
    "payment.refund.success",
    "payment.refund.failed",
    "subscribe.success",
    "subscribe.failed",
    "subscribe.cancelled.success",
    "subscribe.cancelled.failed",
    "subscribe.updated",
    "subscribe.expired",
    "external.payment.success",
    "external.payment.failed",
    "external.payment.refund.success",
    "external.payment.refund.failed",
    "external.subscribe.success",
    "external.subscribe.failed",
    "external.subscribe.cancel.success",
    "external.subscribe.cancel.failed",
    "external.subscribe.update.success",
    "external.subscribe.update.failed",
)

# Written for a viewer's app only (its notification stream), never posted to webhooks.
CLIENT_ONLY_TYPES: tuple[str, ...] = (
    "payment.card.requires.action",
    "subscribe.requires.action",
    "account.logout",
    "account.erased",
    "account.deactivated",
)

# A test a merchant sends one endpoint by hand: posted to that endpoint alone, never dispatched to any other.
TEST_TYPE = "webhook.test"

# Events only some receivers take (Cleeng's webhook topics, a payment connector's requests): never posted to an
# endpoint that did not name them, so an InPlayer endpoint taking "every type" never sees one.
NAMED_ONLY_TYPES: tuple[str, ...] = (
    "customer.password.reset.requested",
    "customer.consent.updated",
    "subscription.payment.authorisation.due",  # an external connector is asked to authorise a renewal
    "subscription.payment.capture.due",  # … and to capture it
    "subscription.termination.due",  # … and told the subscription ends (its dunning ran out)
    "subscription.switch.cancelled",
    "subscription.switched",
    "payment.details.deactivated",
    "payment.refund.requested",  # an external connector is asked to refund a payment it took
)
