"""The tags a customer's access reaches: those of every price they have an entitlement in force through now, of
their merchant only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.access.tags import accessible_tags
from boxoffice.catalog import offer_changes
from boxoffice.catalog.offer_changes import Labels, ProductSide
from boxoffice.catalog.offers import Offer
from boxoffice.catalog.service import PriceChanges
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from boxoffice.kit.money import Money
from tests import shop

PASS = 3


async def _offer(session: AsyncSession, merchant: Merchant, title: str, tags: list[str]) -> Offer:
    changes = PriceChanges(access_type_id=PASS, money=Money(500, "EUR"))
    return await offer_changes.create_offer(session, merchant, ProductSide(title=title), changes, labels=Labels(tags))


async def test_tags_of_the_prices_in_force_now(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        customer = await shop.customer(session, merchant.id)
        sports = await _offer(session, merchant, "Sports", ["sports", "live"])
        news = await _offer(session, merchant, "News", ["news"])
        revoked = await _offer(session, merchant, "Revoked", ["revoked"])
        await _offer(session, merchant, "Unbought", ["unbought"])
        await _offer(session, other, "Theirs", ["theirs"])
        assert await accessible_tags(session, merchant, customer) == []
        for offer, days in ((sports, 2), (news, 5), (revoked, 5)):
            await access.grant_access(
                session,
                merchant,
                customer,
                offer.product,
                source="grant",
                price=offer.price,
                expires_at=clock.now() + timedelta(days=days),
            )
        await access.revoke_access(session, merchant, customer.id, revoked.product.id)
        assert await accessible_tags(session, merchant, customer) == ["live", "news", "sports"]
        assert await accessible_tags(session, other, customer) == []
        frozen.advance(days=3)
        assert await accessible_tags(session, merchant, customer) == ["news"]
