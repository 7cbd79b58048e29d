"""Gifts: the buyer reads theirs (`GET /gifts/{giftId}`) and changes its delivery until it is sent
(`PATCH /gifts/{giftId}`); anyone signed in checks a code (`GET /gifts/verification/{code}`) and redeems it
(`POST /gifts/redeem/{code}`). `deliveryDetails` is also what `PATCH /orders/{orderId}` takes for an order bought
as a gift: `recipientEmail`, `deliveryDate` (Unix seconds; null or a moment passed: at once), `personalNote`."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.billing import gift_delivery, gifts
from boxoffice.dialects.cleeng.body import Fields, Shaped, declare
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.dialects.mediastore.deps import AppSettings, Client, CurrentCustomer, Session
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import MalformedRequest, Refused
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
RECIPIENT, NOTE = "recipientEmail", "personalNote"
DELIVERY = Shaped(
    "deliveryDetails",
    "Who receives the gift, when (Unix seconds; null or a moment passed: at once), with the buyer's note",
    {
        "type": "object",
        "properties": {
            RECIPIENT: {"type": ["string", "null"], "maxLength": 320},
            "deliveryDate": {"type": ["number", "null"], "minimum": 0, "maximum": LAST_DATE},
            NOTE: {"type": ["string", "null"], "maxLength": gift_delivery.MAX_NOTE},
        },
    },
    required=True,
)
UPDATE = declare(DELIVERY)


async def _looking_up(request: Request, settings: AppSettings, client: Client, customer: CurrentCustomer) -> Customer:
    """The customer looking a code up, the look-up counted first (RateLimited past the limits)."""
    await gifts.count_code_lookup(request.app.state.sessions, settings, customer, client.ip_address)
    return customer


LookingUp = Annotated[Customer, Depends(_looking_up)]


@with_config(CLOSED)
class DeliveryDetails(TypedDict):
    recipientEmail: str | None
    deliveryDate: int | None  # Unix seconds; null: at once
    personalNote: str


@with_config(CLOSED)
class Verification(TypedDict):
    redeemable: bool
    redeemMode: Literal["NEW_ACCESS"]
    redeemRefusalReason: Literal["INACTIVE_OFFER", "REDEEMED"] | None
    extendedSubscriptionId: None
    offerId: str


@with_config(CLOSED)
class Gift(TypedDict):
    id: int
    code: str
    offerId: str
    deliveryDetails: DeliveryDetails
    sentAt: int | None
    redeemedAt: int | None


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


def delivery_of(body: Fields) -> gift_delivery.Delivery:
    """The body's `deliveryDetails`: a wrong type is a 400 naming it; a bad address or a note too long, a 422."""
    details = DELIVERY.read(body)
    if not isinstance(details, dict):
        raise MalformedRequest(
            "Invalid param deliveryDetails: an object with recipientEmail, deliveryDate, personalNote"
        )
    return gift_delivery.delivery(_text(details, RECIPIENT, 320), _date(details), _text(details, NOTE, MAX_NOTE_READ))


def delivery_details(email: str | None, date: datetime | None, note: str | None) -> DeliveryDetails:
    return {"recipientEmail": email, "deliveryDate": clock.unix(date) if date else None, "personalNote": note or ""}


def _offer_id(details: gifts.GiftDetails) -> str:
    return offer_id(details.price) if details.price else ""


# In the SDK's words, which it turns into the text a customer reads: a refunded gift buys nothing any more, which
# is what it says of an offer no longer available.
REFUSALS: dict[gifts.Spent, Literal["INACTIVE_OFFER", "REDEEMED"]] = {
    gifts.Spent.REFUNDED: "INACTIVE_OFFER",
    gifts.Spent.REDEEMED: "REDEEMED",
}


def _verification(details: gifts.GiftDetails) -> Verification:
    spent = details.spent
    return {
        "redeemable": spent is None,
        "redeemMode": "NEW_ACCESS",
        "redeemRefusalReason": REFUSALS[spent] if spent else None,
        "extendedSubscriptionId": None,
        "offerId": _offer_id(details),
    }


@router.get("/gifts/verification/{code}")
async def verify_gift(session: Session, customer: LookingUp, code: str = Code) -> Answer[Verification]:
    """Whether a gift code can be redeemed, and for which offer (look-ups are rate-limited)."""
    return answer(_verification(await gifts.gift_details(session, customer.merchant_id, code)))


@router.post("/gifts/redeem/{code}")
async def redeem_gift(session: Session, customer: LookingUp, code: str = Code) -> Answer[Verification]:
    """Redeem a gift code: the customer gets the access it gives."""
    try:
        redeemed = await gifts.redeem_gift(session, customer, code)
    except Conflict as refused:
        raise Refused(422, refused.message) from None
    return answer(_verification(redeemed.details))


def _gift(details: gifts.GiftDetails) -> Gift:
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
async def read_gift(session: Session, customer: CurrentCustomer, gift_id: int = GiftId) -> Answer[Gift]:
    """A gift the customer bought, with its code and delivery."""
    return answer(_gift(await gifts.bought_gift(session, customer, gift_id)))


@router.patch("/gifts/{gift_id}")
async def update_gift(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(UPDATE)], gift_id: int = GiftId
) -> Answer[Gift]:
    """Change a gift's delivery (the buyer's own gift, until it is sent)."""
    delivery = delivery_of(body)
    try:
        details = await gifts.change_delivery(session, customer, gift_id, delivery)
    except Conflict as refused:
        raise Refused(422, refused.message) from None
    return answer(_gift(details))
