"""The access check and entitlements: `/items/{id}/access`, merchant grants and revokes, purchase history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from boxoffice.access import service as access
from boxoffice.access.lookups import SessionLookups
from boxoffice.dialects.inplayer import bodies, catalog_render, render
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import Client, CurrentCustomer, CurrentMerchant, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, integer
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import merchants
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput

router = APIRouter(route_class=InPlayerRoute, tags=["access"])

GRANT = bodies.form(
    bodies.integer("item_id", "The item", required=True),
    bodies.integer("consumer_id", "The customer given access", required=True),
    bodies.moment("expires_at", "When the access ends; or else"),
    bodies.integer("access_fee_id", "The access fee whose period the access lasts"),
)


@router.get("/items/{item_id}/access")
async def check_access(
    request: Request, session: Session, customer: CurrentCustomer, item_id: PathId, client: Client
) -> render.ItemAccess:
    """Whether the viewer may watch an item, and its content when they may.

    A viewer without access is answered 402; each check is recorded for the merchant's analytics."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    product = await access.get_product(session, merchant, item_id)
    granted = await access.check_access(
        SessionLookups(session), merchant, customer, product, client, request.app.state.content_log.record
    )
    item = catalog_render.item(granted.product, merchant, with_content=True)
    return render.item_access(granted.entitlement, granted.product.id, customer, merchant, item)


@router.get("/items/used-trial-period/{item_id}")
async def used_trial_period(session: Session, customer: CurrentCustomer, item_id: PathId) -> bool:
    """Whether the viewer has already had a free trial of the item."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    return await access.used_trial(session, merchant, customer, item_id)


@router.get("/items/access/customers")
async def purchase_history(
    session: Session,
    customer: CurrentCustomer,
    status: str = "active",
    page: int = Query(0, ge=0),
    size: int | None = Query(None, ge=1, le=100),
    limit: int | None = Query(None, ge=1, le=100),
) -> render.Page[render.PurchaseBody]:
    """The viewer's purchases, a page at a time.

    `status` is `active` (the default) or `inactive`."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    per_page = size or limit or 5
    total, rows = await access.purchase_history(
        session, merchant, customer, status=status or "active", page=page, limit=per_page
    )
    return render.page(total, page, per_page, [render.purchase(row, customer, clock.now()) for row in rows])


@router.post("/items/access")
async def grant_access(
    session: Session, merchant: CurrentMerchant, body: Annotated[Fields, Depends(GRANT)]
) -> render.ItemAccess:
    """Give a customer access to an item, until a date or for an access fee's period."""
    item_id, consumer_id = integer(body, "item_id"), integer(body, "consumer_id")
    expires, fee_id = date_time(body, "expires_at"), integer(body, "access_fee_id")
    missing = {f: f"The {f} is required" for f, v in (("item_id", item_id), ("consumer_id", consumer_id)) if v is None}
    if expires is None and fee_id is None:
        missing["expires_at"] = "An expires_at or an access_fee_id is required"
    if missing:
        raise InvalidInput(missing)
    grant = await access.grant_access_by_merchant(
        session, merchant, consumer_id or 0, item_id or 0, expires_at=expires, price_id=fee_id
    )
    item = catalog_render.item(grant.product, merchant, with_content=True)
    return render.item_access(grant.entitlement, grant.product.id, grant.customer, merchant, item)


@router.delete("/items/{item_id}/access")
async def revoke_access(
    session: Session, merchant: CurrentMerchant, item_id: PathId, consumer_id: int = Query(..., ge=1, le=2**63 - 1)
) -> render.Message:
    """Take a customer's access to an item away."""
    await access.revoke_access(session, merchant, consumer_id, item_id)
    return render.message("Access revoked")
