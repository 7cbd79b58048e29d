"""A customer's entitlements: `GET /entitlements`, what they hold or held through the publisher's offers, each with
its offer's type letter, status and dates (and a subscription's renewal), filtered by status and by type letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from boxoffice.billing import holdings
from boxoffice.dialects.api31.answers import Answer, Listed, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.holdings import STATUSES, CustomerOffer, held_offer
from boxoffice.identity import customers
from boxoffice.identity.models import Customer, Merchant

router = APIRouter(route_class=Api31Route, tags=["api31"])

# The type filters Cleeng takes: S subscriptions, P passes, A singles, R rentals, and their combinations.
TYPES = ("S", "P", "SP", "PS", "A", "R", "SPAR")
PAGE = 20
MAX_PAGE = 100


async def _customer(session: Session, publisher: Merchant, customer_id: int | None, email: str | None) -> Customer:
    if customer_id is not None:
        return await customers.get_customer(session, publisher, customer_id)
    if email:
        return await customers.customer_by_email(session, publisher, email)
    raise Refused(422, "customerId or customerEmail is required")


@router.get("/entitlements")
async def list_entitlements(
    session: Session,
    publisher: Publisher,
    customer_id: Annotated[int | None, Query(alias="customerId", ge=1, le=2**53)] = None,
    customer_email: Annotated[str | None, Query(alias="customerEmail", max_length=320)] = None,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
    status: Annotated[str | None, Query(max_length=20, description="`active`, `expired` or `cancelled`")] = None,
    type: Annotated[str | None, Query(max_length=4, description=f"Offer type letters: {', '.join(TYPES)}")] = None,
) -> Answer[Listed[CustomerOffer]]:
    """A customer's entitlements (by `customerId` or `customerEmail`), newest first.

    Each is an offer the customer holds or held, with its type letter (`S` subscription, `P` pass, `E` event,
    `R` rental, `A` single), status and dates; a subscription's carries its renewal. `status` and `type` (letters:
    `SP` is subscriptions and passes) narrow the list."""
    if status is not None and status not in STATUSES.values():
        raise Refused(422, "Invalid parameter status: active, expired or cancelled")
    if type is not None and type not in TYPES:
        raise Refused(422, f"Invalid parameter type: one of {', '.join(TYPES)}")
    customer = await _customer(session, publisher, customer_id, customer_email)
    items = [held_offer(h) for h in await holdings.holdings_of(session, publisher, customer)]
    kept = [i for i in items if (status is None or i["status"] == status) and (type is None or i["offerType"] in type)]
    return answer({"items": kept[offset : offset + limit], "totalCount": len(kept)})
