"""Vouchers: the merchant's codes, and what one takes off a price.

A use is counted when a payment with the voucher is written and given back if the gateway declines it; the count
is kept by one conditional UPDATE (promotions.repository.take_use), so a voucher of ten uses is used ten times
however many viewers redeem it at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.kit import clock, validation
from boxoffice.kit.errors import Conflict, Missing, NotFound
from boxoffice.kit.money import Money
from boxoffice.promotions import repository as repo
from boxoffice.promotions.models import Voucher, VoucherRule
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused

PERIODS = ("once", "forever", "repeating")
MAX_NAME, MAX_DURATION, MAX_USES = 250, 120, 10_000_000
# The largest amount off, in minor units: as a price's own ceiling, and within the 32-bit column.
MAX_AMOUNT_OFF = 1_000_000_000
_CODE = re.compile(r"^[A-Za-z0-9_-]{3,64}$")


def valid_code(code: str) -> bool:
    """Whether `code` may be a voucher's code (as typed, before it is stored upper-case)."""
    return _CODE.match(code) is not None


@dataclass(slots=True)
class VoucherFields:
    """What a merchant sets on a voucher; on an update, None leaves a field as it is."""

    name: str | None = None
    code: str | None = None
    percent_off: int | None = None
    amount_off: Money | None = None
    rebill_percent_off: int | None = None
    discount_period: str | None = None
    discount_duration: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    price_ids: list[int] | None = None
    product_ids: list[int] | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class Discount:
    voucher: Voucher
    amount_off: int  # minor units of the price's currency
    final_amount: int
    currency: str


def _check(fields: VoucherFields, current: Voucher | None, problems: validation.Problems) -> dict[str, object]:
    """The columns `fields` set on the voucher (`current`, or a new one), checked; a problem goes to `problems`."""
    return (
        _check_name_and_code(fields, current, problems)
        | _check_discount(fields, current, problems)
        | _check_period(fields, current, problems)
        | _check_dates(fields, current, problems)
        | _check_use(fields, problems)
    )


def _check_name_and_code(
    fields: VoucherFields, current: Voucher | None, problems: validation.Problems
) -> dict[str, object]:
    cleaned: dict[str, object] = {}
    if fields.name is not None or current is None:
        cleaned["name"] = validation.required_text(fields.name or "", "name", problems, max_length=MAX_NAME)
    if fields.code is not None or current is None:
        code = (fields.code or "").strip()
        if not valid_code(code):
            problems.add("code", "The code is 3 to 64 letters, digits, dashes or underscores")
        cleaned["code"] = code.upper()
    return cleaned


def _check_discount(fields: VoucherFields, current: Voucher | None, problems: validation.Problems) -> dict[str, object]:
    """What the voucher takes off: a percentage or an amount, never both; and off the charges after the first."""
    cleaned: dict[str, object] = {}
    percent, money = fields.percent_off, fields.amount_off
    if percent is not None or money is not None or current is None:
        if (percent is None) == (money is None):
            problems.add("discount", "Give either a percentage (discount) or an amount_off with its currency")
        elif percent is not None and not 1 <= percent <= 100:
            problems.add("discount", "The discount is a percentage from 1 to 100")
        elif money is not None and money.amount <= 0:
            problems.add("amount_off", "The amount off must be greater than zero")
        elif money is not None and money.amount > MAX_AMOUNT_OFF:
            problems.add("amount_off", "The amount off is too large")
        cleaned |= {
            "percent_off": percent,
            "amount_off": money.amount if money else None,
            "currency": money.currency if money else None,
        }
    if fields.rebill_percent_off is not None:
        if not 0 <= fields.rebill_percent_off <= 100:
            problems.add("rebill_discount", "The rebill discount is a percentage from 0 to 100")
        cleaned["rebill_percent_off"] = fields.rebill_percent_off
    return cleaned


