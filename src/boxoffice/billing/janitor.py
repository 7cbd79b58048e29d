"""Finishing what a crash left half-done: payments and refunds still pending a while after they were written are
asked of the gateway again, with their own idempotency keys, and settled. Run by every worker on a schedule; two
at once settle each thing once (settlement is claimed by one conditional UPDATE)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, refunds
from boxoffice.billing import repository as repo
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import repository as identity_repo
from boxoffice.kit import clock, jobs
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings

# Long enough that a request still talking to the gateway is never taken for a dead one.
STALE_AFTER = timedelta(minutes=10)
EVERY_SECONDS = 300


async def reconcile(sessions: async_sessionmaker[AsyncSession], gateways: Gateways, now: datetime) -> int:
    """Settle what has been pending since before `now - STALE_AFTER`; returns how many were settled."""
    cutoff = now - STALE_AFTER
    async with sessions() as session:
        merchant_ids = await repo.merchants_with_stale_work(session, cutoff)
    settled = 0
    for merchant_id in merchant_ids:
        async with sessions() as session:
            merchant = await identity_repo.merchant_by_id(session, merchant_id)
        if merchant is None:
            continue
        settled += await charges.reconcile_pending_payments(sessions, gateways, merchant, cutoff)
        settled += await refunds.reconcile_pending_refunds(sessions, gateways, merchant_id, cutoff)
    return settled


@jobs.every(EVERY_SECONDS, "billing.reconcile")
async def reconcile_chore(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    gateways = Gateways(sessions, settings, Sealer(settings.encryption_keys))
    try:
        await reconcile(sessions, gateways, clock.now())
    finally:
        await gateways.aclose()
