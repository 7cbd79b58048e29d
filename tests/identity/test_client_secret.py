"""Rotating a merchant's client secret: the old one stops authenticating at once, and so do the merchant's own
sessions made until then; its customers' sessions and other merchants' are untouched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.identity import merchants
from boxoffice.identity.models import AuthSession
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidCredentials
from tests import shop


async def test_a_rotated_secret_ends_the_old_one_and_the_merchants_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        viewer = await shop.customer(session, merchant.id)
        later = clock.now() + timedelta(days=1)
        own, viewers, others = (
            AuthSession(merchant_id=merchant.id, customer_id=None, expires_at=later),
            AuthSession(merchant_id=merchant.id, customer_id=viewer.id, expires_at=later),
            AuthSession(merchant_id=other.id, customer_id=None, expires_at=later),
        )
        session.add_all([own, viewers, others])
        await session.flush()
        old = merchant.client_secret

        new = await merchants.rotate_client_secret(session, merchant)
        assert new != old and len(new) >= 40 and merchant.client_secret == new
        assert (await merchants.authenticate_client(session, merchant.uuid, new)).id == merchant.id
        with pytest.raises(InvalidCredentials):
            await merchants.authenticate_client(session, merchant.uuid, old)
        for row in (own, viewers, others):
            await session.refresh(row)
        assert (own.revoked_reason, viewers.revoked_at, others.revoked_at) == ("secret_rotated", None, None)
