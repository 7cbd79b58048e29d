"""One customer as the merchant's analytics see them: what they last did, and what they have spent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access.models import ContentRequest, Entitlement
from boxoffice.analytics import repository as repo
from boxoffice.billing.models import Payment
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Product
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Customer, LoginRecord
from boxoffice.kit.errors import NotFound


@dataclass(frozen=True, slots=True)
class ContentVisit:
    request: ContentRequest
    product: Product | None  # None once the merchant has deleted it
    entitlement: Entitlement | None  # the access it was granted by, if any


@dataclass(frozen=True, slots=True)
class Activity:
    customer: Customer
    last_login: LoginRecord | None
    last_visit: ContentVisit | None


@dataclass(frozen=True, slots=True)
class Purchase:
    payment: Payment
    product: Product | None
    parent_payment_id: int | None  # a renewal's first charge


@dataclass(frozen=True, slots=True)
class Lifetime:
    customer: Customer
    products_bought: int
    spent: dict[str, int]  # per currency, minor units, refunds taken off
    first: Purchase | None
    last: Purchase | None


async def _customer(session: AsyncSession, merchant_id: int, customer_id: int) -> Customer:
    customer = await identity_repo.customer_by_id(session, merchant_id, customer_id)
    if customer is None:
        raise NotFound("Customer not found")
    return customer


async def customer_activity(session: AsyncSession, merchant_id: int, customer_id: int) -> Activity:
    customer = await _customer(session, merchant_id, customer_id)
    request = await repo.last_content_request(session, merchant_id, customer_id)
    visit = None
    if request is not None:
        product = await catalog_repo.product_by_id(session, merchant_id, request.product_id)
        access = await repo.entitlement_at(session, merchant_id, customer_id, request.product_id, request.requested_at)
        visit = ContentVisit(request, product, access if request.outcome == "granted" else None)
    return Activity(customer, await identity_repo.last_login(session, merchant_id, customer_id), visit)


async def customer_lifetime(session: AsyncSession, merchant_id: int, customer_id: int) -> Lifetime:
    customer = await _customer(session, merchant_id, customer_id)
    paid = await repo.paid_per_currency(session, merchant_id, customer_id)
    refunded = await repo.refunded_per_currency(session, merchant_id, customer_id)
    spent = {currency: paid.get(currency, 0) - refunded.get(currency, 0) for currency in sorted(paid)}
    first = await repo.edge_purchase(session, merchant_id, customer_id, last=False)
    last = await repo.edge_purchase(session, merchant_id, customer_id, last=True)
    edges = [p for p in (first, last) if p is not None]
    products = await catalog_repo.products_by_ids(session, merchant_id, [p.product_id for p in edges])
    parents = await repo.first_payment_ids(
        session, merchant_id, [p.subscription_id for p in edges if p.subscription_id is not None]
    )

    def purchase(payment: Payment | None) -> Purchase | None:
        if payment is None:
            return None
        parent = parents.get(payment.subscription_id) if payment.subscription_id is not None else None
        return Purchase(payment, products.get(payment.product_id), parent if parent != payment.id else None)

    return Lifetime(
        customer,
        await repo.products_bought(session, merchant_id, customer_id),
        spent,
        purchase(first),
        purchase(last),
    )
