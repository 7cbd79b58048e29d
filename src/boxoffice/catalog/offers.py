"""Prices as a storefront shows them, each with what it sells and whose it is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import localizations_repository as localizations_repo
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


async def _selling(session: AsyncSession, merchant_id: int, price: Price, country_code: str | None) -> Price | None:
    """The price of `price`'s localization for the country (catalog.localizations), while both are on sale."""
    if not country_code or not price.active:
        return None
    found = await localizations_repo.localization(session, merchant_id, price.id, country_code.upper())
    if found is None:
        return None
    localized_price = await repo.price_by_id(session, merchant_id, found.localized_price_id)
    if localized_price is None or not localized_price.active:
        return None
    # Sold on the offer's terms only: an offer changed to another period since sells its own price meanwhile.
    return localized_price if localized_price.access_type_id == price.access_type_id else None


async def localized(session: AsyncSession, offer: Offer, country_code: str | None) -> Offer:
    """The offer as a buyer in `country_code` is sold it: its localization there, if one is on sale."""
    price = await _selling(session, offer.merchant.id, offer.price, country_code)
    return offer if price is None else Offer(price, offer.product, offer.merchant)


async def localized_price_id(session: AsyncSession, merchant_id: int, price_id: int, country_code: str | None) -> int:
    """The price a buyer in `country_code` is sold when they ask for `price_id`: its localization's there, if one
    is on sale, else `price_id` itself."""
    if not country_code:
        return price_id
    price = await repo.price_by_id(session, merchant_id, price_id)
    found = await _selling(session, merchant_id, price, country_code) if price is not None else None
    return price_id if found is None else found.id


async def taxed_offer(session: AsyncSession, price_id: int, country_code: str | None) -> TaxedOffer:
    """An offer anyone may look at, as a buyer from `country_code` is sold it (its localization there, if it has
    one on sale), with the tax its merchant charges them."""
    offer = await localized(session, await find_offer(session, price_id), country_code)
    return TaxedOffer(offer, await taxes.rate_for(session, offer.merchant.id, country_code))


async def list_offers(session: AsyncSession, merchant: Merchant, limit: int = MAX_OFFERS) -> list[Offer]:
    """The merchant's offers; a localization's own price is its offer's version for a country, not one of them."""
    prices = await repo.prices_of_merchant(session, merchant.id, min(limit, MAX_OFFERS))
    products = await repo.products_by_ids(session, merchant.id, [p.product_id for p in prices])
    localizing = await localizations_repo.localization_price_ids(session, merchant.id, [p.id for p in prices])
    return [
        Offer(price, products[price.product_id], merchant)
        for price in prices
        if price.product_id in products and products[price.product_id].active and price.id not in localizing
    ]
