"""Country sets as the catalog sees them: the catalog knows which of its products and prices a set restricts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as repo
from boxoffice.restrictions import service as restrictions


async def delete_country_set(session: AsyncSession, merchant_id: int, set_id: int) -> None:
    """Delete a set unless something on sale still uses it."""
    in_use = await repo.country_set_in_use(session, merchant_id, set_id)
    await restrictions.delete_country_set(session, merchant_id, set_id, in_use=in_use)
