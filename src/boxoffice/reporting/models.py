"""Report files and how far each has been built."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from boxoffice.kit import clock
from boxoffice.kit.db import Base, BigId, Status, TenantOwned


class ReportStatus(StrEnum):
    PENDING = "pending"  # being built
    READY = "ready"
    FAILED = "failed"


class ReportFile(TenantOwned, Base):
    """One CSV a merchant asked for. Its name is what the merchant sees and downloads it by; asking again for a
    file of the same name (the content-request files are named by day) builds it afresh."""

    __tablename__ = "report_files"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # see reporting.exports.KINDS
    name: Mapped[str] = mapped_column(String(200))
    # What it covers, as the export reads it: start and end (ISO), an item id.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[ReportStatus] = mapped_column(Status(ReportStatus, 16), default=ReportStatus.PENDING)
    rows: Mapped[int] = mapped_column(default=0)
    size: Mapped[int] = mapped_column(default=0)  # bytes
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    finished_at: Mapped[datetime | None]
