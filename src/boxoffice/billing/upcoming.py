"""What a subscription's next renewal will charge, worked out as the renewal works it out (billing.periods): the
period's price (a pending switch's, once the renewal applies it), less a voucher's discount still running and the
credit the subscription holds. Clients show it as the next payment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import periods
from boxoffice.billing.models import PlanSwitch, Subscription
from boxoffice.billing.rows import SubscriptionFields
from boxoffice.catalog import repository as catalog_repo
from boxoffice.promotions import repository as promotions_repo
from boxoffice.promotions.models import Voucher


async def vouchers_in_use(session: AsyncSession, subscriptions: Sequence[SubscriptionFields]) -> dict[int, Voucher]:
    """By voucher id, the vouchers still taking something off these subscriptions' charges."""
    by_merchant: dict[int, list[int]] = defaultdict(list)
    for s in subscriptions:
        if s.voucher_id is not None and s.discounted_charges_left != 0:
            by_merchant[s.merchant_id].append(s.voucher_id)
    found: dict[int, Voucher] = {}
    for merchant_id, ids in by_merchant.items():
        found |= await promotions_repo.vouchers_by_ids(session, merchant_id, ids)
    return found


async def next_charges(
    session: AsyncSession,
    merchant_id: int,
    subscriptions: Sequence[Subscription],
    pending: Mapping[int, PlanSwitch],
) -> dict[int, int]:
    """By subscription id, in minor units of its currency; `pending` is their pending switches by subscription id
    (billing.switches.pending_switches), which the caller shows too."""
    vouchers = await vouchers_in_use(session, subscriptions)
    prices = await catalog_repo.prices_by_ids(session, merchant_id, [p.to_price_id for p in pending.values()])
    amounts: dict[int, int] = {}
    for s in subscriptions:
        switch = pending.get(s.id)
        amount = prices[switch.to_price_id].amount if switch is not None else None
        voucher = vouchers.get(s.voucher_id or 0)
        amounts[s.id] = periods.charge_for_next_period(s, voucher, first=s.cycle == 0, amount=amount).amount
    return amounts
