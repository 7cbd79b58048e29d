"""An offer as one customer would buy it: whether they already may watch what it sells, the tax their country
adds, and whether subscribing now would begin with its free trial."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import service as access
from boxoffice.billing import subscriptions
from boxoffice.catalog import taxes
from boxoffice.catalog.offers import Offer, localized
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit.client_info import ClientInfo


@dataclass(frozen=True, slots=True)
class OfferTerms:
    offer: Offer
    # Whether the customer may already watch what it sells, by every rule of the play check: nothing to buy then.
    has_access: bool
    # The country whose tax the price includes: the customer's own, else where they ask from.
    country_code: str | None
    tax_rate: int  # in taxes.BASIS units
    trial_available: bool


async def offer_terms(
    session: AsyncSession, merchant: Merchant, customer: Customer, price_id: int, client: ClientInfo
) -> OfferTerms:
    """The offer as sold where the customer is (its localization there, if it has one on sale). NotFound(OFFER)
    when the price is no offer of the merchant's."""
    found = await access.offer_access(session, merchant, customer, price_id, client)
    offer = await localized(session, found.offer, client.country_code)
    country = customer.country_code or client.country_code
    return OfferTerms(
        offer,
        found.decision.granted,
        country,
        await taxes.rate_for(session, customer.merchant_id, country),
        await subscriptions.trial_available(session, customer, offer.price),
    )
