"""A merchant changing when its customer's access bought once through a price ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as repo
from boxoffice.access.models import Entitlement
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.identity.models import Customer
from boxoffice.kit.errors import InvalidInput, Missing, NotFound


@dataclass(frozen=True, slots=True)
class Rental:
    entitlement: Entitlement
    price: Price


async def move_access_end(session: AsyncSession, customer: Customer, price_id: int, expires_at: datetime) -> Rental:
    """End the customer's latest access through a one-time price at `expires_at` (sooner or later than it would
    have); NotFound(PRICE) when the price is not the merchant's or they never held access through it."""
    price = await catalog_repo.price_by_id(session, customer.merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    if price.kind != "one_time":
        raise InvalidInput({"price_id": "Access through a subscription ends with its period: change the subscription"})
    entitlement = await repo.latest_through_price(session, customer.merchant_id, customer.id, price.id)
    if entitlement is None:
        raise NotFound(what=Missing.PRICE)
    if expires_at <= entitlement.starts_at:
        raise InvalidInput({"expires_at": "The access must end after it began"})
    entitlement.expires_at = expires_at
    await session.flush()
    return Rental(entitlement, price)
