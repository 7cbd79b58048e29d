"""A merchant whose viewers buy, subscribe, get refunds, sign up and sign in through the core's use cases (and
the sandbox gateway), on a clock the test moves, so that the analytics are read from records written as they
are in use."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import payment_methods, purchases, refunds, subscriptions
from boxoffice.billing.models import Payment, Refund
from boxoffice.catalog.models import Price, Product
from boxoffice.gateways.protocol import Card
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from tests import shop

PAYS, DECLINED = "4242424242424242", "4000000000000002"


def client(country: str | None = "GB", device: str = "desktop", referrer: str | None = None) -> ClientInfo:
    return ClientInfo("203.0.113.7", country, Device(device, "Linux", None, "Firefox"), "Firefox", referrer)


def card(number: str = PAYS) -> Card:
    return Card(number, 12, clock.now().year + 3, "123", "Ada Lovelace")


@dataclass
class Shop:
    sessions: async_sessionmaker[AsyncSession]
    gateways: Gateways
    merchant: Merchant
    clock: clock.FrozenClock

    async def customer(self, email: str = "viewer@example.com") -> Customer:
        async with self.sessions() as session, session.begin():
            return await shop.customer(session, self.merchant.id, email)

    async def product(self, title: str = "Film") -> Product:
        async with self.sessions() as session, session.begin():
            return await shop.product(session, self.merchant.id, title)

    async def one_time_price(self, product: Product, amount: int = 999, currency: str = "EUR") -> Price:
        """A day's access to `product`."""
        async with self.sessions() as session, session.begin():
            found = Price(
                merchant_id=self.merchant.id,
                product_id=product.id,
                access_type_id=1,
                kind="one_time",
                amount=amount,
                currency=currency,
                period_unit="hour",
                period_quantity=24,
                country_set=None,
            )
            session.add(found)
        return found

    async def monthly_price(self, product: Product, **terms: object) -> Price:
        async with self.sessions() as session, session.begin():
            return await shop.monthly_price(session, product, **terms)  # type: ignore[arg-type]

    async def buy(
        self,
        customer: Customer,
        price: Price,
        source: payment_methods.Source | None = None,
        *,
        voucher: str | None = None,
    ) -> Payment:
        return await purchases.buy_access(
            self.sessions,
            self.gateways.sandbox,
            self.merchant,
            customer,
            price_id=price.id,
            source=source or card(),
            idempotency_key=uuid.uuid4().hex,
            return_url=None,
            client=client(),
            voucher_code=voucher,
        )

    async def subscribe(
        self,
        customer: Customer,
        price: Price,
        *,
        number: str = PAYS,
        country: str | None = "GB",
        voucher: str | None = None,
    ) -> subscriptions.Started:
        return await subscriptions.subscribe(
            self.sessions,
            self.gateways.sandbox,
            self.merchant,
            customer,
            price_id=price.id,
            source=card(number),
            idempotency_key=uuid.uuid4().hex,
            return_url="https://app.example/done",
            client=client(country),
            voucher_code=voucher,
        )

    async def refund(self, payment: Payment, amount: int | None = None) -> Refund:
        return await refunds.refund_payment(
            self.sessions,
            self.gateways,
            self.merchant.id,
            payment.id,
            amount=amount,
            reason=None,
            idempotency_key=uuid.uuid4().hex,
        )


@pytest.fixture
async def store(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, frozen: clock.FrozenClock
) -> AsyncIterator[Shop]:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
    gateways = Gateways(sessions, settings, Sealer([]))
    try:
        yield Shop(sessions, gateways, merchant, frozen)
    finally:
        await gateways.aclose()
