"""Access a merchant grants through one of its offers for what was paid outside Boxoffice (a subscription another
system bills), until the moment it names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import service
from boxoffice.catalog.models import Price
from boxoffice.catalog.offers import find_offer
from boxoffice.identity.models import Customer, Merchant


@dataclass(frozen=True, slots=True)
class PriceGrant:
    grant: service.Grant
    price: Price


async def grant_through_price(
    session: AsyncSession, merchant: Merchant, customer: Customer, price_id: int, expires_at: datetime
) -> PriceGrant:
    """The merchant's grant (as `service.grant_access_by_merchant`) of what an offer of its own sells, through
    that price; NotFound(OFFER) when the price is none of its offers, InvalidInput when `expires_at` has passed."""
    offer = await find_offer(session, price_id, merchant_id=merchant.id)
    grant = await service.grant_access_by_merchant(
        session, merchant, customer.id, offer.product.id, expires_at=expires_at, price_id=offer.price.id
    )
    return PriceGrant(grant, offer.price)
