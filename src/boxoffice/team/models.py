"""Team tables: members, their dashboard sessions, and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status, TenantOwned, Timestamped
from boxoffice.kit.sealing import sealed_column


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    SUPPORT = "support"
    ANALYST = "analyst"


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    REMOVED = "removed"


class SessionState(StrEnum):
    AWAITING_CODE = "awaiting_code"  # the password was right; the second factor is still to come
    ACTIVE = "active"
    ENDED = "ended"


class ActorKind(StrEnum):
    MEMBER = "member"  # someone signed in to the dashboard
    API = "api"  # the merchant API, with a merchant's token or secret


class Member(Timestamped, TenantOwned, Base):
    """Someone who may sign in to a merchant's dashboard. The merchant account's own address is its first owner,
    the holder: it has no password of its own here, the merchant account's is its password."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # One address signs in to one dashboard: the sign-in form asks for nothing else.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(250), default="")
    role: Mapped[Role] = mapped_column(Status(Role, 16))
    status: Mapped[MemberStatus] = mapped_column(Status(MemberStatus, 16), default=MemberStatus.INVITED)
    holder: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # An invitation or a password reset in flight: the digest of the token the e-mail carried.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(300), info=sealed_column())
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last 30-second step a code was accepted for: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # digests; a used one is removed
    invited_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("team_members.id", ondelete="SET NULL"))


class MemberSession(TenantOwned, Base):
    """One dashboard sign-in: its cookie holds a random token whose digest is kept here."""

    __tablename__ = "team_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("team_members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[SessionState] = mapped_column(Status(SessionState, 16))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    last_seen_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    expires_at: Mapped[datetime]


class AuditEntry(TenantOwned, Base):
    """Who changed what, when and from where: every write through the dashboard or the merchant API."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_merchant_at", "merchant_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    actor_kind: Mapped[ActorKind] = mapped_column(Status(ActorKind, 16))
    member_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("team_members.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320))  # the member's address, or the API's caller
    action: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(500), default="")
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(1000))


Index("ix_team_members_lower_email", func.lower(Member.email))
