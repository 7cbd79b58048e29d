"""A session on each engine with a merchant and an active product of theirs to put prices on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.catalog.models import Product
from boxoffice.identity.models import Merchant
from tests import shop


@dataclass
class Catalog:
    session: AsyncSession
    merchant: Merchant
    product: Product


@pytest.fixture
async def catalog(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Catalog]:
    async with sessions() as session:
        merchant = await shop.merchant(session)
        yield Catalog(session, merchant, await shop.product(session, merchant.id))
