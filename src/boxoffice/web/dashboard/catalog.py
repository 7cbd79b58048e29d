"""The catalog's items: every type of asset and packages, a page at a time with their prices; an item's page, where
it is edited, taken off sale or put back, and previewed as the hosted pages show it."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.catalog import listing
from boxoffice.catalog import service as catalog
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.kit.validation import Problems, whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import (
    catalog_codes,
    catalog_donations,
    catalog_gifts,
    catalog_packages,
    catalog_prices,
    catalog_sign_up,
    catalog_vouchers,
)
from boxoffice.web.dashboard import catalog_forms as read
from boxoffice.web.dashboard.catalog_item_page import ACCESS_CONTROLS, TYPE_NAMES, TYPES, Id, item_page
from boxoffice.web.dashboard.catalog_terms import terms_of
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
HERE = f"{PATH}/catalog"
PER_PAGE = 20

STATES = [("", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")]
ITEM_FIELDS = (
    "title",
    "asset_type",
    "access_control",
    "description",
    "content",
    "external_asset_id",
    "playback_url_prefix",
    "min_age",
    "country_set_id",
    "plan_switch_enabled",
)


def _item_changes(form: dict[str, str]) -> catalog.ProductChanges:
    """The item's form as a change of every field it shows: an empty optional field removes what it held."""
    problems = Problems()
    min_age = read.number(form.get("min_age"), "min_age", problems)
    country_set_id = read.number(form.get("country_set_id"), "country_set_id", problems)
    problems.raise_any()
    return catalog.ProductChanges(
        title=form.get("title", ""),
        asset_type=form.get("asset_type", ""),
        access_control=form.get("access_control", ""),
        content=form.get("content", ""),
        external_asset_id=form.get("external_asset_id", ""),
        playback_url_prefix=form.get("playback_url_prefix", ""),
        min_age=min_age,
        clear_min_age=min_age is None,
        country_set_id=country_set_id,
        clear_country_set=country_set_id is None,
        plan_switch_enabled=form.get("plan_switch_enabled") == "yes",
        description=form.get("description", ""),
    )


@router.get(HERE)
async def items(page: Dashboard) -> Response:
    me = page.require(Permission.READ_CATALOG)
    query = page.request.query_params
    search, kind, state = query.get("q", ""), query.get("type", ""), query.get("state", "")
    number = whole_number(query.get("page")) or 0
    shown = {"q": search, "type": kind, "state": state}
    problems = Problems()
    try:
        read.search(search, problems)
        problems.raise_any()
        found = await listing.list_products_with_prices(
            page.session,
            me.merchant.id,
            search=search,
            asset_type=kind or None,
            active={"active": True, "inactive": False}.get(state),
            page=number,
            limit=PER_PAGE,
        )
    except InvalidInput as refused:
        # The core names the type filter by its own name.
        errors = {"type" if name == "asset_type" else name: text for name, text in refused.errors.items()}
        found, status = listing.ProductsPage(0, []), 422
    else:
        status, errors = 200, {}
    return page.render(
        "catalog.html",
        status,
        found=[(listed.product, [terms_of(price) for price in listed.prices]) for listed in found.items],
        total=found.total,
        page=number,
        pages=(found.total + PER_PAGE - 1) // PER_PAGE,
        types=[("", "Every type"), *TYPES],
        type_names=TYPE_NAMES,
        states=STATES,
        values=shown,
        errors=errors,
    )


@router.get(f"{HERE}/items/new")
async def new_item(page: Dashboard) -> Response:
    page.require(Permission.EDIT_CATALOG)
    return page.render(
        "catalog_new.html", types=TYPES, access_controls=ACCESS_CONTROLS, values={"access_control": "paid"}
    )


@router.post(f"{HERE}/items")
async def create_item(page: Dashboard) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        made = _item_changes(form)
        product = await catalog.create_product(
            page.session,
            me.merchant.id,
            title=made.title or "",
            asset_type=made.asset_type or "",
            access_control=made.access_control or "",
            content=made.content or "",
            external_asset_id=made.external_asset_id,
            playback_url_prefix=made.playback_url_prefix,
            min_age=made.min_age,
            country_set_id=made.country_set_id,
            plan_switch_enabled=bool(made.plan_switch_enabled),
            description=made.description,
        )
    except (InvalidInput, Conflict) as refused:
        errors = refused.errors if isinstance(refused, InvalidInput) else {"external_asset_id": refused.message}
        return page.render(
            "catalog_new.html",
            422 if isinstance(refused, InvalidInput) else 409,
            types=TYPES,
            access_controls=ACCESS_CONTROLS,
            values={name: form.get(name, "") for name in ITEM_FIELDS},
            errors=errors,
        )
    page.audit_as("Created an item", f"item {product.id}: {product.title}")
    return page.redirect(f"{HERE}/items/{product.id}?told=created")


@router.get(f"{HERE}/items/{{item_id}}")
async def item(page: Dashboard, item_id: Id) -> Response:
    me = page.require(Permission.READ_CATALOG)
    found = await listing.product_details(page.session, me.merchant.id, item_id)
    return item_page(page, found, told=page.request.query_params.get("told", ""))


@router.post(f"{HERE}/items/{{item_id}}")
async def edit_item(page: Dashboard, item_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        product = await catalog.update_product(page.session, me.merchant.id, item_id, _item_changes(form))
    except (InvalidInput, Conflict) as refused:
        errors = refused.errors if isinstance(refused, InvalidInput) else {"external_asset_id": refused.message}
        found = await listing.product_details(page.session, me.merchant.id, item_id)
        return item_page(
            page,
            found,
            422 if isinstance(refused, InvalidInput) else 409,
            values={name: form.get(name, "") for name in ITEM_FIELDS},
            errors=errors,
        )
    page.audit_as("Changed an item", f"item {product.id}: {product.title}")
    return page.redirect(f"{HERE}/items/{product.id}?told=changed")


@router.post(f"{HERE}/items/{{item_id}}/active")
async def switch_item(page: Dashboard, item_id: Id) -> Response:
    """Takes the item off sale (`active=no`: its holders keep their access) or puts it back (`active=yes`)."""
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    active = form.get("active") == "yes"
    product = await catalog.update_product(page.session, me.merchant.id, item_id, catalog.ProductChanges(active=active))
    page.audit_as("Activated an item" if active else "Deactivated an item", f"item {product.id}: {product.title}")
    return page.redirect(f"{HERE}/items/{product.id}?told={'activated' if active else 'deactivated'}")


# The catalog's other pages, under its own router: the dashboard's list of areas names the catalog once.
for part in (
    catalog_prices,
    catalog_packages,
    catalog_vouchers,
    catalog_codes,
    catalog_donations,
    catalog_sign_up,
    catalog_gifts,
):
    router.include_router(part.router)
