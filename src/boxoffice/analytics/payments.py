"""Money taken and given back in a period, per way of paying and per currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import repository as repo
from boxoffice.kit.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class MethodTotal:
    count: int
    per_currency: dict[str, int]  # minor units


@dataclass(frozen=True, slots=True)
class MoneyTotals:
    count: int
    per_method: dict[str, MethodTotal]  # by gateways.methods kind


@dataclass(frozen=True, slots=True)
class PaymentAnalytics:
    payments: MoneyTotals
    refunds: MoneyTotals


def _totals(rows: repo.MoneyCounts) -> MoneyTotals:
    counts: dict[str, int] = {}
    amounts: dict[str, dict[str, int]] = {}
    for method, currency, count, amount in sorted(rows):
        counts[method] = counts.get(method, 0) + count
        amounts.setdefault(method, {})[currency] = amount
    per_method = {method: MethodTotal(counts[method], amounts[method]) for method in counts}
    return MoneyTotals(sum(counts.values()), per_method)


async def count_payments(
    session: AsyncSession, merchant_id: int, *, since: datetime | None, until: datetime | None
) -> PaymentAnalytics:
    """Successful payments made, and refunds paid out, from `since` until (not including) `until`."""
    if since is not None and until is not None and since >= until:
        raise InvalidInput({"end_date": "The end date must be after the start date"})
    return PaymentAnalytics(
        _totals(await repo.payments_by_method(session, merchant_id, since, until)),
        _totals(await repo.refunds_by_method(session, merchant_id, since, until)),
    )
