"""The sandbox gateway's own records: what a real gateway keeps on its side, kept here so that it behaves like one
across processes and restarts (idempotency, challenges, refunds)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, TenantOwned
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
