"""Revenue at a glance, per currency: today, the last 7 and 30 days, and each of the last 30 days, net of refunds.
Summed by the database, a row per currency and day; nothing is loaded row by row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import repository as repo

DAYS = 30


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    paid: int  # minor units of the currency
    refunded: int

    @property
    def net(self) -> int:
        return self.paid - self.refunded


@dataclass(frozen=True, slots=True)
class Revenue:
    """One currency's money in the last DAYS days, every day present (oldest first), today last."""

    currency: str
    days: list[Day]

    def net_over(self, days: int) -> int:
        return sum(day.net for day in self.days[-days:])

    @property
    def today(self) -> int:
        return self.net_over(1)


async def revenue(session: AsyncSession, merchant_id: int, now: datetime) -> list[Revenue]:
    """The merchant's revenue per currency (by code), over the DAYS days that end today (UTC)."""
    first = now.date() - timedelta(days=DAYS - 1)
    since, until = datetime.combine(first, time()), datetime.combine(now.date() + timedelta(days=1), time())
    paid: dict[str, dict[date, int]] = defaultdict(dict)
    refunded: dict[str, dict[date, int]] = defaultdict(dict)
    for currency, day, total in await repo.paid_per_day(session, merchant_id, since, until):
        paid[currency][day] = total
    for currency, day, total in await repo.refunded_per_day(session, merchant_id, since, until):
        refunded[currency][day] = total
    days = [first + timedelta(days=n) for n in range(DAYS)]
    return [
        Revenue(currency, [Day(day, paid[currency].get(day, 0), refunded[currency].get(day, 0)) for day in days])
        for currency in sorted(paid.keys() | refunded.keys())
    ]
