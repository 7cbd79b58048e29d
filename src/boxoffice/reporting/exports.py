"""What each export's CSV holds, and writing one: rows are streamed from the database and written as they come,
so an export of millions of rows holds a batch or two in memory at a time.

Each row is written the way `_cells` and the CSV writer would write it, but in one formatted line: nearly every
cell is written as it is, so a batch's lines are checked together (`_as_written`) and only a row with a cell to
quote or make inert goes through `_cells` and the CSV writer. That keeps an export of a million rows to a few
seconds of Python rather than half a minute."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.kit.money import Money
from boxoffice.reporting import repository as repo
from boxoffice.reporting.narrowing import EVERYTHING, Narrowing

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
    """`2006-01-02 15:04:05`: what strftime("%Y-%m-%d %H:%M:%S") writes (for any year from 1000), in a third of
    its time."""
    return "" if moment is None else moment.isoformat(" ")[:19]


@cache
def _places(currency: str) -> int:
    return Money(0, currency).exponent  # refusing a malformed code as Money does


@lru_cache(maxsize=4096)  # most of an export's amounts are a few prices
def _money(minor: int, currency: str) -> str:
    """`str(Money(minor, currency).as_decimal())` (4.99, 500, 0.005, -2.50), by integer arithmetic: the same
    digits without a Money and a Decimal."""
    places = _places(currency)
    if not places:
        return str(minor)
    whole, part = divmod(-minor if minor < 0 else minor, 10**places)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{places}d}"


def _metadata(attributes: dict[str, Any] | None) -> str:
    return json.dumps(attributes, separators=(",", ":"), sort_keys=True) if attributes else "{}"


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
            _metadata(metadata),
        ]
    at, *middle = row
    return [_when(at), *("" if cell is None else cell for cell in middle)]


# Each kind's rows as lines, cell for cell as `_cells` makes them. A column that may be empty (nullable, or from
# an outer join) is blanked as `_cells` blanks it; the others are NOT NULL, where a None would be written "None".
Lines = Callable[[Sequence[Sequence[Any]]], list[str]]


def _transaction_lines(rows: Sequence[Sequence[Any]]) -> list[str]:
    return [
        f"{type_},{id_},{_when(at)},{customer},{email},{item},{title},{paid_for},{_money(amount, currency)},"
        f"{_money(discount, currency)},{currency},{method},{gateway},{status},{refunded_payment or ''},"
        f"{country or ''}\r\n"
        for (
            type_,
            id_,
            at,
            customer,
            email,
            item,
            title,
            paid_for,
            amount,
            discount,
            currency,
            method,
            gateway,
            status,
            refunded_payment,
            country,
        ) in rows
    ]


def _subscription_lines(rows: Sequence[Sequence[Any]]) -> list[str]:
    return [
        f"{id_},{_when(at)},{customer},{email},{item},{title},{price},{description},{status},"
        f"{_money(amount, currency)},{currency},{quantity} {unit},{country or ''},{_when(trial_end)},"
        f"{_when(period_end)},{_when(canceled)},{_when(ended)}\r\n"
        for (
            id_,
            at,
            customer,
            email,
            item,
            title,
            price,
            description,
            status,
            amount,
            currency,
            quantity,
            unit,
            country,
            trial_end,
            period_end,
            canceled,
            ended,
        ) in rows
    ]


def _customer_lines(rows: Sequence[Sequence[Any]]) -> list[str]:
    return [
        f"{id_},{uuid},{email},{name},{_when(at)},{source},{int(bool(active))},{country or ''},{device or ''},"
        f"{referrer or ''},{_metadata(metadata)}\r\n"
        for id_, uuid, email, name, at, source, active, country, device, referrer, metadata in rows
    ]


def _content_request_lines(rows: Sequence[Sequence[Any]]) -> list[str]:
    return [
        f"{_when(at)},{item},{title},{_blank(customer)},{_blank(email)},{outcome},{requests},{_blank(ip)},"
        f"{_blank(country)},{device},{_blank(os)},{_blank(referrer)}\r\n"
        for at, item, title, customer, email, outcome, requests, ip, country, device, os, referrer in rows
    ]


def _blank(cell: Any) -> Any:
    return "" if cell is None else cell


_LINES: dict[str, Lines] = {
    "transactions": _transaction_lines,
    "subscriptions": _subscription_lines,
    "customers": _customer_lines,
    "content_requests": _content_request_lines,
}


def _as_written(text: str, rows: int, columns: int) -> bool:
    """Whether the CSV writer, given `_inert`'s cells, would have written `text` as it is: `rows` lines of
    `columns` cells joined by commas, each line ending in CRLF, none of the cells holding a comma, a quote or a
    line break (the writer would quote it) or starting like a formula (`_inert` would mark it). A whole batch
    at once, in C: cheaper than looking at each cell."""
    return (
        text.count(",") == rows * (columns - 1)
        and text.count("\n") == rows
        and text.count("\r") == rows
        and '"' not in text
        and "\t" not in text
        and not any(start[1] in text and start in text for start in _FORMULA_STARTS)
    )


# A cell starts after a comma: a line's first cell is its row's type, id or time, which no one writes. A plus
# in an address or an equals sign in a link are common, so the pair is looked for only where the sign is there.
_FORMULA_STARTS = tuple(f",{mark}" for mark in _FORMULA if mark not in "\t\r")


async def write_csv(
    session: AsyncSession,
    out: TextIO,
    kind: str,
    merchant_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    item_id: int | None = None,
    narrowed: Narrowing = EVERYTHING,
    progress: Progress | None = None,
) -> int:
    """Write the export to `out` (opened with newline=""); returns how many rows it holds."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS[kind])
    lines_of, columns = _LINES[kind], len(COLUMNS[kind])
    written = 0
    rows = repo.stream_rows(session, kind, merchant_id, since, until, item_id, narrowed)
    async with contextlib.aclosing(rows) as batches:
        async for batch in batches:
            lines = lines_of(batch)
            text = "".join(lines)
            if _as_written(text, len(lines), columns):
                out.write(text)
            else:
                for row, line in zip(batch, lines, strict=True):
                    if _as_written(line, 1, columns):
                        out.write(line)
                    else:
                        writer.writerow([_inert(cell) for cell in _cells(kind, row)])
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
