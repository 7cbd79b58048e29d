"""Gifts: the buyer reads theirs (`GET /gifts/{giftId}`) and changes its delivery until it is sent
(`PATCH /gifts/{giftId}`); anyone signed in checks a code (`GET /gifts/verification/{code}`) and redeems it
(`POST /gifts/redeem/{code}`). `deliveryDetails` is also what `PATCH /orders/{orderId}` takes for an order bought
as a gift: `recipientEmail`, `deliveryDate` (Unix seconds; null or a moment passed: at once), `personalNote`."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from boxoffice.billing import gift_delivery, gifts
from boxoffice.dialects.mediastore.deps import AppSettings, Body, Client, CurrentCustomer, Session
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.errors import MalformedRequest, Refused
from boxoffice.dialects.mediastore.offer_ids import offer_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
Code = Path(min_length=1, max_length=40)
GiftId = Path(ge=1, le=2**53)
LAST_DATE = clock.unix(datetime(9999, 12, 31))
# What is read of a note before the core's own limit refuses it: a bound on what a request can make us hold.
MAX_NOTE_READ = 10 * gift_delivery.MAX_NOTE


async def _looking_up(request: Request, settings: AppSettings, client: Client, customer: CurrentCustomer) -> Customer:
    """The customer looking a code up, the look-up counted first (RateLimited past the limits)."""
    await gifts.count_code_lookup(request.app.state.sessions, settings, customer, client.ip_address)
    return customer


LookingUp = Annotated[Customer, Depends(_looking_up)]


def _text(details: dict[str, Any], name: str, max_length: int) -> str | None:
    value = details.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > max_length or "\x00" in value):
        raise MalformedRequest(f"Invalid param deliveryDetails.{name}")
    return value


def _date(details: dict[str, Any]) -> datetime | None:
    value = details.get("deliveryDate")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedRequest("Invalid param deliveryDetails.deliveryDate: Unix seconds, or null for now")
    if not 0 <= value <= LAST_DATE:
        raise MalformedRequest("Invalid param deliveryDetails.deliveryDate: Unix seconds, or null for now")
    return clock.from_unix(int(value))


def delivery_of(body: dict[str, Any]) -> gift_delivery.Delivery:
    """The body's `deliveryDetails`: a wrong type is a 400 naming it; a bad address or a note too long, a 422."""
    details = body.get("deliveryDetails")
    if not isinstance(details, dict):
        raise MalformedRequest(
            "Invalid param deliveryDetails: an object with recipientEmail, deliveryDate, personalNote"
        )
    return gift_delivery.delivery(
        _text(details, "recipientEmail", 320), _date(details), _text(details, "personalNote", MAX_NOTE_READ)
    )


def delivery_details(email: str | None, date: datetime | None, note: str | None) -> dict[str, Any]:
    return {"recipientEmail": email, "deliveryDate": clock.unix(date) if date else None, "personalNote": note or ""}


def _offer_id(details: gifts.GiftDetails) -> str:
    return offer_id(details.price) if details.price else ""


# In the SDK's words, which it turns into the text a customer reads: a refunded gift buys nothing any more, which
# is what it says of an offer no longer available.
REFUSALS = {gifts.Spent.REFUNDED: "INACTIVE_OFFER", gifts.Spent.REDEEMED: "REDEEMED"}


def _verification(details: gifts.GiftDetails) -> dict[str, Any]:
    spent = details.spent
    return {
        "redeemable": spent is None,
        "redeemMode": "NEW_ACCESS",
        "redeemRefusalReason": REFUSALS[spent] if spent else None,
        "extendedSubscriptionId": None,
        "offerId": _offer_id(details),
    }


@router.get("/gifts/verification/{code}")
async def verify_gift(session: Session, customer: LookingUp, code: str = Code) -> Any:
    return answer(_verification(await gifts.gift_details(session, customer.merchant_id, code)))


@router.post("/gifts/redeem/{code}")
async def redeem_gift(session: Session, customer: LookingUp, code: str = Code) -> Any:
    try:
        redeemed = await gifts.redeem_gift(session, customer, code)
    except Conflict as refused:
        raise Refused(422, refused.message) from None
    return answer(_verification(redeemed.details))


def _gift(details: gifts.GiftDetails) -> dict[str, Any]:
    gift = details.gift
    return {
        "id": gift.id,
        "code": gift.code,
        "offerId": _offer_id(details),
        "deliveryDetails": delivery_details(gift.receiver_email, gift.delivery_date, gift.personal_note),
        "sentAt": clock.unix(gift.sent_at) if gift.sent_at else None,
        "redeemedAt": clock.unix(gift.redeemed_at) if gift.redeemed_at else None,
    }


@router.get("/gifts/{gift_id}")
async def read_gift(session: Session, customer: CurrentCustomer, gift_id: int = GiftId) -> Any:
    return answer(_gift(await gifts.bought_gift(session, customer, gift_id)))


@router.patch("/gifts/{gift_id}")
async def update_gift(session: Session, customer: CurrentCustomer, body: Body, gift_id: int = GiftId) -> Any:
    delivery = delivery_of(body)
    try:
        details = await gifts.change_delivery(session, customer, gift_id, delivery)
    except Conflict as refused:
        raise Refused(422, refused.message) from None
    return answer(_gift(details))
