"""The sandbox gateway's own records: what a real gateway keeps on its side, kept here so that it behaves like one
across processes and restarts (idempotency, challenges, refunds)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status, TenantOwned
from boxoffice.kit.sealing import sealed_column


class SandboxPaymentMethod(TenantOwned, Base):
    """A saved test card: never its number, only what may be shown and how it behaves."""

    __tablename__ = "sandbox_payment_methods"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    customer_ref: Mapped[str] = mapped_column(String(40), index=True)
    brand: Mapped[str] = mapped_column(String(16))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    behaviour: Mapped[str] = mapped_column(String(24))  # succeeds | card_declined | insufficient_funds | challenge
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class CardTerms(NamedTuple):
    """What the sandbox's answer to a charge depends on of a saved method, read as a plain row for a batch of
    charges (a batch of renewals asks for hundreds at once)."""

    token: str
    customer_ref: str
    behaviour: str
    exp_month: int
    exp_year: int


class SandboxCharge(TenantOwned, Base):
    __tablename__ = "sandbox_charges"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    charge_id: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    customer_ref: Mapped[str] = mapped_column(String(40))
    method_token: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))  # succeeded | declined | requires_action
    decline_code: Mapped[str | None] = mapped_column(String(32))
    refunded: Mapped[int] = mapped_column(default=0)
    return_url: Mapped[str | None] = mapped_column(String(2048))  # where the viewer goes after a challenge
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class SandboxRefund(TenantOwned, Base):
    __tablename__ = "sandbox_refunds"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(40), unique=True)
    charge_id: Mapped[str] = mapped_column(String(40), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class MerchantGateway(TenantOwned, Base):
    """Which gateway a merchant takes new payments through, with its credentials (sealed, see boxoffice.kit.sealing).
    No row: the sandbox. What was paid through a gateway is refunded and renewed through that same gateway."""

    __tablename__ = "merchant_gateways"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    gateway: Mapped[str] = mapped_column(String(16), default="sandbox")
    stripe_secret_key: Mapped[str | None] = mapped_column(String(1000), info=sealed_column())
    stripe_webhook_secret: Mapped[str | None] = mapped_column(String(1000), info=sealed_column())
    stripe_publishable_key: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class PaymentMethodSetting(TenantOwned, Base):
    """A way the merchant takes payments, as its payment connectors know it (their `paymentMethodId`): an external
    one is a connector of the merchant's own, which Boxoffice asks through events to authorise, capture and refund,
    and which reports the outcomes back (see gateways.connectors)."""

    __tablename__ = "payment_method_settings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), default="")
    method_name: Mapped[str] = mapped_column(String(64))
    payment_gateway: Mapped[str] = mapped_column(String(64))
    fee_rate: Mapped[int] = mapped_column(default=0)  # basis points of a payment the gateway keeps
    is_external: Mapped[bool] = mapped_column(default=True)
    handler: Mapped[str] = mapped_column(String(250), default="")
    gateway_parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payment_support: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    amount_accuracy: Mapped[int] = mapped_column(default=2)  # decimal places the gateway charges in
    auto_terminate: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class DunningCycle(StrEnum):
    """The billing cycles a dunning schedule is set for."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "3-months"
    HALF_YEARLY = "6-months"
    ANNUAL = "annual"
    SEASONAL = "seasonal"


class DunningAction(TenantOwned, Base):
    """The merchant's retry schedule for renewals of one billing cycle: the hours after the due date at which a
    declined renewal is tried again, and whether an external connector is asked to authorise before it captures.
    Used instead of the global schedule (settings' `dunning_retry_days`) for subscriptions of that cycle."""

    __tablename__ = "dunning_actions"
    __table_args__ = (UniqueConstraint("merchant_id", "cycle"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cycle: Mapped[DunningCycle] = mapped_column(Status(DunningCycle, 16))
    payment_authorization: Mapped[bool] = mapped_column(default=False)
    payment_attempts: Mapped[list[int]] = mapped_column(JSON, default=list)
    payment_method_setting_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("payment_method_settings.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class ExternalPaymentDetails(TenantOwned, Base):
    """A customer's way to pay through an external connector: the connector's token for it, which the renewals of
    their subscriptions billed by that method name; `active` ones are used. The merchant may restrict when
    attempts are made (`attempt_restricted_to`) and keeps count of rejections by month."""

    __tablename__ = "external_payment_details"
    __table_args__ = (Index("ix_external_payment_details_customer", "merchant_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    payment_method_setting_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("payment_method_settings.id", ondelete="CASCADE")
    )
    token: Mapped[str] = mapped_column(String(500))
    method_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    attempt_restricted_to: Mapped[datetime | None]
    attempt_rejections: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class StoreAppSettings(TenantOwned, Base):
    """A merchant's app in one app store (see gateways.stores): which app its receipts must be of, and the
    credentials to ask the store about them (sealed). `fee_rate`: what the store keeps, in basis points."""

    __tablename__ = "store_apps"
    # An app is one merchant's: a receipt of it could otherwise buy at two merchants.
    __table_args__ = (UniqueConstraint("merchant_id", "store"), UniqueConstraint("store", "app_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store: Mapped[str] = mapped_column(String(16))
    app_id: Mapped[str] = mapped_column(String(255))
    apple_app_id: Mapped[int | None] = mapped_column(BigId)
    environment: Mapped[str] = mapped_column(String(16), default="production")
    secret: Mapped[str | None] = mapped_column(Text, info=sealed_column())
    fee_rate: Mapped[int] = mapped_column(default=1500)
    # Google Play: the service account Pub/Sub signs its pushes of the app's notifications as.
    notification_account: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
