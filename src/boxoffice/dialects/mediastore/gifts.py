"""Gifts: the buyer reads theirs (`GET /gifts/{giftId}`) and changes its delivery until it is sent
(`PATCH /gifts/{giftId}`); anyone signed in checks a code (`GET /gifts/verification/{code}`) and redeems it
(`POST /gifts/redeem/{code}`). `deliveryDetails` is also what `PATCH /orders/{orderId}` takes for an order bought
as a gift: `recipientEmail`, `deliveryDate` (Unix seconds; null or a moment passed: at once), `personalNote`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from boxoffice.billing import gifts
from boxoffice.dialects.cleeng.body import Fields, declare
from boxoffice.dialects.cleeng.gifts import DELIVERY, Gift, Verification, delivery_of, gift_of, verification
from boxoffice.dialects.mediastore.deps import AppSettings, Client, CurrentCustomer, Session
from boxoffice.dialects.mediastore.envelope import Answer, answer
from boxoffice.dialects.mediastore.errors import Refused
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity.models import Customer
from boxoffice.kit.errors import Conflict

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
Code = Path(min_length=1, max_length=40)
GiftId = Path(ge=1, le=2**53)
UPDATE = declare(DELIVERY)


async def _looking_up(request: Request, settings: AppSettings, client: Client, customer: CurrentCustomer) -> Customer:
    """The customer looking a code up, the look-up counted first (RateLimited past the limits)."""
    await gifts.count_code_lookup(request.app.state.sessions, settings, customer, client.ip_address)
    return customer


LookingUp = Annotated[Customer, Depends(_looking_up)]


@router.get("/gifts/verification/{code}")
async def verify_gift(session: Session, customer: LookingUp, code: str = Code) -> Answer[Verification]:
    """Whether a gift code can be redeemed, and for which offer (look-ups are rate-limited)."""
    return answer(verification(await gifts.gift_details(session, customer.merchant_id, code)))


@router.post("/gifts/redeem/{code}")
async def redeem_gift(session: Session, customer: LookingUp, code: str = Code) -> Answer[Verification]:
    """Redeem a gift code: the customer gets the access it gives."""
    try:
        redeemed = await gifts.redeem_gift(session, customer, code)
    except Conflict as refused:
        raise Refused(422, refused.message) from None
    return answer(verification(redeemed.details))


@router.get("/gifts/{gift_id}")
async def read_gift(session: Session, customer: CurrentCustomer, gift_id: int = GiftId) -> Answer[Gift]:
    """A gift the customer bought, with its code and delivery."""
    return answer(gift_of(await gifts.bought_gift(session, customer, gift_id)))


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
    return answer(gift_of(details))
