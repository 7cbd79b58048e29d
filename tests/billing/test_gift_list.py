"""The merchant's list of gifts: newest first, each with its item's title, its buyer's address and where it stands;
never another merchant's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import gifts
from boxoffice.billing.gifts import GiftState
from boxoffice.billing.models import Gift
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock
from tests import shop


async def bought(session: AsyncSession, merchant: Merchant, code: str, **gift: object) -> Gift:
    buyer = await shop.customer(session, merchant.id, f"buyer-{code.lower()}@example.com")
    return await shop.gift(session, buyer, code, **gift)


async def test_gifts_are_listed_newest_first_with_where_each_stands(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        now = clock.now()
        sent = await bought(session, merchant, "AAAA", sent_at=now)
        redeemed = await bought(session, merchant, "BBBB", sent_at=now, redeemed_at=now)
        later = await bought(session, merchant, "CCCC", delivery_date=now + timedelta(days=3))
        refunded = await bought(session, merchant, "DDDD", sent_at=now, refunded_at=now)
        await bought(session, other, "EEEE")

        total, listed = await gifts.list_gifts(session, merchant.id, page=0, limit=10)
        assert total == 4
        assert [(g.gift.id, g.state) for g in listed] == [
            (refunded.id, GiftState.REFUNDED),
            (later.id, GiftState.SCHEDULED),
            (redeemed.id, GiftState.REDEEMED),
            (sent.id, GiftState.SENT),
        ]
        assert (listed[0].product_title, listed[0].buyer_email) == ("Film DDDD", "buyer-dddd@example.com")
        total, second = await gifts.list_gifts(session, merchant.id, page=1, limit=3)
        assert total == 4 and [g.gift.id for g in second] == [sent.id]
