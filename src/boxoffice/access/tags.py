"""Tags: names a merchant gives prices for content their own site opens. Access through a price reaches its tags
for as long as it lasts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock


async def accessible_tags(session: AsyncSession, merchant: Merchant, customer: Customer) -> list[str]:
    """Every tag of the prices the customer has access through now, each once, in order."""
    found = await repo.tags_of_prices_in_force(session, merchant.id, customer.id, clock.now())
    return sorted({tag for tags in found for tag in tags})
