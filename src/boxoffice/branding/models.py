"""A merchant's look: the brand name, logo, colours and footer its hosted pages and e-mails wear."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit.db import Base, BigId, TenantOwned, Timestamped

MAX_URL = 1000


class Branding(Timestamped, TenantOwned, Base):
    """One look of a merchant's; at most one is its default, which whatever names no look wears."""

    __tablename__ = "brandings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    brand_name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Absolute URLs: an image the merchant uploaded (served by Boxoffice) or one hosted elsewhere.
    logo: Mapped[str | None] = mapped_column(String(MAX_URL))
    cover_image: Mapped[str | None] = mapped_column(String(MAX_URL))
    # Colours as `#rrggbb`; None leaves the page's own.
    primary_color: Mapped[str | None] = mapped_column(String(7))
    secondary_color: Mapped[str | None] = mapped_column(String(7))
    button_color: Mapped[str | None] = mapped_column(String(7))
    button_text_color: Mapped[str | None] = mapped_column(String(7))
    preview_button_color: Mapped[str | None] = mapped_column(String(7))
    preview_button_text_color: Mapped[str | None] = mapped_column(String(7))
    preview_top_border: Mapped[bool] = mapped_column(Boolean, default=True)
    protected_label: Mapped[bool] = mapped_column(Boolean, default=True)
    footer: Mapped[str | None] = mapped_column(Text)
    template_id: Mapped[int | None] = mapped_column(Integer)
    terms_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    dark_mode: Mapped[bool] = mapped_column(Boolean, default=False)


# One default per merchant, kept by the database too: two requests making two looks default at once can't both win.
Index(
    "uq_brandings_default",
    Branding.merchant_id,
    unique=True,
    sqlite_where=Branding.is_default == true(),
    postgresql_where=Branding.is_default == true(),
)
