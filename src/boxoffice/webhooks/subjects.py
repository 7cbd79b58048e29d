"""What a batch of events is about — customers, products, prices, payments, subscriptions, entitlements — loaded
together, so that rendering the batch (webhooks, notifications, e-mails) costs a query per table, not per event.
Each lookup checks the row belongs to the event's own merchant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import Entitlement
from boxoffice.billing.models import Payment, Subscription
from boxoffice.catalog.models import Price, Product
from boxoffice.events.models import Event
from boxoffice.identity.models import Customer, Merchant
from boxoffice.webhooks import subjects_repository as repo

Row = TypeVar("Row")


@dataclass(slots=True)
class Subjects:
    merchants: dict[int, Merchant] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    prices: dict[int, Price] = field(default_factory=dict)
    payments: dict[int, Payment] = field(default_factory=dict)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    entitlements: dict[int, Entitlement] = field(default_factory=dict)

    def of(self, rows: dict[int, Row], event: Event, key: str) -> Row | None:
        """The row `event.resource[key]` names, if it is the event's merchant's."""
        found = rows.get(_id(event.resource.get(key)))
        return found if found is not None and getattr(found, "merchant_id", None) == event.merchant_id else None

    def customer(self, event: Event) -> Customer | None:
        found = self.customers.get(event.customer_id or 0)
        return found if found is not None and found.merchant_id == event.merchant_id else None


def _id(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _ids(events: Sequence[Event], *keys: str) -> set[int]:
    return {_id(e.resource.get(k)) for e in events for k in keys} - {0}


def _switch_price_ids(events: Sequence[Event]) -> set[int]:
    """The prices a plan switch an event tells of goes from and to."""
    switches = [e.resource["switch"] for e in events if isinstance(e.resource.get("switch"), dict)]
    return {_id(s.get(k)) for s in switches for k in ("from_price_id", "to_price_id")} - {0}


async def load_subjects(session: AsyncSession, events: Sequence[Event]) -> Subjects:
    merchant_ids = {e.merchant_id for e in events}
    payments = await repo.rows_by_id(session, Payment, _ids(events, "payment_id"), merchant_ids)
    subscriptions = await repo.rows_by_id(
        session,
        Subscription,
        _ids(events, "subscription_id") | {p.subscription_id for p in payments.values() if p.subscription_id},
        merchant_ids,
    )
    entitlements = await repo.rows_by_id(session, Entitlement, _ids(events, "entitlement_id"), merchant_ids)
    product_ids = _ids(events, "product_id") | {e.product_id for e in entitlements.values()}
    price_ids = _ids(events, "price_id") | {p.price_id for p in payments.values() if p.price_id}
    price_ids |= {s.price_id for s in subscriptions.values()} | _switch_price_ids(events)
    customer_ids = {e.customer_id for e in events if e.customer_id}
    return Subjects(
        merchants=await repo.merchants_by_id(session, merchant_ids),
        customers=await repo.rows_by_id(session, Customer, customer_ids, merchant_ids),
        products=await repo.rows_by_id(session, Product, product_ids, merchant_ids),
        prices=await repo.rows_by_id(session, Price, price_ids, merchant_ids),
        payments=payments,
        subscriptions=subscriptions,
        entitlements=entitlements,
    )
