"""Subscription plans: each product sold by subscription is one plan, and its subscription prices are the plan's
prices. The same catalog rows every other view reads, grouped the way plan-based apps ask for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import plans_repository as repo
from boxoffice.access import repository as access_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import NotFound

MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Plan:
    product: Product
    prices: Sequence[Price]


@dataclass(frozen=True, slots=True)
class HeldPlan:
    """A plan a customer may watch now, and until when."""

    plan: Plan
    expires_at: datetime


def plan_key(text: str) -> int | None:
    """A plan id as apps send it back (the product id, as a string); None for one that can't be ours."""
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


async def _with_prices(session: AsyncSession, merchant: Merchant, products: Sequence[Product]) -> list[Plan]:
    prices = await repo.prices_on_sale(session, merchant.id, [p.id for p in products], clock.now())
    return [Plan(product, [price for price in prices if price.product_id == product.id]) for product in products]


async def list_plans(
    session: AsyncSession, merchant: Merchant, *, plan_ids: Sequence[str] | None, offset: int, limit: int
) -> tuple[int, list[Plan]]:
    """A page of the merchant's plans, only those named in `plan_ids` when given."""
    ids = None if plan_ids is None else [key for key in map(plan_key, plan_ids) if key is not None]
    total, products = await repo.plan_products_page(
        session, merchant.id, clock.now(), product_ids=ids, offset=offset, limit=limit
    )
    return total, await _with_prices(session, merchant, products)


async def get_plan(session: AsyncSession, merchant: Merchant, plan_id: str) -> Plan:
    key = plan_key(plan_id)
    found = (
        await repo.plan_products_page(session, merchant.id, clock.now(), product_ids=[key], offset=0, limit=1)
        if key is not None
        else (0, [])
    )
    if not found[1]:
        raise NotFound("Plan not found")
    return (await _with_prices(session, merchant, found[1]))[0]


async def held_plans(session: AsyncSession, merchant: Merchant, customer: Customer | None) -> list[HeldPlan]:
    """The plans a customer is entitled to now; none for a visitor who is not signed in."""
    if customer is None or customer.merchant_id != merchant.id:
        return []
    rows = await access_repo.entitled_subscription_products(session, merchant.id, customer.id, clock.now())
    plans = await _with_prices(session, merchant, [product for product, _ in rows])
    return [HeldPlan(plan, expires_at) for plan, (_, expires_at) in zip(plans, rows, strict=True)]
