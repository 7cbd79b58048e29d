"""A merchant's own versions of the transactional e-mail templates."""

from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit.db import Base, BigId, TenantOwned, Timestamped


class MailTemplate(TenantOwned, Timestamped, Base):
    """Replaces the built-in template `name` for one merchant: its subject, plain-text and HTML parts (Jinja2,
    rendered in a sandbox with the same variables as the built-in one)."""

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
