"""Every query on data-capture leads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import DataCaptureLead
from boxoffice.kit.db import page_of


async def leads_page(
    session: AsyncSession, merchant_id: int, *, search: str | None, offset: int, limit: int
) -> tuple[int, Sequence[DataCaptureLead]]:
    query = select(DataCaptureLead).where(DataCaptureLead.merchant_id == merchant_id)
    if search:
        # The search text is literal: `%` and `_` in it are escaped, not wildcards.
        needle = search.lower()
        query = query.where(
            or_(
                func.lower(DataCaptureLead.email).contains(needle, autoescape=True),
                func.lower(DataCaptureLead.full_name).contains(needle, autoescape=True),
                func.lower(DataCaptureLead.company).contains(needle, autoescape=True),
            )
        )
    return await page_of(session, query.order_by(DataCaptureLead.id.desc()), offset=offset, limit=limit)
