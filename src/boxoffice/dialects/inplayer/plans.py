"""JW Player's plan routes the SDK's npm build calls (`/v3/sites/{siteId}/…`, the site id being the merchant's uuid):
plans, a plan's prices, and the plans a viewer holds, in JW's list shape `{page, total, page_length, <items>}`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from typing_extensions import TypedDict

from boxoffice.access import plans
from boxoffice.access.plans import HeldPlan, Plan
from boxoffice.catalog.models import Price, Product
from boxoffice.dialects.inplayer.amounts import amount
from boxoffice.dialects.inplayer.deps import Session, get_principal
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity.accounts import customer_of
from boxoffice.identity.merchants import find_merchant
from boxoffice.identity.models import Customer
from boxoffice.kit.clock import unix
from boxoffice.kit.errors import Forbidden
from boxoffice.kit.requests import session_of

router = APIRouter(route_class=InPlayerRoute, tags=["plans"])
MAX_PAGE_LENGTH = 100
DEFAULT_PAGE_LENGTH = 20
PLAN_SCHEMA = "plan"
PRICE_SCHEMA = "price"


async def optional_customer(request: Request) -> Customer | None:
    """The viewer when the app sends a token (the SDK does only when it holds one); a bad token is still a 401."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, token = header.partition(" ")
    if not header or (scheme.lower() == "bearer" and not token.strip()):
        return None
    principal = await get_principal(request)
    if principal.is_merchant:
        raise Forbidden("This call is for customer tokens")
    return await customer_of(session_of(request), principal)


OptionalCustomer = Annotated[Customer | None, Depends(optional_customer)]


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat()


def plan_ref(product: Product) -> dict[str, str]:
    return {"id": str(product.id), "type": "plan"}


def plan(item: Plan) -> dict[str, Any]:
    product = item.product
    return {
        "id": str(product.id),
        "original_id": product.id,
        "metadata": {
            "name": product.title,
            "access_model": "svod",
            "tags": {"include": [], "exclude": []},
            "custom_params": {"include": {}, "exclude": {}},
        },
        "relationships": {"prices": [{"id": str(price.id), "type": "price"} for price in item.prices]},
        "created": iso(product.created_at),
        "last_modified": iso(product.updated_at),
        "type": "plan",
        "schema": PLAN_SCHEMA,
    }


def price(product: Product, row: Price) -> dict[str, Any]:
    trial = None
    if row.trial_period_unit and row.trial_period_quantity:
        trial = {"period": row.trial_period_unit, "quantity": row.trial_period_quantity}
    return {
        "id": str(row.id),
        "access": {"period": row.period_unit, "quantity": row.period_quantity, "type": "subscription"},
        "metadata": {
            "amount": amount(row.amount, row.currency),
            "currency": row.currency,
            "name": row.description or product.title,
            "trial": trial,
        },
        # The access fee's id: what a payment for this price names.
        "original_id": row.id,
        "relationships": {"plans": [plan_ref(product)]},
        "schema": PRICE_SCHEMA,
        "type": "price",
    }


def held_plan(held: HeldPlan) -> dict[str, Any]:
    """A plan as JW's entitlement list carries it: the plan, plus what the viewer's access is and until when."""
    body = plan(held.plan)
    body["metadata"]["external_providers"] = {}
    body.update(
        {
            "name": held.plan.product.title,
            "access_model": "svod",
            "access_plan": {"id": str(held.plan.product.id), "exp": unix(held.expires_at)},
            "access": {"drm_policy_id": None, "tags": {"include": [], "exclude": []}},
        }
    )
    return body


class JwPage(TypedDict):
    page: int
    total: int
    page_length: int


class PlansPage(JwPage):
    """JW Player's plans (its `plan` schema): an item sold by subscription, its access fees as prices."""

    plans: list[dict[str, Any]]


class PricesPage(JwPage):
    """JW Player's prices (its `price` schema): `original_id` is the access fee a payment names."""

    prices: list[dict[str, Any]]


def whole_length(items: Sequence[Any]) -> int:
    """The page length of a list that is not paged: one page holds it all."""
    return max(len(items), DEFAULT_PAGE_LENGTH)


def plan_ids(request: Request, ids: str | None) -> list[str] | None:
    """Plans asked for by id: `?ids=a,b`, or the bare `?a,b` the SDK builds from a list (OTT passes one)."""
    query: str = request.scope.get("query_string", b"").decode("latin-1")
    if ids is None and query and "=" not in query:
        ids = query
    return None if ids is None else [part for part in ids.split(",") if part.strip()]


@router.get("/v3/sites/{site_id}/plans")
async def get_site_plans(
    request: Request,
    session: Session,
    site_id: str,
    page: int = Query(1, ge=1, le=1_000_000),
    page_length: int = Query(DEFAULT_PAGE_LENGTH, ge=1, le=MAX_PAGE_LENGTH),
    ids: str | None = None,
) -> PlansPage:
    """The merchant's subscription plans, as JW Player's SDK reads them (`site_id` is the merchant's uuid).

    `ids` (or a bare `?a,b`) picks plans by id."""
    merchant = await find_merchant(session, site_id)
    total, rows = await plans.list_plans(
        session, merchant, plan_ids=plan_ids(request, ids), offset=(page - 1) * page_length, limit=page_length
    )
    return {"page": page, "total": total, "page_length": page_length, "plans": [plan(row) for row in rows]}


@router.get("/v3/sites/{site_id}/plans/{plan_id}/prices")
async def get_site_plan_prices(session: Session, site_id: str, plan_id: str) -> PricesPage:
    """A plan's prices, as JW Player's SDK reads them."""
    merchant = await find_merchant(session, site_id)
    found = await plans.get_plan(session, merchant, plan_id)
    shown = [price(found.product, row) for row in found.prices]
    return {"page": 1, "total": len(shown), "page_length": whole_length(shown), "prices": shown}


# The SDK sends a viewer's token only when it holds one.
@router.get("/v3/sites/{site_id}/entitlements", openapi_extra={"security": [{}, {"viewerToken": []}]})
async def get_site_entitlements(session: Session, site_id: str, customer: OptionalCustomer) -> PlansPage:
    """The plans the viewer holds and until when; with no token, none."""
    merchant = await find_merchant(session, site_id)
    held = await plans.held_plans(session, merchant, customer)
    shown = [held_plan(h) for h in held]
    return {"page": 1, "total": len(shown), "page_length": whole_length(shown), "plans": shown}
