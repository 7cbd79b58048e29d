"""Vouchers: the merchant's CRUD (`/vouchers`, the contract) and the SDK's `Voucher.getDiscount`
(`POST /vouchers/discount`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter

from boxoffice.dialects.inplayer import render
from boxoffice.dialects.inplayer.amounts import amount, decimal_field, money_of
from boxoffice.dialects.inplayer.deps import Body, CurrentCustomer, CurrentMerchant, PageOf, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, flag, integer, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit.errors import InvalidInput
from boxoffice.promotions import vouchers
from boxoffice.promotions.models import Voucher, VoucherRule

router = APIRouter(route_class=InPlayerRoute, tags=["vouchers"])


def _ids(body: dict[str, Any], name: str) -> list[int] | None:
    values = strings(body, name)
    if values is None:
        return None
    if not all(v.isascii() and v.isdigit() and 0 < len(v) <= 18 for v in values):
        raise InvalidInput({name: f"The {name} are ids"})
    return [int(v) for v in values]


def _fields(body: dict[str, Any]) -> vouchers.VoucherFields:
    off = decimal_field(body, "amount_off")
    currency = (text(body, "currency") or "").strip().upper() or None
    return vouchers.VoucherFields(
        name=text(body, "name"),
        code=text(body, "code"),
        percent_off=integer(body, "discount"),
        amount_off=money_of(off, currency, "amount_off") if off is not None else None,
        rebill_percent_off=integer(body, "rebill_discount"),
        discount_period=text(body, "discount_period"),
        discount_duration=integer(body, "discount_duration"),
        starts_at=date_time(body, "start_date"),
        ends_at=date_time(body, "end_date"),
        usage_limit=integer(body, "usage_limit"),
        price_ids=_ids(body, "access_fee_ids"),
        product_ids=_ids(body, "item_ids"),
        active=flag(body, "active"),
    )


def _voucher(voucher: Voucher, rules: Sequence[VoucherRule]) -> dict[str, Any]:
    return {
        "id": voucher.id,
        "name": voucher.name,
        "code": voucher.code,
        "discount": voucher.percent_off,
        "amount_off": amount(voucher.amount_off, voucher.currency) if voucher.amount_off and voucher.currency else None,
        "currency": voucher.currency,
        "rebill_discount": voucher.rebill_percent_off,
        "discount_period": voucher.discount_period,
        "discount_duration": voucher.discount_duration,
        "start_date": render.ts(voucher.starts_at),
        "end_date": render.ts(voucher.ends_at),
        "usage_limit": voucher.usage_limit,
        "usage_counter": voucher.usage_count,
        "active": voucher.active,
        "rules": [
            {
                "id": rule.id,
                "rule_type": "access-fees" if rule.price_id is not None else "items",
                "value": rule.price_id if rule.price_id is not None else rule.product_id,
                "voucher": voucher.id,
            }
            for rule in rules
        ],
        "created_at": render.ts(voucher.created_at),
    }


@router.post("/vouchers", status_code=201)
async def create_voucher(session: Session, merchant: CurrentMerchant, body: Body) -> dict[str, Any]:
    return _voucher(*await vouchers.create_voucher(session, merchant.id, _fields(body)))


@router.get("/vouchers")
async def list_vouchers(
    session: Session,
    merchant: CurrentMerchant,
    paging: PageOf,
) -> dict[str, Any]:
    page, per_page = paging.page, paging.per_page
    total, rows = await vouchers.list_vouchers(session, merchant.id, page=page, limit=per_page)
    return render.page(total, page, per_page, [_voucher(v, rules) for v, rules in rows])


@router.get("/vouchers/{voucher_id}")
async def get_voucher(session: Session, merchant: CurrentMerchant, voucher_id: PathId) -> dict[str, Any]:
    return _voucher(*await vouchers.get_voucher(session, merchant.id, voucher_id))


@router.put("/vouchers/{voucher_id}")
async def update_voucher(session: Session, merchant: CurrentMerchant, voucher_id: PathId, body: Body) -> dict[str, Any]:
    return _voucher(*await vouchers.update_voucher(session, merchant.id, voucher_id, _fields(body)))


@router.delete("/vouchers/{voucher_id}")
async def delete_voucher(session: Session, merchant: CurrentMerchant, voucher_id: PathId) -> dict[str, Any]:
    await vouchers.deactivate_voucher(session, merchant.id, voucher_id)
    return render.message("Voucher deactivated")


@router.post("/vouchers/discount")
async def get_discount(session: Session, customer: CurrentCustomer, body: Body) -> dict[str, Any]:
    """The price after the voucher (`amount`), and for how many charges the discount lasts."""
    price_id = integer(body, "access_fee_id")
    if price_id is None:
        raise InvalidInput({"access_fee_id": "The access fee is required"})
    discount = await vouchers.discount_on(session, customer.merchant_id, text(body, "voucher_code"), price_id)
    voucher, currency = discount.voucher, discount.currency
    return {
        "amount": amount(discount.final_amount, currency),
        "discount_duration": voucher.discount_duration if voucher.discount_period == "repeating" else None,
        "discount_period": voucher.discount_period,
        "currency_iso": currency,
    }
