"""Orders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import Order, Payment

KEY_PREFIX = "order"


async def order_by_id(session: AsyncSession, merchant_id: int, order_id: int) -> Order | None:
    found = await session.scalars(select(Order).where(Order.merchant_id == merchant_id, Order.id == order_id))
    return found.first()


def payment_key(order_id: int, attempt: str | None) -> str:
    """The idempotency key of a payment for an order: the order's own when it is paid once whatever happens
    (nothing to pay), else one per `attempt`."""
    return f"{KEY_PREFIX}:{order_id}" if attempt is None else f"{KEY_PREFIX}:{order_id}:{attempt}"


async def order_paid_by(session: AsyncSession, merchant_id: int, payment: Payment) -> Order | None:
    """The order `payment` pays, named by its idempotency key: a payment is settled (and what it bought made)
    before its order is told the payment's id, so the key is the one link there is at that moment."""
    prefix, _, rest = payment.idempotency_key.partition(":")
    order_id = rest.partition(":")[0]
    if prefix != KEY_PREFIX or not (order_id.isascii() and order_id.isdigit()) or len(order_id) > 18:
        return None
    order = await order_by_id(session, merchant_id, int(order_id))
    return order if order is not None and order.customer_id == payment.customer_id else None
