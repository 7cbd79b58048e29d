"""An item's donations: the amounts a merchant suggests, added and removed, and whether viewers may give an amount
of their own."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.catalog import donations
from boxoffice.kit.errors import InvalidInput
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.catalog_item_page import Id
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
DONATIONS = f"{PATH}/catalog/items/{{item_id}}/donations"
FIELDS = ("amount", "currency", "description")


def _here(item_id: int, told: str) -> str:
    return f"{PATH}/catalog/items/{item_id}/donations?told={told}"


async def _shown(page: DashboardContext, item_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.READ_CATALOG)
    product, options = await donations.donations_for(page.session, me.merchant.id, item_id)
    return page.render(
        "catalog_donations.html",
        status,
        item=product,
        options=options,
        **({"values": {"currency": "EUR"}, "told": page.request.query_params.get("told", "")} | values),
    )


@router.get(DONATIONS)
async def donation_list(page: Dashboard, item_id: Id) -> Response:
    return await _shown(page, item_id)


@router.post(DONATIONS)
async def add_donation(page: Dashboard, item_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    try:
        option = await donations.add_donation(
            page.session,
            me.merchant.id,
            item_id,
            amount=form.get("amount"),
            currency=form.get("currency"),
            description=form.get("description"),
        )
    except InvalidInput as refused:
        values = {name: form.get(name, "") for name in FIELDS}
        return await _shown(page, item_id, 422, values=values, errors=refused.errors, told="")
    page.audit_as("Added a donation amount", f"donation {option.id} of item {item_id}")
    return page.redirect(_here(item_id, "added"))


@router.post(f"{DONATIONS}/{{donation_id}}/remove")
async def remove_donation(page: Dashboard, item_id: Id, donation_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    await page.check_form()
    await donations.remove_donation(page.session, me.merchant.id, item_id, donation_id)
    page.audit_as("Removed a donation amount", f"donation {donation_id} of item {item_id}")
    return page.redirect(_here(item_id, "removed"))


@router.post(f"{DONATIONS}/custom")
async def custom_amounts(page: Dashboard, item_id: Id) -> Response:
    """Lets viewers give an amount of their own (`enabled=yes`) or only the suggested ones (`enabled=no`)."""
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    enabled = form.get("enabled") == "yes"
    await donations.set_custom_donations(page.session, me.merchant.id, item_id, enabled)
    page.audit_as(
        "Allowed donations of any amount" if enabled else "Allowed only the suggested donations", f"item {item_id}"
    )
    return page.redirect(_here(item_id, "custom-on" if enabled else "custom-off"))
