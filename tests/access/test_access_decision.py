"""The play check asked ahead of a play (`decide_access`): the same rules, a refusal as an answer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.catalog.models import Product
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.restrictions.models import CountrySet
from tests import shop

IN_FRANCE = ClientInfo("192.0.2.1", "FR", Device("desktop", None, None, None), None)
IN_SPAIN = ClientInfo("192.0.2.2", "ES", Device("desktop", None, None, None), None)


async def _shop(session: AsyncSession, **product: object) -> tuple[Merchant, Customer, Product]:
    merchant = Merchant(uuid="m-1", email="shop@example.com", full_name="Shop", password_hash="x", client_secret="s")
    session.add(merchant)
    await session.flush()
    customer = Customer(merchant_id=merchant.id, uuid="c-1", email="viewer@example.com")
    item = Product(merchant_id=merchant.id, title="Film", **product)
    session.add_all([customer, item])
    await session.flush()
    return merchant, customer, item


async def test_an_entitlement_grants_until_it_ends(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, product = await _shop(session)
        assert await access.decide_access(session, merchant, customer, product, IN_FRANCE) == access.Decision(
            False, None
        )
        ends = clock.now() + timedelta(days=3)
        await access.grant_access(session, merchant, customer, product, source="grant", expires_at=ends)
        decision = await access.decide_access(session, merchant, customer, product, IN_FRANCE)
        assert decision.granted and decision.until == ends


async def test_a_merchant_rule_refuses_even_with_an_entitlement(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, product = await _shop(session)
        only_france = CountrySet(merchant_id=merchant.id, name="France", type="whitelist", countries=["FR"])
        session.add(only_france)
        await session.flush()
        product.country_set_id = only_france.id
        ends = clock.now() + timedelta(days=3)
        await access.grant_access(session, merchant, customer, product, source="grant", expires_at=ends)
        assert (await access.decide_access(session, merchant, customer, product, IN_FRANCE)).granted
        assert await access.decide_access(session, merchant, customer, product, IN_SPAIN) == access.Decision(
            False, None
        )


async def test_what_signing_in_opens_is_granted_with_no_end(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, product = await _shop(session, access_control="auth")
        assert await access.decide_access(session, merchant, customer, product, IN_FRANCE) == access.Decision(
            True, None
        )


async def test_an_offers_access_is_decided_for_what_it_sells(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, product = await _shop(session)
        price = await shop.monthly_price(session, product)
        found = await access.offer_access(session, merchant, customer, price.id, IN_FRANCE)
        assert (found.offer.price.id, found.offer.product.id) == (price.id, product.id)
        assert found.decision == access.Decision(False, None)
        ends = clock.now() + timedelta(days=3)
        await access.grant_access(session, merchant, customer, product, source="grant", expires_at=ends)
        assert (await access.offer_access(session, merchant, customer, price.id, IN_FRANCE)).decision.granted
