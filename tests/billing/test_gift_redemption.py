"""Redeeming a gift's code: the redeemer gets what it bought, once, and sees the gift as it now stands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import gift_delivery, gifts
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, NotFound
from tests import shop


async def test_a_code_opens_what_it_bought_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        buyer = await shop.customer(session, merchant.id, "buyer@example.com")
        receiver = await shop.customer(session, merchant.id, "receiver@example.com")
        gift = await shop.gift(session, buyer, "ABCDEFGHJKMN", receiver_email=receiver.email)

        redeemed = await gifts.redeem_gift(session, receiver, "abcd-efgh-jkmn")
        assert redeemed.details.spent == gifts.Spent.REDEEMED
        assert redeemed.details.gift.redeemed_by_customer_id == receiver.id
        assert redeemed.details.gift.entitlement_id == redeemed.entitlement.id
        assert (redeemed.details.product.id, redeemed.details.from_name) == (gift.product_id, buyer.full_name)
        assert (redeemed.entitlement.customer_id, redeemed.entitlement.product_id) == (receiver.id, gift.product_id)

        with pytest.raises(Conflict):
            await gifts.redeem_gift(session, buyer, "ABCDEFGHJKMN")


async def test_the_merchant_reads_any_of_its_gifts_and_changes_its_delivery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        buyer = await shop.customer(session, merchant.id, "buyer@example.com")
        gift = await shop.gift(
            session,
            buyer,
            "PQRSTUVWXYZA",
            receiver_email="friend@example.com",
            delivery_date=clock.now() + timedelta(days=3),
        )

        found = await gifts.merchant_gift(session, merchant.id, gift.id)
        assert (found.gift.code, found.from_name) == ("PQRSTUVWXYZA", buyer.full_name)
        with pytest.raises(NotFound):
            await gifts.merchant_gift(session, other.id, gift.id)
        later = gift_delivery.delivery("pal@example.com", clock.now() + timedelta(days=5), "Enjoy")
        changed = await gifts.change_gift_delivery(session, merchant.id, gift.id, later)
        assert (changed.gift.receiver_email, changed.gift.personal_note) == ("pal@example.com", "Enjoy")
        with pytest.raises(NotFound):
            await gifts.change_gift_delivery(session, other.id, gift.id, later)