def _check_period(fields: VoucherFields, current: Voucher | None, problems: validation.Problems) -> dict[str, object]:
    """How many of a subscription's charges the discount lasts: once, forever, or a number of them."""
    period = fields.discount_period or (current.discount_period if current else "once")
    if period not in PERIODS:
        problems.add("discount_period", "The discount period is once, forever or repeating")
    duration = (
        fields.discount_duration
        if fields.discount_duration is not None
        else (current.discount_duration if current else None)
    )
    if period == "repeating" and (duration is None or not 1 <= duration <= MAX_DURATION):
        problems.add("discount_duration", f"A repeating discount lasts 1 to {MAX_DURATION} charges")
    return {"discount_period": period, "discount_duration": duration if period == "repeating" else None}


def _check_dates(fields: VoucherFields, current: Voucher | None, problems: validation.Problems) -> dict[str, object]:
    starts = fields.starts_at or (current.starts_at if current else None)
    ends = fields.ends_at or (current.ends_at if current else None)
    if starts and ends and ends <= starts:
        problems.add("end_date", "The end date must be after the start date")
    return {"starts_at": starts, "ends_at": ends}


def _check_use(fields: VoucherFields, problems: validation.Problems) -> dict[str, object]:
    """How many times the voucher may be used, and whether it may be now."""
    cleaned: dict[str, object] = {}
    if fields.usage_limit is not None:
        if not 1 <= fields.usage_limit <= MAX_USES:
            problems.add("usage_limit", "The usage limit is a whole number of uses, at least 1")
        cleaned["usage_limit"] = fields.usage_limit
    if fields.active is not None:
        cleaned["active"] = fields.active
    return cleaned


async def _rules(
    session: AsyncSession, merchant_id: int, fields: VoucherFields, problems: validation.Problems
) -> list[VoucherRule] | None:
    if fields.price_ids is None and fields.product_ids is None:
        return None
    price_ids, product_ids = fields.price_ids or [], fields.product_ids or []
    if len(await catalog_repo.prices_by_ids(session, merchant_id, price_ids)) != len(set(price_ids)):
        problems.add("price_ids", "No access fee of yours has one of these ids")
    if len(await catalog_repo.products_by_ids(session, merchant_id, product_ids)) != len(set(product_ids)):
        problems.add("product_ids", "No item of yours has one of these ids")
    return [VoucherRule(merchant_id=merchant_id, price_id=i) for i in sorted(set(price_ids))] + [
        VoucherRule(merchant_id=merchant_id, product_id=i) for i in sorted(set(product_ids))
    ]


async def _code_free(session: AsyncSession, merchant_id: int, code: object, voucher_id: int | None) -> None:
    if isinstance(code, str) and code:
        taken = await repo.voucher_by_code(session, merchant_id, code)
        if taken is not None and taken.id != voucher_id:
            raise Conflict("Another voucher of yours has this code")


async def create_voucher(
    session: AsyncSession, merchant_id: int, fields: VoucherFields
) -> tuple[Voucher, Sequence[VoucherRule]]:
    problems = validation.Problems()
    cleaned = _check(fields, None, problems)
    rules = await _rules(session, merchant_id, fields, problems)
    problems.raise_any()
    await _code_free(session, merchant_id, cleaned.get("code"), None)
    voucher = Voucher(merchant_id=merchant_id, **cleaned)
    session.add(voucher)
    await session.flush()
    for rule in rules or []:
        rule.voucher_id = voucher.id
        session.add(rule)
    await session.flush()
    return voucher, rules or []


async def get_voucher(
    session: AsyncSession, merchant_id: int, voucher_id: int
) -> tuple[Voucher, Sequence[VoucherRule]]:
    voucher = await repo.voucher_by_id(session, merchant_id, voucher_id)
    if voucher is None:
        raise NotFound("Voucher not found")
    return voucher, await repo.rules_of(session, merchant_id, voucher_id)


