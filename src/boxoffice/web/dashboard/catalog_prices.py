"""An item's prices: added and changed on a form of every term the core's price takes (its access type, amount and
currency, a subscription's trial and setup fee, the sale window, the countries it is sold in), refused with the
same reasons as the merchant API's access fees; taken off sale and put back."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.catalog import listing
from boxoffice.catalog import service as catalog
from boxoffice.catalog.models import Price
from boxoffice.catalog.service import TRIAL_UNITS
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.money import Money
from boxoffice.kit.validation import Problems
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import catalog_forms as read
from boxoffice.web.dashboard.catalog_item_page import Id
from boxoffice.web.dashboard.catalog_terms import ACCESS_TYPE_CHOICES, terms_of
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
ITEM = f"{PATH}/catalog/items/{{item_id}}"

TRIAL_CHOICES = [("", "No trial"), *((unit, f"{unit.capitalize()}s") for unit in TRIAL_UNITS)]
PRICE_FIELDS = (
    "access_type_id",
    "amount",
    "currency",
    "description",
    "trial_quantity",
    "trial_unit",
    "trial_description",
    "setup_fee_amount",
    "setup_fee_description",
    "starts_at",
    "expires_at",
    "country_set_id",
)


def _decimal(amount: int | None, currency: str) -> str:
    return "" if amount is None else str(Money(amount, currency).as_decimal())


def _values_of(price: Price) -> dict[str, str]:
    return {
        "access_type_id": str(price.access_type_id),
        "amount": _decimal(price.amount, price.currency),
        "currency": price.currency,
        "description": price.description,
        "trial_quantity": str(price.trial_period_quantity or ""),
        "trial_unit": price.trial_period_unit or "",
        "trial_description": price.trial_description,
        "setup_fee_amount": _decimal(price.setup_fee_amount, price.currency),
        "setup_fee_description": price.setup_fee_description,
        "starts_at": read.shown_moment(price.starts_at),
        "expires_at": read.shown_moment(price.expires_at),
        "country_set_id": str(price.country_set_id or ""),
    }


def _changes(form: dict[str, str], *, editing: bool) -> catalog.PriceChanges:
    """The form as a change of the price's terms. On an edit an empty optional field removes that term, and a date
    sent as the form showed it is left as it is (a sale that began in the past is not a new start in the past)."""
    problems = Problems()
    currency = read.currency(form.get("currency"), problems)
    money = read.money(form.get("amount"), currency, "amount", problems)
    if editing and not form.get("amount", "").strip():
        problems.add("amount", "The amount is required")
    setup_fee = read.money(form.get("setup_fee_amount"), currency, "setup_fee_amount", problems)
    trial_quantity = read.number(form.get("trial_quantity"), "trial_quantity", problems)
    trial_unit = form.get("trial_unit", "").strip() or None
    moments = {}
    for field in ("starts_at", "expires_at"):
        sent = form.get(field, "").strip()
        kept = editing and sent == form.get(f"shown_{field}", "").strip()
        moments[field] = None if kept else read.moment(sent, field, problems)
    access_type_id = read.number(form.get("access_type_id"), "access_type_id", problems)
    country_set_id = read.number(form.get("country_set_id"), "country_set_id", problems)
    problems.raise_any()
    return catalog.PriceChanges(
        access_type_id=access_type_id,
        money=money,
        description=form.get("description", ""),
        starts_at=moments["starts_at"],
        clear_starts_at=editing and not form.get("starts_at", "").strip(),
        expires_at=moments["expires_at"],
        clear_expires_at=editing and not form.get("expires_at", "").strip(),
        trial_quantity=trial_quantity,
        trial_unit=trial_unit,
        trial_description=form.get("trial_description", ""),
        clear_trial=editing and trial_quantity is None and trial_unit is None,
        setup_fee=setup_fee,
        setup_fee_description=form.get("setup_fee_description", ""),
        clear_setup_fee=editing and setup_fee is None,
        country_set_id=country_set_id,
        clear_country_set=editing and not form.get("country_set_id", "").strip(),
    )


async def _form_page(
    page: DashboardContext, item_id: int, price_id: int | None, status: int = 200, **values: object
) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    found = await listing.price_form(page.session, me.merchant.id, item_id, price_id)
    shown = {"currency": "EUR", "access_type_id": "7"} if found.price is None else _values_of(found.price)
    return page.render(
        "catalog_price.html",
        status,
        item=found.product,
        price=found.price,
        terms=terms_of(found.price) if found.price else "",
        access_types=ACCESS_TYPE_CHOICES,
        trial_units=TRIAL_CHOICES,
        country_sets=[("", "Every country"), *((str(s.id), f"{s.name} ({s.type})") for s in found.country_sets)],
        # What the form showed of the sale window, sent back to tell an unchanged date from a new one.
        shown_moments={field: shown.get(field, "") for field in ("starts_at", "expires_at")},
        **({"values": shown} | values),
    )


def _refused(refused: InvalidInput | Conflict) -> tuple[int, dict[str, str]]:
    if isinstance(refused, InvalidInput):
        return 422, refused.errors
    return 409, {"price": refused.message}


@router.get(f"{ITEM}/prices/new")
async def new_price(page: Dashboard, item_id: Id) -> Response:
    return await _form_page(page, item_id, None)


@router.post(f"{ITEM}/prices")
async def create_price(page: Dashboard, item_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        price = await catalog.create_price(page.session, me.merchant.id, item_id, _changes(form, editing=False))
    except (InvalidInput, Conflict) as refused:
        status, errors = _refused(refused)
        values = {name: form.get(name, "") for name in PRICE_FIELDS}
        return await _form_page(page, item_id, None, status, values=values, errors=errors)
    page.audit_as("Created a price", f"price {price.id} of item {item_id}: {terms_of(price)}")
    return page.redirect(f"{PATH}/catalog/items/{item_id}?told=price-created")


@router.get(f"{ITEM}/prices/{{price_id}}")
async def price(page: Dashboard, item_id: Id, price_id: Id) -> Response:
    return await _form_page(page, item_id, price_id)


@router.post(f"{ITEM}/prices/{{price_id}}")
async def edit_price(page: Dashboard, item_id: Id, price_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        changes = _changes(form, editing=True)
        price = await catalog.update_price(page.session, me.merchant.id, item_id, price_id, changes)
    except (InvalidInput, Conflict) as refused:
        status, errors = _refused(refused)
        values = {name: form.get(name, "") for name in PRICE_FIELDS}
        return await _form_page(page, item_id, price_id, status, values=values, errors=errors)
    page.audit_as("Changed a price", f"price {price.id} of item {item_id}: {terms_of(price)}")
    return page.redirect(f"{PATH}/catalog/items/{item_id}?told=price-changed")


@router.post(f"{ITEM}/prices/{{price_id}}/active")
async def switch_price(page: Dashboard, item_id: Id, price_id: Id) -> Response:
    """Takes the price off sale (`active=no`: what was bought at it goes on) or puts it back (`active=yes`)."""
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    active = form.get("active") == "yes"
    changes = catalog.PriceChanges(active=active)
    price = await catalog.update_price(page.session, me.merchant.id, item_id, price_id, changes)
    page.audit_as("Put a price on sale" if active else "Took a price off sale", f"price {price.id} of item {item_id}")
    return page.redirect(f"{PATH}/catalog/items/{item_id}?told=price-{'activated' if active else 'deactivated'}")
