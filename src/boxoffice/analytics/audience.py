"""Who signs in and who signs up: a merchant's login and registration records counted per device, country and
(for registrations) the way the account was made."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.analytics import repository as repo
from boxoffice.kit.geography import country

UNKNOWN_DEVICE = "unknown"


@dataclass(frozen=True, slots=True)
class Total:
    name: str
    total: int


@dataclass(frozen=True, slots=True)
class Audience:
    total: int
    per_device: list[Total]
    per_country: list[Total]
    per_register_source: list[Total] = field(default_factory=list)


def _ranked(counts: list[tuple[str | None, int]]) -> list[Total]:
    """Largest first, then by name, so that equal counts always come out in the same order."""
    totals: dict[str, int] = {}
    for name, total in counts:
        key = name or UNKNOWN_DEVICE
        totals[key] = totals.get(key, 0) + total
    return [Total(name, total) for name, total in sorted(totals.items(), key=lambda item: (-item[1], item[0]))]


def _by_country(counts: list[tuple[str | None, int]]) -> list[Total]:
    return _ranked([(country(code).name, total) for code, total in counts])


async def count_logins(session: AsyncSession, merchant_id: int) -> Audience:
    rows = await repo.logins_by_device_and_country(session, merchant_id)
    per_device = _ranked([(device, total) for device, _, total in rows])
    return Audience(sum(t.total for t in per_device), per_device, _by_country([(c, total) for _, c, total in rows]))


async def count_registrations(session: AsyncSession, merchant_id: int) -> Audience:
    rows = await repo.registrations_by_source_device_and_country(session, merchant_id)
    per_device = _ranked([(device, total) for _, device, _, total in rows])
    return Audience(
        sum(t.total for t in per_device),
        per_device,
        _by_country([(code, total) for _, _, code, total in rows]),
        _ranked([(source, total) for source, _, _, total in rows]),
    )
