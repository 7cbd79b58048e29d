"""An offer anyone may look at, with the tax a buyer's country adds."""

from __future__ import annotations

import pytest

from boxoffice.catalog.models import TaxRate
from boxoffice.catalog.offers import taxed_offer
from boxoffice.kit.errors import Missing, NotFound
from tests import shop
from tests.catalog.conftest import Catalog


async def test_the_buyers_country_sets_the_tax(catalog: Catalog) -> None:
    session, merchant = catalog.session, catalog.merchant
    price = await shop.monthly_price(session, catalog.product)
    session.add(TaxRate(merchant_id=merchant.id, country_code="DE", rate=1900))
    await session.flush()
    found = await taxed_offer(session, price.id, "DE")
    assert (found.offer.price.id, found.offer.merchant.id, found.tax_rate) == (price.id, merchant.id, 1900)
    assert (await taxed_offer(session, price.id, "FR")).tax_rate == 0
    assert (await taxed_offer(session, price.id, None)).tax_rate == 0


async def test_an_inactive_price_is_no_offer(catalog: Catalog) -> None:
    price = await shop.monthly_price(catalog.session, catalog.product)
    price.active = False
    await catalog.session.flush()
    with pytest.raises(NotFound) as refused:
        await taxed_offer(catalog.session, price.id, "DE")
    assert refused.value.what is Missing.OFFER
