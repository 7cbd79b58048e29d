"""The catalog as the merchant's dashboard reads it: a page of products each with every price of its own (active or
not), one product with its prices, a price's form with the merchant's country sets; never another merchant's."""

from __future__ import annotations

import pytest

from boxoffice.catalog import listing, service
from boxoffice.kit.errors import NotFound
from tests import shop
from tests.catalog.conftest import Catalog


async def test_a_page_of_products_carries_each_ones_prices(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    film = catalog.product
    monthly = await shop.monthly_price(session, film)
    yearly = await shop.monthly_price(session, film, amount=9900)
    await service.deactivate_price(session, merchant.id, film.id, yearly.id)
    bare = await shop.product(session, merchant.id, "Bare")
    other = await shop.merchant(session, "Other")
    theirs = await shop.product(session, other.id, "Theirs")
    await shop.monthly_price(session, theirs)

    found = await listing.list_products_with_prices(session, merchant.id)
    assert found.total == 2
    assert [(listed.product.id, [p.id for p in listed.prices]) for listed in found.items] == [
        (bare.id, []),
        (film.id, [monthly.id, yearly.id]),
    ]
    second = await listing.list_products_with_prices(session, merchant.id, page=1, limit=1)
    assert second.total == 2 and [listed.product.id for listed in second.items] == [film.id]
    assert (await listing.list_products_with_prices(session, merchant.id, page=5)).items == []


async def test_one_product_and_a_price_form_are_the_merchants_own(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    price = await shop.monthly_price(session, catalog.product)
    europe = await shop.country_set(session, merchant.id, "DE", "FR")
    other = await shop.merchant(session, "Other")
    await shop.country_set(session, other.id, "US")

    one = await listing.product_details(session, merchant.id, catalog.product.id)
    assert one.product.id == catalog.product.id and [p.id for p in one.prices] == [price.id]
    assert [s.id for s in one.country_sets] == [europe.id]
    form = await listing.price_form(session, merchant.id, catalog.product.id, price.id)
    assert form.price is price and [s.id for s in form.country_sets] == [europe.id]
    assert (await listing.price_form(session, merchant.id, catalog.product.id, None)).price is None
    with pytest.raises(NotFound):
        await listing.product_details(session, other.id, catalog.product.id)
    with pytest.raises(NotFound):
        await listing.price_form(session, other.id, catalog.product.id, None)


async def test_a_package_comes_with_its_assets_active_or_not(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    package = await service.create_product(session, merchant.id, title="Season", asset_type="package")
    retired = await shop.product(session, merchant.id, "Retired", active=False)
    await service.change_package_members(session, merchant.id, package.id, add=[catalog.product.id, retired.id])

    found = await listing.product_details(session, merchant.id, package.id)
    assert [member.id for member in found.members] == [catalog.product.id, retired.id]
    assert (await listing.product_details(session, merchant.id, catalog.product.id)).members == ()
