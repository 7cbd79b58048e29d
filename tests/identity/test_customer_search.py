"""A merchant's team finds its customers by a part of their address or name, or by their id; nobody else's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity import customers
from tests import shop


async def test_customers_are_found_by_a_part_of_their_address_or_name_or_their_id(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        otto = await shop.customer(session, merchant.id, "otto_100%@example.com")
        await shop.customer(session, other.id, "vera@elsewhere.example.com")

        async def found(text: str) -> list[int]:
            total, rows = await customers.find_customers(session, merchant, text, page=0, limit=10)
            assert total == len(rows)
            return [customer.id for customer in rows]

        assert await found("") == [otto.id, vera.id]
        assert await found(" VERA ") == [vera.id]
        assert await found(str(otto.id)) == [otto.id]
        assert await found("100%") == [otto.id] and await found("_%") == []  # literal, not wildcards
        assert await found("elsewhere") == []
        total, page_two = await customers.find_customers(session, merchant, "", page=1, limit=1)
        assert total == 2 and [c.id for c in page_two] == [vera.id]
