"""The domain events billing writes to the outbox, in the transaction of the change they tell of."""

from __future__ import annotations

from typing import Any

from boxoffice.billing.models import Payment, PlanSwitch, Refund, Subscription
from boxoffice.billing.rows import PaymentFields, SubscriptionFields
from boxoffice.events.outbox import DomainEvent
from boxoffice.gateways import methods


def _payment(payment: PaymentFields) -> dict[str, Any]:
    return {
        "payment_id": payment.id,
        "kind": payment.kind,
        "product_id": payment.product_id,
        "price_id": payment.price_id,
        "subscription_id": payment.subscription_id,
        "amount": payment.amount,
        "discount": payment.discount,
        "currency": payment.currency,
        "gateway": payment.gateway,
        "method": payment.method,
        "status": payment.status,
        "decline_code": payment.decline_code,
        "entitlement_id": payment.entitlement_id,
    }


def _subscription(subscription: SubscriptionFields) -> dict[str, Any]:
    return {
        "subscription_id": subscription.id,
        "product_id": subscription.product_id,
        "price_id": subscription.price_id,
        "status": subscription.status,
        "amount": subscription.amount,
        "currency": subscription.currency,
        "current_period_end": subscription.current_period_end.isoformat(),
        "due_at": subscription.due_at.isoformat() if subscription.due_at else None,
    }


def _event(payment: PaymentFields, type_: str) -> DomainEvent:
    return DomainEvent(payment.merchant_id, type_, payment.customer_id, _payment(payment))


def paid(payment: PaymentFields) -> list[DomainEvent]:
    external = payment.method == methods.PAYPAL
    if payment.kind == "subscription":
        found = [_event(payment, "external.subscribe.success" if external else "subscribe.success")]
    elif payment.kind == "plan_switch" or payment.kind == "renewal":
        found = [_event(payment, "payment.card.success"), _event(payment, "subscribe.updated")]
    else:
        found = [_event(payment, "external.payment.success" if external else "payment.card.success")]
    # A renewal runs on the access there was; a plan switch opens access anew, perhaps to another item.
    if payment.entitlement_id is not None and payment.kind in ("purchase", "subscription", "plan_switch"):
        found.append(
            DomainEvent(
                payment.merchant_id,
                "asset.access.granted",
                payment.customer_id,
                {"entitlement_id": payment.entitlement_id, "product_id": payment.product_id},
            )
        )
    return found


def declined(payment: PaymentFields) -> list[DomainEvent]:
    if payment.kind == "subscription":
        return [_event(payment, "subscribe.failed")]
    return [_event(payment, "external.payment.failed" if payment.method == methods.PAYPAL else "payment.card.failed")]


def requires_action(payment: Payment) -> list[DomainEvent]:
    """The payer must approve the charge (3-D Secure, a bank, a wallet) at `redirect_url`. Nothing is told of a
    PayPal payment's approval: its page is where every such payment goes, and no event type names it."""
    if payment.method == methods.PAYPAL:
        return []
    type_ = "subscribe.requires.action" if payment.kind == "subscription" else "payment.card.requires.action"
    resource = _payment(payment) | {"redirect_url": payment.redirect_url}
    return [DomainEvent(payment.merchant_id, type_, payment.customer_id, resource)]


def subscription_changed(subscription: SubscriptionFields, type_: str) -> DomainEvent:
    """subscribe.cancelled.success, subscribe.expired …"""
    return DomainEvent(subscription.merchant_id, type_, subscription.customer_id, _subscription(subscription))


def switch_changed(subscription: Subscription, switch: PlanSwitch) -> DomainEvent:
    """A switch waiting for the next renewal was asked for or cancelled: what the subscription will next charge
    changed, so it is told as `subscribe.updated`, with the switch beside."""
    resource = _subscription(subscription) | {
        "switch": {
            "switch_id": switch.id,
            "status": switch.status,
            "direction": switch.direction,
            "from_price_id": switch.from_price_id,
            "to_price_id": switch.to_price_id,
        }
    }
    return DomainEvent(subscription.merchant_id, "subscribe.updated", subscription.customer_id, resource)


def switch_cancelled(subscription: Subscription, switch: PlanSwitch) -> DomainEvent:
    """A pending switch was cancelled: the subscription renews at the price it has (Cleeng's
    `subscriptionSwitchCancelled`)."""
    resource = _subscription(subscription) | {
        "switch": {
            "switch_id": switch.id,
            "status": switch.status,
            "direction": switch.direction,
            "algorithm": switch.algorithm,
            "from_price_id": switch.from_price_id,
            "to_price_id": switch.to_price_id,
        }
    }
    return DomainEvent(subscription.merchant_id, "subscription.switch.cancelled", subscription.customer_id, resource)


def access_granted(subscription: SubscriptionFields) -> DomainEvent:
    """Access opened by a subscription itself, where no payment tells of it (one the merchant bills)."""
    return DomainEvent(
        subscription.merchant_id,
        "asset.access.granted",
        subscription.customer_id,
        {"entitlement_id": subscription.entitlement_id, "product_id": subscription.product_id},
    )


def access_revoked(subscription: SubscriptionFields) -> DomainEvent:
    return DomainEvent(
        subscription.merchant_id,
        "asset.access.revoked",
        subscription.customer_id,
        {"entitlement_id": subscription.entitlement_id, "product_id": subscription.product_id},
    )


def entitlement_revoked(payment: Payment) -> DomainEvent:
    return DomainEvent(
        payment.merchant_id,
        "asset.access.revoked",
        payment.customer_id,
        {"entitlement_id": payment.entitlement_id, "product_id": payment.product_id},
    )


def refunded(refund: Refund, payment: Payment) -> DomainEvent:
    resource = _payment(payment) | {"refund_id": refund.id, "refund_amount": refund.amount}
    type_ = "external.payment.refund.success" if payment.method == methods.PAYPAL else "payment.refund.success"
    return DomainEvent(payment.merchant_id, type_, payment.customer_id, resource)
