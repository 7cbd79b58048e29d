"""A page of a product's access codes for the merchant's dashboard: the product with them, each code's browsers
counted; another merchant's product is not found."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import codes
from boxoffice.kit.errors import NotFound
from tests import shop


async def test_a_page_of_codes_comes_with_its_product_and_the_browsers_holding_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        product = await shop.product(session, merchant.id)
        product.access_control = codes.CODE_CONTROL
        made = await codes.create_codes(
            session,
            merchant.id,
            product.id,
            codes=["AAA", "BBB", "CCC"],
            quantity=None,
            max_sessions=2,
            starts_at=None,
            expires_at=None,
        )
        await codes.enter_code(session, product.id, "BBB", "browser-1", "agent")

        found = await codes.codes_page(session, merchant.id, product.id, page=0, limit=2)
        assert found.product.id == product.id and found.total == 3
        assert len(found.codes) == 2 and set(found.codes) <= set(made)
        every = await codes.codes_page(session, merchant.id, product.id, page=0, limit=10)
        assert {code.code: every.held.get(code.id, 0) for code in every.codes} == {"AAA": 0, "BBB": 1, "CCC": 0}
        with pytest.raises(NotFound):
            await codes.codes_page(session, other.id, product.id, page=0, limit=10)
