"""Gifts in Cleeng's words, for both of its dialects that show them (MediaStore to the buyer and redeemer, API 3.1
to the publisher): a gift with its code and delivery (`deliveryDetails`: `recipientEmail`, `deliveryDate` in Unix
seconds, null or a moment passed meaning at once, `personalNote`), and whether a code can be redeemed."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from boxoffice.billing import gift_delivery, gifts
from boxoffice.dialects.cleeng.body import BadBody, Fields, Shaped
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.kit import clock

CLOSED = ConfigDict(extra="forbid")
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
        raise BadBody(f"Invalid param deliveryDetails.{name}")
    return value


def _date(details: dict[str, Any]) -> datetime | None:
    value = details.get("deliveryDate")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadBody("Invalid param deliveryDetails.deliveryDate: Unix seconds, or null for now")
    if not 0 <= value <= LAST_DATE:
        raise BadBody("Invalid param deliveryDetails.deliveryDate: Unix seconds, or null for now")
    return clock.from_unix(int(value))


def delivery_of(body: Fields) -> gift_delivery.Delivery:
    """The body's `deliveryDetails`: a wrong type is a 400 naming it; a bad address or a note too long, a 422."""
    details = DELIVERY.read(body)
    if not isinstance(details, dict):
        raise BadBody("Invalid param deliveryDetails: an object with recipientEmail, deliveryDate, personalNote")
    return gift_delivery.delivery(_text(details, RECIPIENT, 320), _date(details), _text(details, NOTE, MAX_NOTE_READ))


def delivery_details(email: str | None, date: datetime | None, note: str | None) -> DeliveryDetails:
    return {"recipientEmail": email, "deliveryDate": clock.unix(date) if date else None, "personalNote": note or ""}


def gift_offer_id(details: gifts.GiftDetails) -> str:
    return offer_id(details.price) if details.price else ""


# In the SDK's words, which it turns into the text a customer reads: a refunded gift buys nothing any more, which
# is what it says of an offer no longer available.
REFUSALS: dict[gifts.Spent, Literal["INACTIVE_OFFER", "REDEEMED"]] = {
    gifts.Spent.REFUNDED: "INACTIVE_OFFER",
    gifts.Spent.REDEEMED: "REDEEMED",
}


def verification(details: gifts.GiftDetails) -> Verification:
    spent = details.spent
    return {
        "redeemable": spent is None,
        "redeemMode": "NEW_ACCESS",
        "redeemRefusalReason": REFUSALS[spent] if spent else None,
        "extendedSubscriptionId": None,
        "offerId": gift_offer_id(details),
    }


def gift_of(details: gifts.GiftDetails) -> Gift:
    gift = details.gift
    return {
        "id": gift.id,
        "code": gift.code,
        "offerId": gift_offer_id(details),
        "deliveryDetails": delivery_details(gift.receiver_email, gift.delivery_date, gift.personal_note),
        "sentAt": clock.unix(gift.sent_at) if gift.sent_at else None,
        "redeemedAt": clock.unix(gift.redeemed_at) if gift.redeemed_at else None,
    }
