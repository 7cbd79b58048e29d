"""Vouchers: the merchant's CRUD (`/vouchers`, the contract) and the SDK's `Voucher.getDiscount`
(`POST /vouchers/discount`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from typing_extensions import TypedDict

from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.amounts import amount, decimal_field, money_of
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import CurrentCustomer, CurrentMerchant, PageOf, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, flag, integer, strings, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.kit.errors import InvalidInput
from boxoffice.promotions import vouchers
from boxoffice.promotions.models import Voucher, VoucherRule

router = APIRouter(route_class=InPlayerRoute, tags=["vouchers"])

VOUCHER_FIELDS = (
    bodies.text("code", "What the viewer types"),
    bodies.integer("discount", "Percent off"),
    bodies.amount("amount_off", "Or an amount off, such as 2.50 (with `currency`)"),
    bodies.text("currency", "The currency of `amount_off`"),
    bodies.integer("rebill_discount", "Percent off each renewal"),
    bodies.text("discount_period", "`once`, `repeating` or `forever`"),
    bodies.integer("discount_duration", "For `repeating`: how many charges"),
    bodies.moment("start_date", "When it starts to work"),
    bodies.moment("end_date", "When it stops working"),
    bodies.integer("usage_limit", "How many times it may be used"),
    bodies.strings("access_fee_ids", "The access fees it applies to", numbers=True),
    bodies.strings("item_ids", "The items whose access fees it applies to", numbers=True),
    bodies.flag("active", "Whether it can be used"),
)
NEW_VOUCHER = bodies.form(bodies.text("name", "The merchant's name for it", required=True), *VOUCHER_FIELDS)
CHANGED_VOUCHER = bodies.form(
    bodies.text("name", "The merchant's name for it"),
    *VOUCHER_FIELDS,
    description="Fields not sent are left as they are",
)
DISCOUNT = bodies.form(
    bodies.integer("access_fee_id", "The access fee the voucher is for", required=True),
    bodies.text("voucher_code", "The voucher's code", required=True),
)


class VoucherRuleBody(TypedDict):
    id: int
    rule_type: str
    value: int | None
    voucher: int


class VoucherBody(TypedDict):
    id: int
    name: str
    code: str
    discount: int | None
    amount_off: int | float | None
    currency: str | None
    rebill_discount: int | None
    discount_period: str
    discount_duration: int | None
    start_date: int | None
    end_date: int | None
    usage_limit: int | None
    usage_counter: int
    active: bool
    rules: list[VoucherRuleBody]
    created_at: int | None


class Discount(TypedDict):
    amount: int | float
    discount_duration: int | None
    discount_period: str
    currency_iso: str


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


def _voucher(voucher: Voucher, rules: Sequence[VoucherRule]) -> VoucherBody:
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
async def create_voucher(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(NEW_VOUCHER)]
) -> VoucherBody:
    """Create a voucher: a percentage or an amount off access fees or items."""
    return _voucher(*await vouchers.create_voucher(session, merchant.id, _fields(body)))


@router.get("/vouchers")
async def list_vouchers(
    session: Session,
    merchant: CurrentMerchant,
    paging: PageOf,
) -> render.Page[VoucherBody]:
    """The merchant's vouchers, a page at a time."""
    page, per_page = paging.page, paging.per_page
    total, rows = await vouchers.list_vouchers(session, merchant.id, page=page, limit=per_page)
    return render.page(total, page, per_page, [_voucher(v, rules) for v, rules in rows])


@router.get("/vouchers/{voucher_id}")
async def get_voucher(session: Session, merchant: CurrentMerchant, voucher_id: PathId) -> VoucherBody:
    """One of the merchant's vouchers."""
    return _voucher(*await vouchers.get_voucher(session, merchant.id, voucher_id))


@router.put("/vouchers/{voucher_id}")
async def update_voucher(
    session: Session, merchant: CurrentMerchant, voucher_id: PathId, body: Annotated[Fields, Depends(CHANGED_VOUCHER)]
) -> VoucherBody:
    """Change a voucher."""
    return _voucher(*await vouchers.update_voucher(session, merchant.id, voucher_id, _fields(body)))


@router.delete("/vouchers/{voucher_id}")
async def delete_voucher(session: Session, merchant: CurrentMerchant, voucher_id: PathId) -> render.Message:
    """Deactivate a voucher (it is kept, for the payments that used it)."""
    await vouchers.deactivate_voucher(session, merchant.id, voucher_id)
    return render.message("Voucher deactivated")


@router.post("/vouchers/discount")
async def get_discount(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(DISCOUNT)]
) -> Discount:
    """What an access fee costs with a voucher: the SDK's `getDiscount`.

    The price after the voucher (`amount`), and for how many charges the discount lasts."""
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
