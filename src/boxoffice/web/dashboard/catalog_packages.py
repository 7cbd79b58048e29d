"""A package's assets: put in by their ids and taken out one at a time, on the package's page."""

from __future__ import annotations

from starlette.responses import Response

from boxoffice.catalog import listing
from boxoffice.catalog import service as catalog
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.validation import Problems
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard import catalog_forms as read
from boxoffice.web.dashboard.catalog_item_page import Id, item_page, values_of
from boxoffice.web.dashboard.context import PATH, Dashboard
from boxoffice.web.dashboard.routing import dashboard_router

router = dashboard_router()
PACKAGE = f"{PATH}/catalog/items/{{package_id}}"


def _ids(typed: str) -> list[int]:
    problems = Problems()
    found = read.ids(typed, "add", problems)
    if found is None:
        problems.add("add", "Give the ids of the items to put in the package")
    problems.raise_any()
    return found or []


@router.post(f"{PACKAGE}/members")
async def add_members(page: Dashboard, package_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    form = await page.check_form()
    typed = form.get("add", "")
    try:
        ids = _ids(typed)
        package = await catalog.change_package_members(page.session, me.merchant.id, package_id, add=ids)
    except InvalidInput as refused:
        found = await listing.product_details(page.session, me.merchant.id, package_id)
        values = values_of(found.product) | {"add": typed}
        return item_page(page, found, 422, values=values, errors={"add": " ".join(refused.errors.values())})
    page.audit_as("Put items in a package", f"package {package.id}: items {', '.join(map(str, ids))}")
    return page.redirect(f"{PATH}/catalog/items/{package.id}?told=members-added")


@router.post(f"{PACKAGE}/members/{{item_id}}/remove")
async def remove_member(page: Dashboard, package_id: Id, item_id: Id) -> Response:
    me = page.require(Permission.EDIT_CATALOG)
    await page.check_form()
    package = await catalog.change_package_members(page.session, me.merchant.id, package_id, remove=[item_id])
    page.audit_as("Took an item out of a package", f"package {package.id}: item {item_id}")
    return page.redirect(f"{PATH}/catalog/items/{package.id}?told=member-removed")
