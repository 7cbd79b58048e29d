"""The access check and entitlements: `/items/{id}/access`, merchant grants and revokes, purchase history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from boxoffice.access import service as access
from boxoffice.access.lookups import SessionLookups
from boxoffice.dialects.inplayer import catalog_render, render
from boxoffice.dialects.inplayer.deps import Body, Client, CurrentCustomer, CurrentMerchant, PathId, Session
from boxoffice.dialects.inplayer.forms import date_time, integer
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity import merchants
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput

router = APIRouter(route_class=InPlayerRoute, tags=["access"])


@router.get("/items/{item_id}/access")
async def check_access(
    request: Request, session: Session, customer: CurrentCustomer, item_id: PathId, client: Client
) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    product = await access.get_product(session, merchant, item_id)
    granted = await access.check_access(
        SessionLookups(session), merchant, customer, product, client, request.app.state.content_log.record
    )
    item = catalog_render.item(granted.product, merchant, with_content=True)
    return render.item_access(granted.entitlement, granted.product.id, customer, merchant, item)


@router.get("/items/used-trial-period/{item_id}")
async def used_trial_period(session: Session, customer: CurrentCustomer, item_id: PathId) -> bool:
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
) -> dict[str, Any]:
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    per_page = size or limit or 5
    total, rows = await access.purchase_history(
        session, merchant, customer, status=status or "active", page=page, limit=per_page
    )
    return render.page(total, page, per_page, [render.purchase(row, customer, clock.now()) for row in rows])


@router.post("/items/access")
async def grant_access(session: Session, merchant: CurrentMerchant, body: Body) -> dict[str, Any]:
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
) -> dict[str, Any]:
    await access.revoke_access(session, merchant, consumer_id, item_id)
    return render.message("Access revoked")
