"""Passes: access for a while through one of the publisher's one-time offers (a pass `P…`, a rental, an event or a
single), granted and managed from its back end: `GET /passes` (by `customerId`), `GET /passes/{passId}`,
`POST /passes`, `PATCH /passes/{passId}` (`expiresAt`), `POST /passes/{passId}/terminate` and
`POST /passes/{passId}/transfer` (`customerId`). Times are Unix seconds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from typing_extensions import TypedDict

from boxoffice.access import passes
from boxoffice.dialects.api31.answers import Answer, Listed, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Text, Whole, declare
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id, price_id_of
from boxoffice.kit import clock

router = APIRouter(route_class=Api31Route, tags=["api31"])
PassParam = Path(ge=1, le=2**53, description="The pass's id")
PAGE = 20
MAX_PAGE = 100
LATEST = 253402300799  # the last second of the year 9999
CUSTOMER_ID = Whole("customerId", "The customer the pass is for", required=True)
OFFER_ID = Text("offerId", "The one-time offer the pass is through", max_length=40, required=True)
EXPIRES_AT = Whole("expiresAt", "When the pass ends (Unix seconds); none: after the offer's period")
NEW_EXPIRY = Whole("expiresAt", "When the pass ends (Unix seconds)", required=True)
CREATE = declare(CUSTOMER_ID, OFFER_ID, EXPIRES_AT)
UPDATE = declare(NEW_EXPIRY)
RECEIVER = Whole("customerId", "The customer who gets what is left of the pass", required=True)
TRANSFER = declare(RECEIVER)
NOTHING = declare()


class PassData(TypedDict):
    id: int
    customerId: int
    offerId: str
    offerType: str
    offerTitle: str
    status: Literal["active", "expired", "terminated"]
    startedAt: int
    expiresAt: int
    terminatedAt: int | None


def _render(found: passes.Pass) -> PassData:
    entitlement = found.entitlement
    status: Literal["active", "expired", "terminated"] = "active"
    if found.terminated:
        status = "terminated"
    elif entitlement.expires_at <= clock.now():
        status = "expired"
    return {
        "id": entitlement.id,
        "customerId": entitlement.customer_id,
        "offerId": offer_id(found.price),
        "offerType": letter(found.price),
        "offerTitle": found.product.title,
        "status": status,
        "startedAt": clock.unix(entitlement.starts_at),
        "expiresAt": clock.unix(entitlement.expires_at),
        "terminatedAt": clock.unix(entitlement.revoked_at) if entitlement.revoked_at else None,
    }


def _moment(field: Whole, body: Fields) -> datetime | None:
    seconds = field.read(body)
    if seconds is None:
        return None
    if seconds > LATEST:
        raise Refused(422, f"Invalid parameter {field.name}: a moment before the year 10000")
    return clock.from_unix(seconds)


def _customer(field: Whole, body: Fields) -> int:
    found = field.read(body)
    if found is None:
        raise Refused(422, f"Invalid parameter {field.name}: required")
    return found


@router.get("/passes")
async def list_passes(
    session: Session,
    publisher: Publisher,
    customer_id: Annotated[int | None, Query(alias="customerId", ge=1, le=2**53)] = None,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
) -> Answer[Listed[PassData]]:
    """The publisher's passes, newest first; one customer's with `customerId`."""
    total, found = await passes.passes_page(session, publisher, customer_id, offset=offset, limit=limit)
    return answer({"items": [_render(p) for p in found], "totalCount": total})


@router.get("/passes/{pass_id}")
async def read_pass(session: Session, publisher: Publisher, pass_id: int = PassParam) -> Answer[PassData]:
    """One of the publisher's passes."""
    return answer(_render(await passes.merchant_pass(session, publisher, pass_id)))


@router.post("/passes", status_code=201)
async def create_pass(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[PassData]:
    """Give a customer access through a one-time offer, from now until `expiresAt` (or for the offer's period)."""
    customer_id = _customer(CUSTOMER_ID, body)
    parsed = price_id_of(OFFER_ID.read(body) or "")
    if parsed is None or parsed[0] == "S":
        raise Refused(422, "Invalid parameter offerId: a one-time offer's id")
    expires_at = _moment(EXPIRES_AT, body)
    made = await passes.create_pass(session, publisher, customer_id, parsed[1], expires_at)
    if letter(made.price) != parsed[0]:
        raise Refused(404, "Offer not found")  # the id's letter names another kind of offer
    return answer(_render(made), 201)


@router.patch("/passes/{pass_id}")
async def update_pass(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(UPDATE)], pass_id: int = PassParam
) -> Answer[PassData]:
    """Move a pass's end (`expiresAt`, after it began)."""
    expires_at = _moment(NEW_EXPIRY, body)
    if expires_at is None:
        raise Refused(422, "Invalid parameter expiresAt: required")
    return answer(_render(await passes.change_pass_expiry(session, publisher, pass_id, expires_at)))


@router.post("/passes/{pass_id}/terminate")
async def terminate_pass(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(NOTHING)], pass_id: int = PassParam
) -> Answer[PassData]:
    """End a pass now."""
    return answer(_render(await passes.terminate_pass(session, publisher, pass_id)))


@router.post("/passes/{pass_id}/transfer")
async def transfer_pass(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(TRANSFER)], pass_id: int = PassParam
) -> Answer[PassData]:
    """Give what is left of a pass to another customer (`customerId`): it ends for its holder now; the new pass,
    answered, runs until the same end."""
    receiver = _customer(RECEIVER, body)
    return answer(_render(await passes.transfer_pass(session, publisher, pass_id, receiver)))
