"""Access a merchant gives or takes by hand, naming the customer by id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.kit import clock
from boxoffice.kit.errors import NotFound
from tests import shop


async def test_a_grant_names_whom_and_what_and_a_revocation_ends_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        product = await shop.product(session, merchant.id)
        ends = clock.now() + timedelta(days=3)
        grant = await access.grant_access_by_merchant(
            session, merchant, customer.id, product.id, expires_at=ends, price_id=None
        )
        assert (grant.customer.id, grant.product.id) == (customer.id, product.id)
        assert (grant.entitlement.customer_id, grant.entitlement.expires_at) == (customer.id, ends)
        await access.revoke_access(session, merchant, customer.id, product.id)
        with pytest.raises(NotFound):
            await access.revoke_access(session, merchant, customer.id, product.id)


async def test_another_merchants_customer_is_not_found(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        theirs = await shop.customer(session, other.id)
        product = await shop.product(session, merchant.id)
        with pytest.raises(NotFound):
            await access.grant_access_by_merchant(
                session, merchant, theirs.id, product.id, expires_at=clock.now() + timedelta(days=1), price_id=None
            )
        with pytest.raises(NotFound):
            await access.revoke_access(session, merchant, theirs.id, product.id)