async def list_vouchers(
    session: AsyncSession, merchant_id: int, *, page: int, limit: int
) -> tuple[int, list[tuple[Voucher, Sequence[VoucherRule]]]]:
    total, rows = await repo.vouchers_page(session, merchant_id, offset=page * limit, limit=limit)
    return total, [(v, await repo.rules_of(session, merchant_id, v.id)) for v in rows]


async def update_voucher(
    session: AsyncSession, merchant_id: int, voucher_id: int, fields: VoucherFields
) -> tuple[Voucher, Sequence[VoucherRule]]:
    voucher, _ = await get_voucher(session, merchant_id, voucher_id)
    problems = validation.Problems()
    cleaned = _check(fields, voucher, problems)
    rules = await _rules(session, merchant_id, fields, problems)
    problems.raise_any()
    await _code_free(session, merchant_id, cleaned.get("code"), voucher.id)
    for name, value in cleaned.items():
        setattr(voucher, name, value)
    if rules is not None:
        await repo.drop_rules(session, merchant_id, voucher.id)
        for rule in rules:
            rule.voucher_id = voucher.id
            session.add(rule)
    await session.flush()
    return voucher, await repo.rules_of(session, merchant_id, voucher.id)


async def deactivate_voucher(session: AsyncSession, merchant_id: int, voucher_id: int) -> None:
    """Vouchers are never deleted: payments name them. A deactivated one takes nothing off any more."""
    voucher, _ = await get_voucher(session, merchant_id, voucher_id)
    voucher.active = False
    await session.flush()


def amount_off(voucher: Voucher, amount: int) -> int:
    """What the voucher takes off `amount`: a percentage rounded half up, or a fixed amount, never below zero."""
    if voucher.percent_off is not None:
        return min(amount, (amount * voucher.percent_off + 50) // 100)
    return min(amount, voucher.amount_off or 0)


async def discount_for(session: AsyncSession, merchant_id: int, voucher_code: str | None, price: Price) -> Discount:
    """The discount `voucher_code` gives on `price` now; VoucherRefused saying why not."""
    voucher = await repo.voucher_by_code(session, merchant_id, (voucher_code or "").strip().upper())
    now = clock.now()
    if voucher is None or not voucher.active:
        raise VoucherRefused(VoucherRefusal.NOT_FOUND)
    if voucher.starts_at and voucher.starts_at > now:
        raise VoucherRefused(VoucherRefusal.NOT_STARTED)
    if voucher.ends_at and voucher.ends_at <= now:
        raise VoucherRefused(VoucherRefusal.EXPIRED)
    if voucher.usage_limit is not None and voucher.usage_count >= voucher.usage_limit:
        raise VoucherRefused(VoucherRefusal.USED_UP)
    rules = await repo.rules_of(session, merchant_id, voucher.id)
    if rules and not any(r.price_id == price.id or r.product_id == price.product_id for r in rules):
        raise VoucherRefused(VoucherRefusal.WRONG_PRICE)
    if voucher.currency is not None and voucher.currency != price.currency:
        raise VoucherRefused(
            VoucherRefusal.WRONG_CURRENCY, voucher_currency=voucher.currency, price_currency=price.currency
        )
    off = amount_off(voucher, price.amount)
    return Discount(voucher, off, price.amount - off, price.currency)


async def discount_on(session: AsyncSession, merchant_id: int, voucher_code: str | None, price_id: int) -> Discount:
    """What `voucher_code` makes of one of the merchant's prices (the viewer's question before paying)."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    return await discount_for(session, merchant_id, voucher_code, price)


async def use(session: AsyncSession, merchant_id: int, voucher_id: int) -> None:
    """Count a use in the caller's transaction; VoucherRefused when the last one was just taken."""
    if not await repo.take_use(session, merchant_id, voucher_id):
        raise VoucherRefused(VoucherRefusal.USED_UP)


async def give_back(session: AsyncSession, merchant_id: int, voucher_id: int) -> None:
    await repo.give_back_use(session, merchant_id, voucher_id)
