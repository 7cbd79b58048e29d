"""Revenue at a glance: per currency and per day (UTC), net of refunds, over the 30 days that end today; summed on
each engine, at the year's end and on a leap day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.analytics.revenue import DAYS, revenue
from boxoffice.billing.models import Payment, PaymentStatus, Refund, RefundStatus
from boxoffice.identity.models import Merchant
from tests import shop


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


class Book:
    def __init__(self, session: AsyncSession, merchant: Merchant, customer_id: int, product_id: int) -> None:
        self.session, self.merchant, self.customer_id, self.product_id = session, merchant, customer_id, product_id
        self.made = 0

    async def paid(
        self, at: datetime, amount: int, currency: str = "EUR", status: PaymentStatus = PaymentStatus.SUCCEEDED
    ) -> Payment:
        self.made += 1
        payment = Payment(
            merchant_id=self.merchant.id,
            customer_id=self.customer_id,
            product_id=self.product_id,
            idempotency_key=f"k{self.made}",
            amount=amount,
            currency=currency,
            gateway="sandbox",
            gateway_customer_ref="cus_1",
            gateway_method="pm_1",
            status=status,
            created_at=at,
            updated_at=at,
        )
        self.session.add(payment)
        await self.session.flush()
        return payment

    async def refunded(self, payment: Payment, at: datetime, amount: int, succeeded: bool = True) -> None:
        self.made += 1
        status = RefundStatus.SUCCEEDED if succeeded else RefundStatus.PENDING
        self.session.add(
            Refund(
                merchant_id=self.merchant.id,
                payment_id=payment.id,
                idempotency_key=f"r{self.made}",
                amount=amount,
                currency=payment.currency,
                status=status,
                created_at=at,
            )
        )
        await self.session.flush()


async def book_of(session: AsyncSession, name: str = "Shop") -> Book:
    merchant = await shop.merchant(session, name)
    customer = await shop.customer(session, merchant.id)
    product = await shop.product(session, merchant.id)
    return Book(session, merchant, customer.id, product.id)


@pytest.mark.parametrize("now", [datetime(2026, 12, 31, 23, 30), datetime(2028, 2, 29, 0, 5)])
async def test_revenue_is_summed_per_currency_and_day_net_of_refunds(session: AsyncSession, now: datetime) -> None:
    book = await book_of(session)
    today = now.replace(hour=0, minute=0)
    first = await book.paid(today + timedelta(minutes=1), 499)
    await book.paid(today + timedelta(minutes=2), 1000)
    await book.refunded(first, today + timedelta(minutes=3), 199)
    await book.refunded(first, today + timedelta(minutes=4), 100, succeeded=False)  # not handed back yet
    await book.paid(today - timedelta(days=6), 700)  # within the last 7 days
    await book.paid(today - timedelta(days=7), 300)  # within 30, not 7
    await book.paid(today - timedelta(days=DAYS), 5000)  # before the window
    await book.paid(today + timedelta(days=1), 5000)  # tomorrow: not yet
    await book.paid(today, 999, status=PaymentStatus.DECLINED)
    await book.paid(today - timedelta(days=2), 250, currency="USD")
    other = await book_of(session, "Other")
    await other.paid(today, 123456)

    [eur, usd] = await revenue(session, book.merchant.id, now)
    assert (eur.currency, usd.currency) == ("EUR", "USD")
    assert [day.day for day in eur.days] == [now.date() - timedelta(days=n) for n in reversed(range(DAYS))]
    assert (eur.days[-1].paid, eur.days[-1].refunded, eur.today) == (1499, 199, 1300)
    assert (eur.net_over(7), eur.net_over(DAYS)) == (2000, 2300)
    assert (usd.today, usd.net_over(7), usd.days[-3].net) == (0, 250, 250)
    assert sum(1 for day in eur.days if day.net) == 3


async def test_a_merchant_with_no_money_yet_has_no_currency(session: AsyncSession) -> None:
    book = await book_of(session)
    await book.paid(datetime(2026, 6, 1), 100, status=PaymentStatus.PENDING)
    assert await revenue(session, book.merchant.id, datetime(2026, 6, 1, 12)) == []
