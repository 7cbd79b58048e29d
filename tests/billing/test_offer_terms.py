"""An offer as one customer would buy it: the play check's answer, their country's tax, their trial."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.billing.offer_terms import offer_terms
from boxoffice.catalog.models import TaxRate
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import Missing, NotFound
from tests import shop

IN_FRANCE = ClientInfo("192.0.2.1", "FR", Device("desktop", None, None, None), None)


async def test_terms_until_the_customer_holds_what_the_offer_sells(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        product = await shop.product(session, merchant.id)
        price = await shop.monthly_price(session, product, trial_days=7)
        session.add(TaxRate(merchant_id=merchant.id, country_code="FR", rate=2000))
        await session.flush()

        terms = await offer_terms(session, merchant, customer, price.id, IN_FRANCE)
        assert (terms.offer.price.id, terms.offer.product.id) == (price.id, product.id)
        assert not terms.has_access and terms.trial_available
        assert (terms.country_code, terms.tax_rate) == ("FR", 2000)

        await access.grant_access(
            session, merchant, customer, product, source="subscription", price=price, is_trial=True
        )
        terms = await offer_terms(session, merchant, customer, price.id, IN_FRANCE)
        assert terms.has_access and not terms.trial_available


async def test_the_customers_own_country_sets_the_tax(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        customer.country_code = "PL"
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        session.add(TaxRate(merchant_id=merchant.id, country_code="PL", rate=2300))
        await session.flush()
        terms = await offer_terms(session, merchant, customer, price.id, IN_FRANCE)
    assert (terms.country_code, terms.tax_rate) == ("PL", 2300)


async def test_another_merchants_price_is_no_offer(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        customer = await shop.customer(session, merchant.id)
        theirs = await shop.monthly_price(session, await shop.product(session, other.id))
        with pytest.raises(NotFound) as refused:
            await offer_terms(session, merchant, customer, theirs.id, IN_FRANCE)
    assert refused.value.what is Missing.OFFER
