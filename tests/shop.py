"""The rows a core test starts from, written straight to the database: a merchant, its customers and products.

The core's own tests call use cases on a session; what they sell and who buys it is set up here, not through a
dialect, so that a test reads in the core's words."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import Gift, Payment, PaymentStatus
from boxoffice.catalog.models import Price, Product
from boxoffice.events.models import Event
from boxoffice.gateways import connectors
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit.jobs import Job
from boxoffice.restrictions.models import CountrySet


async def merchant(session: AsyncSession, name: str = "Shop") -> Merchant:
    tag = uuid.uuid4().hex[:8]
    found = Merchant(
        uuid=str(uuid.uuid4()),
        email=f"{name.lower()}-{tag}@example.com",
        full_name=name,
        password_hash="x",
        client_secret="s",
    )
    session.add(found)
    await session.flush()
    return found


async def customer(session: AsyncSession, merchant_id: int, email: str = "viewer@example.com") -> Customer:
    found = Customer(merchant_id=merchant_id, uuid=str(uuid.uuid4()), email=email, full_name="Viewer")
    session.add(found)
    await session.flush()
    return found


async def product(session: AsyncSession, merchant_id: int, title: str = "Film", *, active: bool = True) -> Product:
    found = Product(merchant_id=merchant_id, title=title, active=active)
    session.add(found)
    await session.flush()
    return found


async def monthly_price(
    session: AsyncSession,
    product: Product,
    *,
    amount: int = 999,
    currency: str = "EUR",
    trial_days: int | None = None,
    setup_fee: int | None = None,
) -> Price:
    """A subscription of one month (access type 7), as the merchant's form would have written it."""
    found = Price(
        merchant_id=product.merchant_id,
        product_id=product.id,
        access_type_id=7,
        kind="subscription",
        amount=amount,
        currency=currency,
        period_unit="month",
        period_quantity=1,
        trial_period_unit="day" if trial_days else None,
        trial_period_quantity=trial_days,
        setup_fee_amount=setup_fee,
        country_set=None,
    )
    session.add(found)
    await session.flush()
    return found


async def gift(session: AsyncSession, buyer: Customer, code: str, **fields: Any) -> Gift:
    """A gift `buyer` bought of a new film (paid with the sandbox), its code `code`, as checkout writes it."""
    bought = await product(session, buyer.merchant_id, f"Film {code}")
    price = await monthly_price(session, bought)
    price.kind = "one_time"
    payment = Payment(
        merchant_id=buyer.merchant_id,
        customer_id=buyer.id,
        product_id=bought.id,
        price_id=price.id,
        kind="gift",
        idempotency_key=f"gift-{code}",
        amount=price.amount,
        currency=price.currency,
        gateway="sandbox",
        gateway_customer_ref="cus_1",
        gateway_method="pm_1",
        status=PaymentStatus.SUCCEEDED,
    )
    session.add(payment)
    await session.flush()
    made = Gift(
        merchant_id=buyer.merchant_id,
        code=code,
        payment_id=payment.id,
        product_id=bought.id,
        price_id=price.id,
        buyer_customer_id=buyer.id,
        **({"receiver_email": "receiver@example.com"} | fields),
    )
    session.add(made)
    await session.flush()
    return made


async def payment_method(session: AsyncSession, merchant_id: int, name: str = "app-store") -> int:
    """A payment method the merchant's own back end bills through; its id."""
    settings = connectors.MethodSettings(method_name=name, payment_gateway=name, is_external=False)
    return (await connectors.register_payment_method(session, merchant_id, settings)).id


async def country_set(session: AsyncSession, merchant_id: int, *countries: str) -> CountrySet:
    found = CountrySet(merchant_id=merchant_id, name="Somewhere", type="whitelist", countries=list(countries))
    session.add(found)
    await session.flush()
    return found


async def events_of(session: AsyncSession, merchant_id: int) -> list[tuple[str, dict[str, Any]]]:
    """The domain events the merchant's changes wrote to the outbox, in order: type and resource."""
    rows = await session.scalars(select(Event).where(Event.merchant_id == merchant_id).order_by(Event.id))
    return [(event.type, event.resource) for event in rows]


async def mails_to(session: AsyncSession, address: str) -> list[dict[str, Any]]:
    """The e-mails queued to `address`, in order."""
    rows = await session.scalars(select(Job).where(Job.kind == "email.send").order_by(Job.id))
    return [job.payload for job in rows if job.payload["to"] == address]
