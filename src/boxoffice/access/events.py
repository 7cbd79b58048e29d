"""The domain events access writes to the outbox, in the transaction of the change they tell of: grants and
revocations that no payment tells of (billing writes its own, with the payment)."""

from __future__ import annotations

from typing import Any

from boxoffice.access.models import Entitlement
from boxoffice.events.outbox import DomainEvent


def _entitlement(entitlement: Entitlement) -> dict[str, Any]:
    return {
        "entitlement_id": entitlement.id,
        "product_id": entitlement.product_id,
        "customer_id": entitlement.customer_id,
        "price_id": entitlement.price_id,
        "source": entitlement.source,
        "starts_at": entitlement.starts_at.isoformat(),
        "expires_at": entitlement.expires_at.isoformat(),
    }


def granted(entitlement: Entitlement) -> DomainEvent:
    return DomainEvent(
        entitlement.merchant_id, "asset.access.granted", entitlement.customer_id, _entitlement(entitlement)
    )


def revoked(entitlement: Entitlement) -> DomainEvent:
    resource = _entitlement(entitlement) | {"reason": entitlement.revoked_reason}
    return DomainEvent(entitlement.merchant_id, "asset.access.revoked", entitlement.customer_id, resource)
