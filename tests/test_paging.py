"""The shared paging of listings: a page of items in the listing's order, and the size of the whole listing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.catalog.models import PackageMember, Product
from boxoffice.kit.db import page_of, rows_page_of
from tests import shop


@pytest.mark.parametrize(
    ("offset", "limit", "titles"),
    [(0, 2, ["E", "D"]), (2, 2, ["C", "B"]), (4, 2, ["A"]), (5, 2, []), (0, 0, [])],
)
async def test_a_page_is_a_slice_of_the_listing_and_counts_all_of_it(
    sessions: async_sessionmaker[AsyncSession], offset: int, limit: int, titles: list[str]
) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        other = await shop.merchant(session, "Other")
        for title in "ABCDE":
            await shop.product(session, merchant.id, title)
        await shop.product(session, other.id, "Z")
        query = select(Product).where(Product.merchant_id == merchant.id).order_by(Product.id.desc())
        page = await page_of(session, query, offset=offset, limit=limit)
        assert (page.total, [p.title for p in page.items]) == (5, titles)
        total, items = page  # a page unpacks as the (total, items) the listings answer
        assert (total, items) == (page.total, page.items)


async def test_a_page_of_rows_holds_each_rows_things(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        package = await shop.product(session, merchant.id, "Box")
        for title in "AB":
            member = await shop.product(session, merchant.id, title)
            session.add(PackageMember(merchant_id=merchant.id, package_id=package.id, product_id=member.id))
        await session.flush()
        query = (
            select(PackageMember, Product)
            .join(Product, Product.id == PackageMember.product_id)
            .where(PackageMember.merchant_id == merchant.id, Product.merchant_id == merchant.id)
            .order_by(Product.title.desc())
        )
        page = await rows_page_of(session, query, offset=1, limit=5)
        assert page.total == 2
        assert [(m.package_id, p.title) for m, p in page.items] == [(package.id, "A")]
