"""A session on each engine with a merchant whose viewers sign up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity.models import Merchant, RegisterField
from tests import shop


@dataclass
class Signups:
    session: AsyncSession
    merchant: Merchant

    async def field(self, name: str, type_: str = "input", **terms: object) -> RegisterField:
        """A register field of the merchant's, written as its form would have."""
        field = RegisterField(merchant_id=self.merchant.id, name=name, label=f"Your {name}", type=type_, **terms)
        self.session.add(field)
        await self.session.flush()
        return field


@pytest.fixture
async def signups(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Signups]:
    async with sessions() as session:
        yield Signups(session, await shop.merchant(session, "Cinema"))
