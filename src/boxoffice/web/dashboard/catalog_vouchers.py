"""Vouchers: the merchant's codes a page at a time with what each takes off, how long and how often; a new one made
on a form refused for the merchant API's reasons; one taken out of use (vouchers are kept: payments name them)."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.validation import Problems, whole_number
from boxoffice.promotions import vouchers
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import catalog_forms as read
from boxoffice.web.dashboard.catalog_item_page import Id
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/catalog/vouchers"
PER_PAGE = 20
PERIODS = [
    ("once", "The first charge only"),
    ("repeating", "A number of charges"),
    ("forever", "Every charge"),
]
FIELDS = (
    "name",
    "code",
    "discount",
    "amount_off",
    "currency",
    "rebill_discount",
    "discount_period",
    "discount_duration",
    "start_date",
    "end_date",
    "usage_limit",
    "access_fee_ids",
    "item_ids",
)


def _fields(form: dict[str, str]) -> vouchers.VoucherFields:
    """The form as a voucher's fields; its names are the merchant API's, so the core's refusals land on them."""
    problems = Problems()
    amount_typed = bool(form.get("amount_off", "").strip())
    currency = read.currency(form.get("currency"), problems) if amount_typed else None
    fields = vouchers.VoucherFields(
        name=form.get("name", ""),
        code=form.get("code", ""),
        percent_off=read.number(form.get("discount"), "discount", problems),
        amount_off=read.money(form.get("amount_off"), currency, "amount_off", problems),
        rebill_percent_off=read.number(form.get("rebill_discount"), "rebill_discount", problems),
        discount_period=form.get("discount_period") or None,
        discount_duration=read.number(form.get("discount_duration"), "discount_duration", problems),
        starts_at=read.moment(form.get("start_date"), "start_date", problems),
        ends_at=read.moment(form.get("end_date"), "end_date", problems),
        usage_limit=read.number(form.get("usage_limit"), "usage_limit", problems),
        price_ids=read.ids(form.get("access_fee_ids"), "access_fee_ids", problems),
        product_ids=read.ids(form.get("item_ids"), "item_ids", problems),
    )
    problems.raise_any()
    return fields


# The core names the fields of its refusals as the merchant API does, but for the ids of prices and items.
_FIELD_OF = {"price_ids": "access_fee_ids", "product_ids": "item_ids"}


async def _shown(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.READ_CATALOG)
    number = whole_number(page.request.query_params.get("page")) or 0
    total, found = await vouchers.list_vouchers(page.session, me.merchant.id, page=number, limit=PER_PAGE)
    return page.render(
        "catalog_vouchers.html",
        status,
        vouchers=found,
        total=total,
        page=number,
        pages=(total + PER_PAGE - 1) // PER_PAGE,
        periods=PERIODS,
        **({"values": {"discount_period": "once"}, "told": page.request.query_params.get("told", "")} | values),
    )


@router.get(HERE)
async def voucher_list(page: Dashboard) -> Response:
    return await _shown(page)


@router.post(HERE)
async def create_voucher(page: Dashboard) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        voucher, _ = await vouchers.create_voucher(page.session, me.merchant.id, _fields(form))
    except (InvalidInput, Conflict) as refused:
        if isinstance(refused, InvalidInput):
            status, errors = 422, {_FIELD_OF.get(name, name): text for name, text in refused.errors.items()}
        else:
            status, errors = 409, {"code": refused.message}
        values = {name: form.get(name, "") for name in FIELDS}
        return await _shown(page, status, values=values, errors=errors, told="")
    page.audit_as("Created a voucher", f"voucher {voucher.id}: {voucher.code}")
    return page.redirect(f"{HERE}?told=created")


@router.post(f"{HERE}/{{voucher_id}}/deactivate")
async def deactivate_voucher(page: Dashboard, voucher_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    await page.check_form()
    await vouchers.deactivate_voucher(page.session, me.merchant.id, voucher_id)
    page.audit_as("Deactivated a voucher", f"voucher {voucher_id}")
    return page.redirect(f"{HERE}?told=deactivated")
