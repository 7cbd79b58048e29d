"""A customer as their merchant's team sees them on one page: who they are, the access they hold and held, their
subscriptions, their payments, their sessions and latest sign-ins. Each list is its newest rows, one page of a
query each, with how many there are in all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import service as access
from boxoffice.access.models import Entitlement
from boxoffice.billing import history, subscriptions
from boxoffice.catalog import service as catalog
from boxoffice.catalog.models import Product
from boxoffice.identity import customers
from boxoffice.identity.customers import Activity
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock

# The newest rows of each list the page shows: a customer's page is read often, and quickly.
SHOWN = 25
# The merchant's newest items offered to grant access to (any other is granted by its id).
OFFERED = 200


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    customer: Customer
    access_total: int
    access: list[access.Purchase]
    subscriptions_total: int
    subscriptions: list[subscriptions.SubscriptionView]
    payments: history.PaymentsPage
    activity: Activity
    read_at: datetime
    grantable: Sequence[Product]  # the merchant's items on sale, newest first, to grant access to

    def in_force(self, entitlement: Entitlement) -> bool:
        """Whether the access still opens the item (as of when the record was read)."""
        return entitlement.revoked_at is None and entitlement.expires_at > self.read_at


async def describe_customer(session: AsyncSession, merchant: Merchant, customer_id: int) -> CustomerRecord:
    """The merchant's customer (NotFound for anyone else's, or one erased) and what the page shows of them."""
    customer = await customers.get_customer(session, merchant, customer_id)
    access_total, held = await access.purchase_history(session, merchant, customer, status="all", page=0, limit=SHOWN)
    subscriptions_total, rows = await subscriptions.subscriptions_page(
        session, merchant.id, customer_id=customer.id, statuses=None, page=0, limit=SHOWN
    )
    payments = await history.payments_page(
        session,
        merchant.id,
        filters=history.PaymentsFilter(customer_id=customer.id),
        page=0,
        limit=SHOWN,
        count_paying=False,
    )
    return CustomerRecord(
        customer=customer,
        access_total=access_total,
        access=held,
        subscriptions_total=subscriptions_total,
        subscriptions=await subscriptions.views_of(session, merchant.id, rows),
        payments=payments,
        activity=await customers.activity_of(session, merchant, customer, logins=SHOWN),
        read_at=clock.now(),
        grantable=(await catalog.list_products(session, merchant.id, active=True, limit=OFFERED))[1],
    )
