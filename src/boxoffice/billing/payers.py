"""Who paid: the customer of one of the merchant's payments, so that its back end may sign them in by it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import repository as repo
from boxoffice.identity import customers
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.refusals import AccountDeactivated
from boxoffice.kit.errors import Missing, NotFound


async def payer_of(session: AsyncSession, merchant: Merchant, payment_id: int) -> Customer:
    """The customer whose payment this is: NotFound (CUSTOMER) for another merchant's payment or none,
    AccountDeactivated when their account is deactivated."""
    payment = await repo.payment_by_id(session, merchant.id, payment_id)
    if payment is None:
        raise NotFound("Customer not found", what=Missing.CUSTOMER)
    customer = await customers.get_customer(session, merchant, payment.customer_id)
    if not customer.active:
        raise AccountDeactivated()
    return customer
