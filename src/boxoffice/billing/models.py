"""Billing tables: the append-only double-entry ledger, payments and the gateway profiles of customers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.gateways.stores import Store
from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status, TenantOwned


class LedgerTransaction(TenantOwned, Base):
    """One movement of money, as a set of entries that sum to zero in each currency. Never changed: a mistake is
    undone by a reversal, which names what it reverses."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # charge | refund | reversal | …
    reference: Mapped[str] = mapped_column(String(100), index=True)  # what it records, e.g. "payment:42"
    reverses_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transactions.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class LedgerEntry(TenantOwned, Base):
    """One side of a transaction: a signed amount (debit positive, credit negative) on one account."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(BigId, index=True)  # the customer whose money it is, if any
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)


class PaymentProfile(TenantOwned, Base):
    """A customer as the merchant's gateway knows them, with the card charged by default."""

    __tablename__ = "payment_profiles"
    __table_args__ = (UniqueConstraint("merchant_id", "customer_id", "gateway"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    gateway: Mapped[str] = mapped_column(String(16))
    customer_ref: Mapped[str] = mapped_column(String(64))
    method_token: Mapped[str | None] = mapped_column(String(64))
    card_brand: Mapped[str | None] = mapped_column(String(16))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_exp_month: Mapped[int | None]
    card_exp_year: Mapped[int | None]
    card_holder: Mapped[str | None] = mapped_column(String(250))
    card_currency: Mapped[str | None] = mapped_column(String(3))
    # A SEPA Direct Debit mandate the customer gave (`POST /v2/payments/direct-debit/mandate`).
    mandate_token: Mapped[str | None] = mapped_column(String(64))
    mandate_holder: Mapped[str | None] = mapped_column(String(250))
    mandate_country: Mapped[str | None] = mapped_column(String(2))
    mandate_bank_code: Mapped[str | None] = mapped_column(String(16))
    mandate_last4: Mapped[str | None] = mapped_column(String(4))
    mandate_reference: Mapped[str | None] = mapped_column(String(64))
    mandate_created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class PaymentStatus(StrEnum):
    PENDING = "pending"  # written before the gateway is asked
    SETTLING = "settling"  # claimed by the one request recording the gateway's answer (renewals lock theirs instead)
    REQUIRES_ACTION = "requires_action"  # awaiting the payer: a challenge, an approval on a wallet's page
    PROCESSING = "processing"  # accepted by the gateway, the outcome told later by an event (a direct debit)
    SUCCEEDED = "succeeded"
    DECLINED = "declined"


# A payment whose outcome is still to be recorded: settling claims one of these.
UNSETTLED = frozenset({PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING})
# A payment decided either way: what histories, exports and counts of payments show.
DECIDED = (PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED)


class Payment(TenantOwned, Base):
    """One attempt to take money for a price. Written (pending) before the gateway is asked, so that a request
    that dies half-way leaves a record to reconcile rather than a charge nobody knows of."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("merchant_id", "idempotency_key"),
        # The payment analytics and the transactions export read a merchant's payments in a period; on
        # PostgreSQL the figures they sum ride along, so the analytics never visit the table itself.
        Index(
            "ix_payments_merchant_time",
            "merchant_id",
            "created_at",
            postgresql_include=["status", "method", "currency", "amount"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))
    # None for a donation: it pays for no price.
    price_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    # purchase | gift (a purchase for someone else) | donation | subscription (its first charge) | renewal | plan_switch
    kind: Mapped[str] = mapped_column(String(16), default="purchase", server_default="purchase")
    # A gift: who its code goes to once it is paid (see billing.gifts).
    receiver_email: Mapped[str | None] = mapped_column(String(320))
    # A donation: the merchant's option it gave (None: an amount of the viewer's own), and what that option said,
    # kept because the merchant may delete the option.
    donation_option_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("donation_options.id", ondelete="SET NULL")
    )
    donation_description: Mapped[str | None] = mapped_column(String(500))
    subscription_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int]  # what is charged: the price less any discount
    currency: Mapped[str] = mapped_column(String(3))
    discount: Mapped[int] = mapped_column(default=0, server_default="0")
    # Paid from the customer's credit (see Subscription.credit), not charged.
    credit_used: Mapped[int] = mapped_column(default=0, server_default="0")
    # What the seller kept of `amount` (an app store's commission), booked apart from the sale.
    fee: Mapped[int] = mapped_column(default=0, server_default="0")
    voucher_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("vouchers.id", ondelete="SET NULL"))
    gateway: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16), default="card", server_default="card")  # see gateways.methods
    # What it is charged with, kept so that asking again asks for exactly the same charge.
    gateway_customer_ref: Mapped[str] = mapped_column(String(64))
    gateway_method: Mapped[str] = mapped_column(String(64))
    gateway_charge_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[PaymentStatus] = mapped_column(Status(PaymentStatus, 24), default=PaymentStatus.PENDING)
    decline_code: Mapped[str | None] = mapped_column(String(32))
    redirect_url: Mapped[str | None] = mapped_column(String(2048))
    return_url: Mapped[str | None] = mapped_column(String(2048))
    # A card this payment verifies (a free trial's first, see billing.charges), as the customer's default card
    # shows it: made their default card when the verification settles, wherever it settles.
    card_brand: Mapped[str | None] = mapped_column(String(16))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_exp_month: Mapped[int | None]
    card_exp_year: Mapped[int | None]
    card_holder: Mapped[str | None] = mapped_column(String(250))
    entitlement_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("entitlements.id", ondelete="SET NULL"))
    ledger_transaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    # Reserved by refunds as they start (see billing.refunds): never more than `amount`.
    refunded: Mapped[int] = mapped_column(default=0, server_default="0")
    ip_address: Mapped[str | None] = mapped_column(String(45))
    country_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


# A customer has one attempt at a time being charged to buy (or subscribe to) an item: a purchase or a
# subscription's first charge, pending. Identical purchases made at once (a double click, a request sent again
# without an Idempotency-Key), by however many processes, charge once (see billing.purchases).
_open_attempt = (Payment.status == PaymentStatus.PENDING) & Payment.kind.in_(("purchase", "subscription"))
Index(
    "uq_payments_open_attempt",
    Payment.merchant_id,
    Payment.customer_id,
    Payment.product_id,
    unique=True,
    postgresql_where=_open_attempt,
    sqlite_where=_open_attempt,
)


class RefundStatus(StrEnum):
    PENDING = "pending"  # reserved on the payment, not yet handed back by the gateway
    SUCCEEDED = "succeeded"


class Refund(TenantOwned, Base):
    """Money handed back for a payment, whole or in part."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("merchant_id", "idempotency_key"),
        Index("ix_refunds_merchant_time", "merchant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[RefundStatus] = mapped_column(Status(RefundStatus, 16), default=RefundStatus.PENDING)
    gateway_refund_id: Mapped[str | None] = mapped_column(String(64))
    ledger_transaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class SubscriptionStatus(StrEnum):
    INCOMPLETE = "incomplete"  # its first payment not settled yet
    INCOMPLETE_EXPIRED = "incomplete_expired"  # its first payment never went through
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal declined, retried while dunning
    CANCELED = "canceled"  # runs to the end of the period paid, then ends
    PAUSED = "paused"  # skips its billing cycles, and the access they give, until `resumes_at`
    ENDED = "ended"


# Charged again at the end of its period.
CHARGING = frozenset({SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})
# Started and not ended yet: the customer holds it, cancelled or paused or not.
RUNNING = CHARGING | {SubscriptionStatus.CANCELED, SubscriptionStatus.PAUSED}
# Never started: its first payment is (or was) still to go through.
NOT_STARTED = frozenset({SubscriptionStatus.INCOMPLETE, SubscriptionStatus.INCOMPLETE_EXPIRED})
# Over for good: nothing can be done with it any more.
FINISHED = frozenset({SubscriptionStatus.ENDED, SubscriptionStatus.INCOMPLETE_EXPIRED})
# The gateway of a subscription the merchant's own back end bills and renews (billing.merchant_billed): Boxoffice never
# charges it; it ends when its period does unless the merchant renews it first.
MERCHANT_BILLED = "merchant"
# The app stores: each bills its subscriptions itself, as the merchant does those it bills.
STORES = frozenset(store.value for store in Store)
BILLED_ELSEWHERE = frozenset({MERCHANT_BILLED}) | STORES


class Subscription(TenantOwned, Base):
    """A price charged every period until cancelled, with the entitlement it keeps open.

    `due_at` is when the renewal engine next has something to do with it: charge a period (or retry one during
    dunning), end a cancelled one at its period's end, expire an incomplete one. None: nothing, ever again.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_due", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))
    price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    status: Mapped[SubscriptionStatus] = mapped_column(
        Status(SubscriptionStatus, 24), default=SubscriptionStatus.INCOMPLETE
    )
    # What each period costs, fixed when it starts: a later change of the price doesn't reach running subscriptions.
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    period_unit: Mapped[str] = mapped_column(String(8))
    period_quantity: Mapped[int]
    voucher_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("vouchers.id", ondelete="SET NULL"))
    # Charges still discounted by the voucher: None every one, 0 none left.
    discounted_charges_left: Mapped[int | None]
    # Owed to the customer (the unused part of a plan switched from), taken off the next charges first.
    credit: Mapped[int] = mapped_column(default=0, server_default="0")
    cycle: Mapped[int] = mapped_column(default=0, server_default="0")  # periods paid for
    # What the current period was paid (after discounts and credit): what a plan switch prorates.
    period_paid: Mapped[int] = mapped_column(default=0, server_default="0")
    current_period_start: Mapped[datetime]
    current_period_end: Mapped[datetime]
    # The start of the first paid period (or of the plan switched to): periods end on its day of the month, so
    # one begun on 31 January renews on 28 February, then 31 March. None until the first paid period starts.
    billing_anchor: Mapped[datetime | None]
    trial_ends_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    dunning_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    canceled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    entitlement_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("entitlements.id", ondelete="SET NULL"))
    gateway: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16), default="card", server_default="card")  # see gateways.methods
    gateway_customer_ref: Mapped[str] = mapped_column(String(64))
    gateway_method: Mapped[str] = mapped_column(String(64))
    cancel_token: Mapped[str] = mapped_column(String(32), unique=True)
    # Where the customer subscribed from (their address's country), for the subscription analytics.
    country_code: Mapped[str | None] = mapped_column(String(2))
    # The merchant's own id and data for it (one it bills itself, above all).
    external_id: Mapped[str | None] = mapped_column(String(200))
    external_properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A pause: from the end of the period it was asked in (`pause_starts_at`) until `resumes_at`, no charge and
    # no access; then it renews again. Both None when no pause is asked for or running.
    pause_starts_at: Mapped[datetime | None]
    resumes_at: Mapped[datetime | None]
    clock_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("sandbox_clocks.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class SandboxClock(TenantOwned, Base):
    """A test clock: the time the billing of the customers attached to it runs at, moved only by the merchant."""

    __tablename__ = "sandbox_clocks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(250), default="")
    frozen_time: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class SandboxClockMember(TenantOwned, Base):
    """A test customer attached to a test clock (one clock per customer)."""

    __tablename__ = "sandbox_clock_members"
    __table_args__ = (UniqueConstraint("merchant_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    clock_id: Mapped[int] = mapped_column(BigId, ForeignKey("sandbox_clocks.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))


class Gift(TenantOwned, Base):
    """Access bought by one customer for someone else, who redeems its code once. The code is a bearer secret:
    whoever holds it may redeem it (the receiver's e-mail says only where it was sent)."""

    __tablename__ = "gifts"
    __table_args__ = (UniqueConstraint("merchant_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(16))  # upper-case, without separators
    payment_id: Mapped[int] = mapped_column(BigId, ForeignKey("payments.id", ondelete="CASCADE"), unique=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("products.id", ondelete="CASCADE"))
    price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    buyer_customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    receiver_email: Mapped[str] = mapped_column(String(320))
    redeemed_by_customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None]
    # The redeemer's access, ended if the payment is refunded in full.
    entitlement_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("entitlements.id", ondelete="SET NULL"))
    refunded_at: Mapped[datetime | None]
    # When the receiver's e-mail goes out (None: at once), with the buyer's note; sent_at once it has gone.
    delivery_date: Mapped[datetime | None]
    personal_note: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class OrderStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"


class Order(TenantOwned, Base):
    """A checkout in progress: a price a customer means to buy, what a coupon takes off, the tax in it, and how
    they will pay. It is paid once (becoming a payment) or expires."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    amount: Mapped[int]  # the price's, tax included
    currency: Mapped[str] = mapped_column(String(3))
    discount: Mapped[int] = mapped_column(default=0)
    voucher_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("vouchers.id", ondelete="SET NULL"))
    country_code: Mapped[str | None] = mapped_column(String(2))
    tax_rate: Mapped[int] = mapped_column(default=0)  # basis points
    payment_method: Mapped[str | None] = mapped_column(String(16))  # a gateways.methods kind, or "free"
    buy_as_gift: Mapped[bool] = mapped_column(default=False)
    # A gift's delivery, set on the order before it is paid and carried to the gift it becomes.
    gift_receiver_email: Mapped[str | None] = mapped_column(String(320))
    gift_delivery_date: Mapped[datetime | None]
    gift_personal_note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[OrderStatus] = mapped_column(Status(OrderStatus, 16), default=OrderStatus.OPEN)
    payment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("payments.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())

    @property
    def total(self) -> int:
        return self.amount - self.discount


class PlanSwitchStatus(StrEnum):
    PENDING = "pending"  # waiting for the end of the period paid
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"


class PlanSwitch(TenantOwned, Base):
    """A customer's move of a subscription from one recurring price to another: done at once (`succeeded`), or
    waiting for the end of the period paid (`pending`) until it is applied at renewal or `cancelled`."""

    __tablename__ = "plan_switches"
    __table_args__ = (Index("ix_plan_switches_merchant_customer", "merchant_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    from_price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    to_price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))  # upgrade | downgrade
    algorithm: Mapped[str] = mapped_column(String(48))  # how the money is settled: billing.switches
    status: Mapped[PlanSwitchStatus] = mapped_column(Status(PlanSwitchStatus, 16))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class StoreProduct(TenantOwned, Base):
    """A product of a merchant's app in an app store (its id there, a SKU), and the price a purchase of it buys."""

    __tablename__ = "store_products"
    __table_args__ = (UniqueConstraint("merchant_id", "store", "product_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[str] = mapped_column(String(255))
    price_id: Mapped[int] = mapped_column(BigId, ForeignKey("prices.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
