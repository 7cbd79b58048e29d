"""Redeeming a gift's code: the redeemer gets what it bought, once, and sees the gift as it now stands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import gift_delivery, gifts
from boxoffice.billing.models import Gift, Payment, PaymentStatus
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, NotFound
from tests import shop


async def test_a_code_opens_what_it_bought_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        buyer = await shop.customer(session, merchant.id, "buyer@example.com")
        receiver = await shop.customer(session, merchant.id, "receiver@example.com")
        product = await shop.product(session, merchant.id)
        price = await shop.monthly_price(session, product)
        price.kind = "one_time"
        payment = Payment(
            merchant_id=merchant.id,
            customer_id=buyer.id,
            product_id=product.id,
            price_id=price.id,
            kind="gift",
            idempotency_key="gift-1",
            amount=price.amount,
            currency=price.currency,
            gateway="sandbox",
            gateway_customer_ref="cus_1",
            gateway_method="pm_1",
            status=PaymentStatus.SUCCEEDED,
        )
        session.add(payment)
        await session.flush()
        session.add(
            Gift(
                merchant_id=merchant.id,
                code="ABCDEFGHJKMN",
                payment_id=payment.id,
                product_id=product.id,
                price_id=price.id,
                buyer_customer_id=buyer.id,
                receiver_email=receiver.email,
            )
        )
        await session.flush()

        redeemed = await gifts.redeem_gift(session, receiver, "abcd-efgh-jkmn")
        assert redeemed.details.spent == gifts.Spent.REDEEMED
        assert redeemed.details.gift.redeemed_by_customer_id == receiver.id
        assert redeemed.details.gift.entitlement_id == redeemed.entitlement.id
        assert (redeemed.details.product.id, redeemed.details.from_name) == (product.id, buyer.full_name)
        assert (redeemed.entitlement.customer_id, redeemed.entitlement.product_id) == (receiver.id, product.id)

        with pytest.raises(Conflict):
            await gifts.redeem_gift(session, buyer, "ABCDEFGHJKMN")


async def test_the_merchant_reads_any_of_its_gifts_and_changes_its_delivery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        buyer = await shop.customer(session, merchant.id, "buyer@example.com")
        product = await shop.product(session, merchant.id)
        price = await shop.monthly_price(session, product)
        payment = Payment(
            merchant_id=merchant.id,
            customer_id=buyer.id,
            product_id=product.id,
            price_id=price.id,
            kind="gift",
            idempotency_key="gift-2",
            amount=price.amount,
            currency=price.currency,
            gateway="sandbox",
            gateway_customer_ref="cus_1",
            gateway_method="pm_1",
            status=PaymentStatus.SUCCEEDED,
        )
        session.add(payment)
        await session.flush()
        gift = Gift(
            merchant_id=merchant.id,
            code="PQRSTUVWXYZA",
            payment_id=payment.id,
            product_id=product.id,
            price_id=price.id,
            buyer_customer_id=buyer.id,
            receiver_email="friend@example.com",
            delivery_date=clock.now() + timedelta(days=3),
        )
        session.add(gift)
        await session.flush()

        found = await gifts.merchant_gift(session, merchant.id, gift.id)
        assert (found.gift.code, found.from_name) == ("PQRSTUVWXYZA", buyer.full_name)
        with pytest.raises(NotFound):
            await gifts.merchant_gift(session, other.id, gift.id)
        later = gift_delivery.delivery("pal@example.com", clock.now() + timedelta(days=5), "Enjoy")
        changed = await gifts.change_gift_delivery(session, merchant.id, gift.id, later)
        assert (changed.gift.receiver_email, changed.gift.personal_note) == ("pal@example.com", "Enjoy")
        with pytest.raises(NotFound):
            await gifts.change_gift_delivery(session, other.id, gift.id, later)
