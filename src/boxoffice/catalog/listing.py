"""The catalog as a merchant manages it: products a page at a time with every price of each, one product with what
its page shows, and a price with what its form offers to choose from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as repo
from boxoffice.catalog import service
from boxoffice.catalog.asset_types import PACKAGE
from boxoffice.catalog.models import Price, Product
from boxoffice.restrictions import service as restrictions
from boxoffice.restrictions.models import CountrySet

# A form offers every country set of the merchant; more than this many is not a list anyone picks from.
MAX_COUNTRY_SETS = 200
# A package's page lists this many of its assets at most.
MAX_MEMBERS = 500


@dataclass(frozen=True, slots=True)
class ListedProduct:
    product: Product
    prices: Sequence[Price]  # active or not, oldest first


@dataclass(frozen=True, slots=True)
class ProductDetails:
    """One product as its page shows it: with every price, a package's assets (in the order they were put in) and
    the merchant's country sets to restrict it to."""

    product: Product
    prices: Sequence[Price]
    members: Sequence[Product]
    country_sets: Sequence[CountrySet]


@dataclass(frozen=True, slots=True)
class ProductsPage:
    total: int
    items: list[ListedProduct]


@dataclass(frozen=True, slots=True)
class PriceForm:
    """What a price's form shows: the product, the price (None for a new one), the country sets to choose from."""

    product: Product
    price: Price | None
    country_sets: Sequence[CountrySet]


async def list_products_with_prices(
    session: AsyncSession,
    merchant_id: int,
    *,
    search: str | None = None,
    asset_type: str | None = None,
    active: bool | None = None,
    page: int = 0,
    limit: int = 20,
) -> ProductsPage:
    """A page of the merchant's products, newest first, each with all of its prices (read in one statement)."""
    total, products = await service.list_products(
        session, merchant_id, search=search, asset_type=asset_type, active=active, page=page, limit=limit
    )
    prices: dict[int, list[Price]] = {product.id: [] for product in products}
    for price in await repo.prices_of_products(session, merchant_id, list(prices)):
        prices[price.product_id].append(price)
    return ProductsPage(total, [ListedProduct(product, prices[product.id]) for product in products])


async def product_details(session: AsyncSession, merchant_id: int, product_id: int) -> ProductDetails:
    product = await service.get_product(session, merchant_id, product_id)
    members: Sequence[Product] = ()
    if product.kind == PACKAGE:
        _, members = await service.package_members(session, product, active_only=False, limit=MAX_MEMBERS)
    prices = await repo.prices_of(session, merchant_id, product.id)
    return ProductDetails(product, prices, members, await _country_sets(session, merchant_id))


async def _country_sets(session: AsyncSession, merchant_id: int) -> Sequence[CountrySet]:
    _, found = await restrictions.list_country_sets(session, merchant_id, page=0, limit=MAX_COUNTRY_SETS)
    return found


async def price_form(session: AsyncSession, merchant_id: int, product_id: int, price_id: int | None) -> PriceForm:
    product = await service.get_product(session, merchant_id, product_id)
    price = None if price_id is None else await service.get_price(session, merchant_id, product.id, price_id)
    return PriceForm(product, price, await _country_sets(session, merchant_id))
