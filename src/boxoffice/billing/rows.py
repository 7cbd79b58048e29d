"""Plain copies of subscriptions and payments, for the renewal engine's batches, and the fields billing's rules
read and change of them.

The renewal engine handles hundreds of subscriptions at once; as ORM objects, loading them, tracking their
changes and reading their attributes would cost more than the rules it applies. It loads the columns it needs
with one Core select into these dataclasses and writes back what changed (see kit.db.WorkingCopies). The rules it
shares with the rest of billing (a period's charge and dates, a switch's price, the events, the ledger's lines)
are written against the protocols below, which the mapped classes satisfy too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from boxoffice.billing.models import PaymentStatus, SubscriptionStatus


class SubscriptionFields(Protocol):
    """What billing's shared rules read and change of a subscription (see models.Subscription)."""

    @property
    def merchant_id(self) -> int: ...  # read only, as the mapped classes declare it

    id: int
    customer_id: int
    product_id: int
    price_id: int
    status: SubscriptionStatus
    amount: int
    currency: str
    period_unit: str
    period_quantity: int
    voucher_id: int | None
    discounted_charges_left: int | None
    credit: int
    cycle: int
    current_period_start: datetime
    current_period_end: datetime
    billing_anchor: datetime | None
    due_at: datetime | None
    ended_at: datetime | None
    entitlement_id: int | None
    updated_at: datetime
    pause_starts_at: datetime | None
    resumes_at: datetime | None


class PaymentFields(Protocol):
    """What the events and the ledger's lines read of a payment (see models.Payment)."""

    @property
    def merchant_id(self) -> int: ...

    id: int
    customer_id: int
    kind: str
    product_id: int
    price_id: int | None
    subscription_id: int | None
    amount: int
    discount: int
    credit_used: int
    currency: str
    gateway: str
    method: str
    status: PaymentStatus
    decline_code: str | None
    entitlement_id: int | None


@dataclass(slots=True)
class SubscriptionRow:
    """The columns of a subscription the renewal engine reads or changes (fields named as the columns)."""

    merchant_id: int
    id: int
    customer_id: int
    product_id: int
    price_id: int
    status: SubscriptionStatus
    amount: int
    currency: str
    period_unit: str
    period_quantity: int
    voucher_id: int | None
    discounted_charges_left: int | None
    credit: int
    cycle: int
    period_paid: int
    current_period_start: datetime
    current_period_end: datetime
    billing_anchor: datetime | None
    due_at: datetime | None
    dunning_attempts: int
    ended_at: datetime | None
    entitlement_id: int | None
    gateway: str
    method: str
    gateway_customer_ref: str
    gateway_method: str
    updated_at: datetime
    pause_starts_at: datetime | None
    resumes_at: datetime | None


@dataclass(slots=True)
class PaymentRow:
    """A renewal's payment as the engine writes it: every column it sets (fields named as the columns), `id` once
    the row is written."""

    merchant_id: int
    id: int
    customer_id: int
    product_id: int
    price_id: int | None
    kind: str
    subscription_id: int | None
    idempotency_key: str
    amount: int
    currency: str
    discount: int
    credit_used: int
    voucher_id: int | None
    gateway: str
    method: str
    gateway_customer_ref: str
    gateway_method: str
    gateway_charge_id: str | None
    status: PaymentStatus
    decline_code: str | None
    entitlement_id: int | None
    ledger_transaction_id: int | None
    refunded: int
    created_at: datetime
    updated_at: datetime
