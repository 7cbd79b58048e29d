"""What the merchant's team lists: subscriptions and payments filtered in the database, each page with its
customers' addresses; and a customer's record, which only their own merchant reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import customer_record, history, listings, subscriptions
from boxoffice.billing.models import Payment, PaymentStatus, Refund, RefundStatus, Subscription, SubscriptionStatus
from boxoffice.catalog.models import Price
from boxoffice.identity import customers
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, NotFound
from tests import shop


def a_subscription(customer: Customer, price: Price, status: SubscriptionStatus, **fields: object) -> Subscription:
    now = clock.now()
    return Subscription(
        merchant_id=customer.merchant_id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        status=status,
        amount=price.amount,
        currency=price.currency,
        period_unit="month",
        period_quantity=1,
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
        gateway=fields.pop("gateway", "sandbox"),
        gateway_customer_ref="cus",
        gateway_method="pm",
        cancel_token=f"t-{customer.id}-{price.id}-{status}",
        **fields,
    )


def a_payment(customer: Customer, price: Price, key: str, **fields: object) -> Payment:
    return Payment(
        merchant_id=customer.merchant_id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        idempotency_key=key,
        amount=price.amount,
        currency=price.currency,
        gateway=fields.pop("gateway", "sandbox"),
        gateway_customer_ref="cus",
        gateway_method="pm",
        status=fields.pop("status", PaymentStatus.SUCCEEDED),
        **fields,
    )


async def test_subscriptions_are_filtered_by_state_item_country_gateway_and_start(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        otto = await shop.customer(session, merchant.id, "otto@example.com")
        cup = await shop.monthly_price(session, await shop.product(session, merchant.id, "Cup"))
        semi = await shop.monthly_price(session, await shop.product(session, merchant.id, "Semi"))
        started = clock.now() - timedelta(days=10)
        session.add_all(
            [
                a_subscription(vera, cup, SubscriptionStatus.ACTIVE, country_code="GB", created_at=started),
                a_subscription(otto, semi, SubscriptionStatus.CANCELED, country_code="US", gateway="stripe"),
            ]
        )
        other = await shop.merchant(session, "Other")
        stranger = await shop.customer(session, other.id, "ada@example.com")
        session.add(
            a_subscription(stranger, await shop.monthly_price(session, await shop.product(session, other.id)), "active")
        )
        await session.flush()

        async def emails(**filters: object) -> set[str]:
            found = await listings.find_subscriptions(
                session,
                merchant.id,
                listings.SubscriptionsFilter(**filters),
                page=0,
                limit=10,
            )
            assert found.total == len(found.rows)
            return {found.emails[view.subscription.customer_id] for view in found.rows}

        assert await emails() == {"vera@example.com", "otto@example.com"}
        assert await emails(statuses=[SubscriptionStatus.ACTIVE]) == {"vera@example.com"}
        assert await emails(product_id=semi.product_id) == {"otto@example.com"}
        assert await emails(country_code="GB") == {"vera@example.com"}
        assert await emails(gateway="stripe") == {"otto@example.com"}
        assert await emails(until=started + timedelta(seconds=1)) == {"vera@example.com"}
        assert await emails(since=started + timedelta(seconds=1)) == {"otto@example.com"}
        with pytest.raises(InvalidInput) as refused:
            await emails(since=started, until=started)
        assert "until" in refused.value.errors


async def test_payments_refunded_are_found_by_the_day_of_their_refund(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        paid_at = clock.now() - timedelta(days=5)
        refunded = a_payment(vera, price, "a", created_at=paid_at, refunded=100, country_code="DE")
        kept = a_payment(vera, price, "b", created_at=paid_at)
        session.add_all([refunded, kept])
        await session.flush()
        session.add(
            Refund(
                merchant_id=merchant.id,
                payment_id=refunded.id,
                idempotency_key="r",
                amount=100,
                currency="EUR",
                status=RefundStatus.SUCCEEDED,
                created_at=clock.now(),
            )
        )
        await session.flush()

        async def ids(**filters: object) -> list[int]:
            found = await listings.find_payments(
                session,
                merchant.id,
                history.PaymentsFilter(**filters),
                page=0,
                limit=10,
            )
            assert set(found.emails.values()) <= {"vera@example.com"}
            return [row.payment.id for row in found.rows]

        assert await ids() == [kept.id, refunded.id]
        assert await ids(refunded=True) == [refunded.id]
        assert await ids(refunded=True, until=paid_at + timedelta(days=1)) == []  # paid then, refunded since
        assert await ids(refunded=True, since=clock.now() - timedelta(hours=1)) == [refunded.id]
        assert await ids(since=clock.now() - timedelta(hours=1)) == []
        assert await ids(country_code="DE", product_id=price.product_id) == [refunded.id]
        assert await ids(gateway="stripe") == []


async def test_a_customers_record_is_read_by_their_merchant_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        vera = await shop.customer(session, merchant.id, "vera@example.com")
        price = await shop.monthly_price(session, await shop.product(session, merchant.id))
        held = a_subscription(vera, price, SubscriptionStatus.ACTIVE)
        session.add_all([held, a_payment(vera, price, "a"), a_payment(vera, price, "b", status=PaymentStatus.PENDING)])
        await session.flush()

        record = await customer_record.describe_customer(session, merchant, vera.id)
        assert record.customer.id == vera.id and record.subscriptions_total == 1
        assert record.payments.total == 1  # a payment still pending is not one the customer made yet
        with pytest.raises(NotFound):
            await customer_record.describe_customer(session, other, vera.id)
        with pytest.raises(NotFound):
            await subscriptions.cancel_subscription(
                session, merchant.id, held.id, customer_id=vera.id + 1, immediately=True
            )
        ended = await subscriptions.cancel_subscription(
            session, merchant.id, held.id, customer_id=vera.id, immediately=True
        )
        assert ended.status == SubscriptionStatus.ENDED

        with pytest.raises(InvalidInput):
            await customers.erase_customer(session, merchant, vera.id, confirmation="someone@example.com")
        await customers.erase_customer(session, merchant, vera.id, confirmation=" Vera@Example.com")
        with pytest.raises(NotFound):
            await customer_record.describe_customer(session, merchant, vera.id)
