"""Prices as a storefront shows them, each with what it sells and whose it is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as repo
from boxoffice.catalog import taxes
from boxoffice.catalog.models import Price, Product
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import Missing, NotFound

MAX_OFFERS = 500


@dataclass(frozen=True, slots=True)
class Offer:
    price: Price
    product: Product
    merchant: Merchant


async def find_offer(session: AsyncSession, price_id: int, *, merchant_id: int | None = None) -> Offer:
    """An active price of an active product and merchant; only the merchant's own when `merchant_id` is given."""
    if merchant_id is None:
        price = await repo.price_anywhere(session, price_id)
    else:
        price = await repo.price_by_id(session, merchant_id, price_id)
    product = await repo.product_by_id(session, price.merchant_id, price.product_id) if price else None
    merchant = await identity_repo.merchant_by_id(session, price.merchant_id) if price else None
    if price is None or product is None or merchant is None:
        raise NotFound(what=Missing.OFFER)
    if not (price.active and product.active and merchant.active):
        raise NotFound(what=Missing.OFFER)
    return Offer(price, product, merchant)


@dataclass(frozen=True, slots=True)
class TaxedOffer:
    """An offer with the tax rate its price includes for a buyer in a country (in `taxes.BASIS` units)."""

    offer: Offer
    tax_rate: int


async def taxed_offer(session: AsyncSession, price_id: int, country_code: str | None) -> TaxedOffer:
    """An offer anyone may look at, with the tax its merchant charges a buyer from `country_code`."""
    offer = await find_offer(session, price_id)
    return TaxedOffer(offer, await taxes.rate_for(session, offer.merchant.id, country_code))


async def list_offers(session: AsyncSession, merchant: Merchant, limit: int = MAX_OFFERS) -> list[Offer]:
    prices = await repo.prices_of_merchant(session, merchant.id, min(limit, MAX_OFFERS))
    products = await repo.products_by_ids(session, merchant.id, [p.product_id for p in prices])
    return [
        Offer(price, products[price.product_id], merchant)
        for price in prices
        if price.product_id in products and products[price.product_id].active
    ]
