"""Gifts: `createPayment` with `is_gift` and `receiver_email` buys one (see payments.py); the receiver checks the
code with `GET /v2/gifts/{code}` and redeems it with `POST /v2/gifts/{code}/redeem` (our contract: the SDK has
no call for either)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from typing_extensions import TypedDict

from boxoffice.billing import gifts
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.deps import AppSettings, Client, CurrentCustomer, Session
from boxoffice.dialects.inplayer.forms import flag, text
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.identity.models import Customer
from boxoffice.kit.errors import InvalidInput

router = APIRouter(route_class=InPlayerRoute, tags=["gifts"])


class GiftBody(TypedDict):
    code: str
    item_id: int
    item_title: str
    access_fee_id: int
    redeemed: bool
    refunded: bool
    from_name: str


class Redeemed(GiftBody):
    """The gift, and the access it gave the receiver."""

    item_access_id: int
    starts_at: int | None
    expires_at: int | None


Code = Annotated[str, Path(min_length=1, max_length=gifts.MAX_TYPED)]


async def _looking_up(request: Request, settings: AppSettings, client: Client, customer: CurrentCustomer) -> Customer:
    """The customer looking a code up, the look-up counted first (RateLimited past the limits)."""
    await gifts.count_code_lookup(request.app.state.sessions, settings, customer, client.ip_address)
    return customer


LookingUp = Annotated[Customer, Depends(_looking_up)]


# The fields `gift_receiver` reads, for the bodies of the routes that call it.
GIFT_FIELDS = (
    bodies.flag("is_gift", "Whether the purchase is a gift for someone else"),
    bodies.text("receiver_email", "Whom the gift is for (with `is_gift=true`)"),
)


def gift_receiver(body: dict[str, Any]) -> str | None:
    """Whom a purchase is a gift for; None: for the buyer. A receiver without `is_gift` is refused rather than
    guessed at: read one way the buyer pays for access they didn't want, read the other for a gift they didn't ask
    for."""
    receiver = (text(body, "receiver_email") or "").strip()
    if not flag(body, "is_gift"):
        if receiver:
            raise InvalidInput({"is_gift": "A receiver_email is for a gift: send is_gift=true with it"})
        return None
    if not receiver:
        raise InvalidInput({"receiver_email": "The receiver's email is required for a gift"})
    return receiver


def _gift(details: gifts.GiftDetails) -> GiftBody:
    gift = details.gift
    return {
        "code": gift.code,
        "item_id": gift.product_id,
        "item_title": details.product.title,
        "access_fee_id": gift.price_id,
        "redeemed": gift.redeemed_at is not None,
        "refunded": gift.refunded_at is not None,
        "from_name": details.from_name,
    }


@router.get("/v2/gifts/{code}")
async def get_gift(session: Session, customer: LookingUp, code: Code) -> GiftBody:
    """What a gift code gives, and whether it was redeemed.

    Look-ups are limited per address and per customer."""
    return _gift(await gifts.gift_details(session, customer.merchant_id, code))


@router.post("/v2/gifts/{code}/redeem")
async def redeem_gift(session: Session, customer: LookingUp, code: Code) -> Redeemed:
    """Redeem a gift code: the viewer gets the access it gives.

    Look-ups are limited per address and per customer."""
    redeemed = await gifts.redeem_gift(session, customer, code)
    entitlement = redeemed.entitlement
    return {
        **_gift(redeemed.details),
        "item_access_id": entitlement.id,
        "starts_at": render.ts(entitlement.starts_at),
        "expires_at": render.ts(entitlement.expires_at),
    }
