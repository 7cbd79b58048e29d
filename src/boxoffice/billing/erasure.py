"""Erasing a customer, as billing must: the person goes (identity), and nothing charges the anonymous account left
for the books. Each subscription still charging is cancelled at its period's end, so what was paid for runs out as
bought and no renewal follows; a paused one ends at once, and a pause asked for goes, so nothing resumes it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import repository as repo
from boxoffice.billing import subscriptions
from boxoffice.billing.models import CHARGING, SubscriptionStatus
from boxoffice.identity import accounts, customers
from boxoffice.identity.models import Customer, Merchant

# What erasing stops: what charges, and what a pause would have charged again when it resumes.
STOPPED = CHARGING | {SubscriptionStatus.PAUSED}


async def erase_account(session: AsyncSession, merchant: Merchant, customer: Customer, password: str | None) -> None:
    """The customer erases their own account, given their password."""
    await accounts.erase_account(session, merchant, customer, password)
    await _stop_charging(session, merchant.id, customer.id)


async def erase_customer(
    session: AsyncSession, merchant: Merchant, customer_id: int, *, confirmation: str | None
) -> Customer:
    """The merchant erases its customer on their behalf, the address typed again to confirm."""
    customer = await customers.erase_customer(session, merchant, customer_id, confirmation=confirmation)
    await _stop_charging(session, merchant.id, customer.id)
    return customer


async def _stop_charging(session: AsyncSession, merchant_id: int, customer_id: int) -> None:
    while True:
        _, charging = await repo.subscriptions_page(
            session, merchant_id, customer_id=customer_id, statuses=STOPPED, offset=0, limit=100
        )
        if not charging:
            return
        for subscription in charging:
            subscription.pause_starts_at = subscription.resumes_at = None
            await subscriptions.cancel(session, merchant_id, subscription, immediately=False)
        await session.flush()
