"""What each export's CSV holds, and writing one: rows are streamed from the database and written as they come,
so an export of millions of rows holds one batch in memory at a time."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.money import Money
from boxoffice.reporting import repository as repo

COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": (
        "type",
        "id",
        "created_at",
        "customer_id",
        "customer_email",
        "item_id",
        "item_title",
        "kind",
        "amount",
        "discount",
        "currency",
        "method",
        "gateway",
        "status",
        "refunded_payment_id",
        "country",
    ),
    "subscriptions": (
        "id",
        "created_at",
        "customer_id",
        "customer_email",
        "item_id",
        "item_title",
        "price_id",
        "price_description",
        "status",
        "amount",
        "currency",
        "period",
        "country",
        "trial_ends_at",
        "current_period_end",
        "canceled_at",
        "ended_at",
    ),
    "customers": (
        "id",
        "uuid",
        "email",
        "full_name",
        "created_at",
        "register_source",
        "active",
        "country",
        "device",
        "referrer",
        "metadata",
    ),
    "content_requests": (
        "date",
        "item_id",
        "item_title",
        "customer_id",
        "customer_email",
        "outcome",
        "requests",
        "ip_address",
        "country",
        "device",
        "os",
        "referrer",
    ),
}
EXPORTS = ("transactions", "subscriptions", "customers")
KINDS = (*EXPORTS, "content_requests")
Progress = Callable[[int], None]


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _money(minor: int, currency: str) -> str:
    return str(Money(minor, currency).as_decimal())


# A spreadsheet opening the file would run a cell starting with one of these as a formula; customers write
# names, e-mail addresses and referrers, so such a cell is quoted (OWASP's advice for CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: Any) -> Any:
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA) else cell


def _cells(kind: str, row: Sequence[Any]) -> list[Any]:
    """One row as the CSV writes it: times in UTC as `2006-01-02 15:04:05`, money as decimal major units."""
    if kind == "transactions":
        type_, id_, at, customer, email, item, title, paid_for, amount, discount, currency, *rest = row
        method, gateway, status, refunded_payment, country = rest
        return [
            type_,
            id_,
            _when(at),
            customer,
            email,
            item,
            title,
            paid_for,
            _money(amount, currency),
            _money(discount, currency),
            currency,
            method,
            gateway,
            status,
            refunded_payment or "",
            country or "",
        ]
    if kind == "subscriptions":
        id_, at, customer, email, item, title, price, description, status, amount, currency, *rest = row
        quantity, unit, country, trial_end, period_end, canceled, ended = rest
        return [
            id_,
            _when(at),
            customer,
            email,
            item,
            title,
            price,
            description,
            status,
            _money(amount, currency),
            currency,
            f"{quantity} {unit}",
            country or "",
            _when(trial_end),
            _when(period_end),
            _when(canceled),
            _when(ended),
        ]
    if kind == "customers":
        *head, at, source, active, country, device, referrer, metadata = row
        return [
            *head,
            _when(at),
            source,
            int(bool(active)),
            country or "",
            device or "",
            referrer or "",
            json.dumps(metadata or {}, separators=(",", ":"), sort_keys=True),
        ]
    at, *middle = row
    return [_when(at), *("" if cell is None else cell for cell in middle)]


async def write_csv(
    session: AsyncSession,
    out: TextIO,
    kind: str,
    merchant_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the export to `out` (opened with newline=""); returns how many rows it holds."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS[kind])
    written = 0
    async with contextlib.aclosing(repo.stream_rows(session, kind, merchant_id, since, until, item_id)) as batches:
        async for batch in batches:
            writer.writerows([_inert(cell) for cell in _cells(kind, row)] for row in batch)
            written += len(batch)
            if progress is not None:
                progress(len(batch))
    return written


async def count_rows(
    session: AsyncSession,
    kind: str,
    merchant_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None = None,
) -> int:
    return await repo.count_rows(session, kind, merchant_id, since, until, item_id)
