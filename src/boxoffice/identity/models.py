"""Identity tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, TenantOwned, Timestamped
from boxoffice.kit.sealing import sealed_column


class Merchant(Timestamped, Base):
    """A publisher: the tenant every other row belongs to."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(250))
    password_hash: Mapped[str] = mapped_column(String(200))
    # The client secret also keys webhook signatures, so it must be readable, not hashed.
    client_secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Web origins (`https://app.example.com`) whose pages may call the APIs from a browser (CORS).
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # The token Cleeng's publisher APIs (JSON-RPC 3.0, API 3.1) authenticate the merchant with: sealed to be shown
    # again, and found by its digest.
    publisher_token: Mapped[str | None] = mapped_column(String(300), info=sealed_column())
    publisher_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)


class Customer(Timestamped, TenantOwned, Base):
    """A viewer account. Unique per merchant: one e-mail may hold accounts with two merchants."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("merchant_id", "email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(250), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    date_of_birth: Mapped[date | None]
    referrer: Mapped[str | None] = mapped_column(String(2000))
    register_source: Mapped[str] = mapped_column(String(32), default="signup")
    # Where the customer says they live and how they read (alpha-2, e.g. en_US), when an app sends them.
    country_code: Mapped[str | None] = mapped_column(String(2))
    locale: Mapped[str | None] = mapped_column(String(16))
    # The app's own id for the customer and its own JSON about them (an OTT app keeps watch history there).
    external_id: Mapped[str | None] = mapped_column(String(200))
    external_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    erased_at: Mapped[datetime | None]


# Sign-in, sign-up and password reset find an account by e-mail whatever its case; without these, each was a scan
# of all the merchant's customers (110 ms at 300,000).
Index("ix_customers_merchant_id_lower_email", Customer.merchant_id, func.lower(Customer.email))
Index("ix_merchants_lower_email", func.lower(Merchant.email))


class AuthSession(TenantOwned, Base):
    """One sign-in. Access tokens name it, so revoking it (logout, password change, erase) ends them all."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(TenantOwned, Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigId, ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginRecord(TenantOwned, Base):
    __tablename__ = "login_records"
    # The login analytics count a merchant's records per device and per country from this index alone.
    __table_args__ = (Index("ix_login_records_audience", "merchant_id", "device_type", "country_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    logged_in_at: Mapped[datetime] = mapped_column(index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    country_code: Mapped[str | None] = mapped_column(String(2))
    device_type: Mapped[str] = mapped_column(String(16))
    device_os: Mapped[str | None] = mapped_column(String(64))
    device_model: Mapped[str | None] = mapped_column(String(64))
    browser: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(36))
    referrer: Mapped[str | None] = mapped_column(String(2000))


class RegistrationRecord(TenantOwned, Base):
    __tablename__ = "registration_records"
    __table_args__ = (
        Index("ix_registration_records_audience", "merchant_id", "source", "device_type", "country_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    registered_at: Mapped[datetime] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(32))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    country_code: Mapped[str | None] = mapped_column(String(2))
    device_type: Mapped[str] = mapped_column(String(16))
    device_os: Mapped[str | None] = mapped_column(String(64))
    device_model: Mapped[str | None] = mapped_column(String(64))
    referrer: Mapped[str | None] = mapped_column(String(2000))


class RegisterField(Timestamped, TenantOwned, Base):
    """A merchant-defined sign-up field; its value lands in the customer's metadata under `name`."""

    __tablename__ = "register_fields"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    default_value: Mapped[str] = mapped_column(String(500), default="")
    placeholder: Mapped[str] = mapped_column(String(500), default="")
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)


class PasswordReset(TenantOwned, Base):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PinCode(TenantOwned, Base):
    """An age-verification PIN e-mailed to the customer; validated once."""

    __tablename__ = "pin_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    validated_at: Mapped[datetime | None]


class Profile(Timestamped, TenantOwned, Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    avatar_url: Mapped[str] = mapped_column(String(2000), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    adult: Mapped[bool] = mapped_column(Boolean, default=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))


class Favorite(TenantOwned, Base):
    __tablename__ = "favorites"
    __table_args__ = (UniqueConstraint("customer_id", "media_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    media_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class WatchProgress(Timestamped, TenantOwned, Base):
    __tablename__ = "watch_history"
    __table_args__ = (UniqueConstraint("customer_id", "media_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    media_id: Mapped[str] = mapped_column(String(100))
    progress: Mapped[float] = mapped_column(Float)


class FeatureFlag(Timestamped, TenantOwned, Base):
    __tablename__ = "feature_flags"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean)


class ExternalAccount(Timestamped, TenantOwned, Base):
    """A customer's link to an outside integration (a chat or engagement service), with its sync data, or to an
    outside identity (a social network's or an identity provider's account id), by which they sign in."""

    __tablename__ = "external_accounts"
    __table_args__ = (
        UniqueConstraint("customer_id", "integration"),
        # One account of a merchant per outside identity. Kept apart from `data`, which the customer may write.
        UniqueConstraint("merchant_id", "integration", "account_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    integration: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int | None] = mapped_column(BigId)
    token: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    account_id: Mapped[str | None] = mapped_column(String(200))
    # The OpenID Connect issuer that vouched for `account_id` (none for an id a merchant's back end gave): subjects
    # are unique only within their issuer, so a provider pointed at another issuer finds none of its old links.
    issuer: Mapped[str | None] = mapped_column(String(500))


class IdentityProvider(Timestamped, TenantOwned, Base):
    """An OpenID Connect provider a merchant's viewers may sign in with (Google, Apple, Facebook or any issuer the
    merchant names). Endpoints left empty are read from the issuer's discovery document."""

    __tablename__ = "identity_providers"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[str | None] = mapped_column(String(2000), info=sealed_column())
    scopes: Mapped[str] = mapped_column(String(300))
    authorization_endpoint: Mapped[str | None] = mapped_column(String(500))
    token_endpoint: Mapped[str | None] = mapped_column(String(500))
    jwks_uri: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SocialSignIn(TenantOwned, Base):
    """A sign-in sent to an identity provider and not yet back: what its callback must match (the state, kept
    hashed; the nonce; the PKCE verifier) and where the viewer's app waits for the tokens."""

    __tablename__ = "social_sign_ins"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("identity_providers.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64))
    # Worth nothing without the code the provider sends only to the callback, and then only once.
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]


class SigningKey(Base):
    """The server's own signing keys, made when the schema is migrated, so a fresh install needs none configured.
    Of a purpose's keys the newest signs; each verifies until `expires_at` (none: until a newer one replaces it)."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime | None]


class ConsentTerm(Timestamped, TenantOwned, Base):
    """Something a merchant asks its customers to agree to (terms, marketing e-mail …). Changing what it says or
    whether it is required makes a new version, which customers who agreed to an older one are asked again."""

    __tablename__ = "consent_terms"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(default=1)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled_by_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CustomerConsent(TenantOwned, Base):
    """A customer's answer to a consent term, at the version they answered."""

    __tablename__ = "customer_consents"
    __table_args__ = (UniqueConstraint("merchant_id", "customer_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    accepted: Mapped[bool] = mapped_column(Boolean)
    decided_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class CaptureSettings(Timestamped, TenantOwned, Base):
    """What a merchant asks customers after they sign up (Cleeng's "capture"): which standard fields, each
    optional or required, and questions of its own."""

    __tablename__ = "capture_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # {field: "optional" | "required"} for the fields asked; see identity.capture.FIELDS.
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # [{"id": n, "question": …, "options": [...], "required": bool}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class CaptureAnswers(Timestamped, TenantOwned, Base):
    __tablename__ = "capture_answers"
    __table_args__ = (UniqueConstraint("merchant_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
