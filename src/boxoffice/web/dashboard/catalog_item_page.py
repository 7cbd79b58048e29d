"""An item's page, as its own address shows it and as a refused form on it shows it again: the item, its prices, a
package's assets, its preview, and the forms a member who edits the catalog may use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.responses import Response

from boxoffice.catalog import listing
from boxoffice.catalog.asset_types import ASSET_TYPES
from boxoffice.catalog.models import Product
from boxoffice.catalog.service import DESCRIPTION
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.catalog_terms import terms_of
from boxoffice.web.dashboard.context import DashboardContext

Id = Annotated[int, Path(ge=1, le=2**53)]
TYPES = [(kind.name, kind.description) for kind in ASSET_TYPES]
TYPE_NAMES = {kind.name: kind.description for kind in ASSET_TYPES}
# Who may open an item, in the words of the form.
ACCESS_CONTROLS = [
    ("paid", "Viewers who bought it"),
    ("code", "Viewers with an access code"),
    ("auth", "Any signed-in viewer"),
    ("data_capture", "Viewers who gave their details"),
]


def values_of(product: Product) -> dict[str, str]:
    return {
        "title": product.title,
        "asset_type": product.asset_type,
        "access_control": product.access_control,
        "content": product.content,
        "external_asset_id": product.external_asset_id or "",
        "description": str(product.attributes.get(DESCRIPTION, "")),
        "playback_url_prefix": product.playback_url_prefix or "",
        "min_age": "" if product.min_age is None else str(product.min_age),
        "country_set_id": str(product.country_set_id or ""),
        "plan_switch_enabled": "yes" if product.plan_switch_enabled else "",
    }


def item_page(
    page: DashboardContext, found: listing.ProductDetails, status: int = 200, told: str = "", **values: object
) -> Response:
    me = page.require(Permission.READ_CATALOG)
    return page.render(
        "catalog_item.html",
        status,
        item=found.product,
        prices=[(price, terms_of(price)) for price in found.prices],
        members=found.members,
        country_sets=[("", "Every country"), *((str(s.id), f"{s.name} ({s.type})") for s in found.country_sets)],
        type_names=TYPE_NAMES,
        types=TYPES,
        access_controls=ACCESS_CONTROLS,
        offers_page=f"/pages/{me.merchant.uuid}/offers/{found.product.id}",
        demo_page=f"/demo/publisher?merchant={me.merchant.uuid}&items={found.product.id}",
        told=told,
        **({"values": values_of(found.product)} | values),
    )
