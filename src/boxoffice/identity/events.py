"""The domain events identity writes to the outbox, in the transaction of the change they tell of."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boxoffice.events.outbox import DomainEvent
from boxoffice.identity.models import Customer


def _customer(customer: Customer) -> dict[str, Any]:
    """The account as it is at the change; the uuid names the viewer's notification stream."""
    return {
        "customer_id": customer.id,
        "uuid": customer.uuid,
        "email": customer.email,
        "full_name": customer.full_name,
        "register_source": customer.register_source,
        "metadata": dict(customer.attributes),
        "date_of_birth": customer.date_of_birth.isoformat() if customer.date_of_birth else None,
    }


def _event(customer: Customer, type_: str, resource: dict[str, Any]) -> DomainEvent:
    return DomainEvent(customer.merchant_id, type_, customer.id, resource)


def registered(customer: Customer) -> DomainEvent:
    return _event(customer, "customer.registered", _customer(customer))


def updated(customer: Customer, changed: Sequence[str]) -> DomainEvent:
    return _event(customer, "customer.updated", _customer(customer) | {"changed": list(changed)})


def password_updated(customer: Customer, how: str) -> DomainEvent:
    """`how`: changed (knowing the old one) or reset (by an e-mailed token)."""
    resource = {"customer_id": customer.id, "email": customer.email, "how": how}
    return _event(customer, "customer.password.updated", resource)


def password_reset_requested(customer: Customer) -> DomainEvent:
    """A reset link was e-mailed (only ever for an account that exists: the request's answer never says)."""
    resource = {"customer_id": customer.id, "email": customer.email}
    return _event(customer, "customer.password.reset.requested", resource)


def consent_updated(customer: Customer, name: str, version: int, accepted: bool) -> DomainEvent:
    """The customer's answer to one consent term is new or changed."""
    resource = {"customer_id": customer.id, "email": customer.email, "name": name, "version": version}
    return _event(customer, "customer.consent.updated", resource | {"accepted": accepted})


def erased(customer: Customer) -> list[DomainEvent]:
    """For the merchant's webhooks and the viewer's apps. No e-mail or name: they are what erasure removes."""
    resource = {"customer_id": customer.id, "uuid": customer.uuid}
    return [_event(customer, "customer.erased", resource), _event(customer, "account.erased", resource)]


def logged_out(merchant_id: int, customer_id: int, reason: str, session_ids: Sequence[int]) -> DomainEvent:
    """Sessions ended by Boxoffice, not by the viewer: the ids let each app tell whether it was one of them."""
    resource = {"customer_id": customer_id, "reason": reason, "session_ids": list(session_ids)}
    return DomainEvent(merchant_id, "account.logout", customer_id, resource)
