"""A customer's library: what they paid for, each payment beside the access it opened (when that ends, whether it
was revoked) and the subscription it paid for (whether that was cancelled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import repository as access_repo
from boxoffice.access.models import Entitlement
from boxoffice.billing import history, subscriptions
from boxoffice.billing.models import CHARGING
from boxoffice.identity.models import Customer

# More subscriptions than any one customer has.
SUBSCRIPTIONS_READ = 1000


@dataclass(frozen=True, slots=True)
class LibraryItem:
    paid: history.PaidItem
    entitlement: Entitlement | None  # the access it opened, or the subscription's
    cancelled: bool  # the access revoked, or the subscription cancelled or ended


async def library_page(
    session: AsyncSession,
    customer: Customer,
    *,
    since: datetime | None,
    until: datetime | None,
    offset: int,
    limit: int,
) -> tuple[int, list[LibraryItem]]:
    """The customer's payments that went through (none is pending), newest first, from `since` until before
    `until`."""
    merchant_id = customer.merchant_id
    found = await history.payments_page(
        session,
        merchant_id,
        filters=history.PaymentsFilter(customer_id=customer.id, since=since, until=until, type="payment"),
        page=0,
        offset=offset,
        limit=limit,
        count_paying=False,
    )
    _, rows = await subscriptions.subscriptions_page(
        session, merchant_id, customer_id=customer.id, statuses=None, page=0, limit=SUBSCRIPTIONS_READ
    )
    by_id = {s.id: s for s in rows}
    wanted: dict[int, int] = {}  # payment id → entitlement id
    for paid in found.rows:
        payment = paid.payment
        subscription = by_id.get(payment.subscription_id) if payment.subscription_id else None
        entitlement_id = payment.entitlement_id or (subscription.entitlement_id if subscription else None)
        if entitlement_id is not None:
            wanted[payment.id] = entitlement_id
    entitlements = await access_repo.entitlements_by_ids(session, merchant_id, list(set(wanted.values())))
    items = []
    for paid in found.rows:
        payment = paid.payment
        subscription = by_id.get(payment.subscription_id) if payment.subscription_id else None
        entitlement = entitlements.get(wanted.get(payment.id, 0))
        stopped = subscription is not None and subscription.status not in CHARGING
        revoked = entitlement is not None and entitlement.revoked_at is not None
        items.append(LibraryItem(paid, entitlement, stopped or revoked))
    return found.total, items
