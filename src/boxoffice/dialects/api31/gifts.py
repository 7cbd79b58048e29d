"""Gifts from the publisher's back end: any of its gifts read (`GET /gifts/{giftId}`) and its delivery changed
until it is sent (`PATCH /gifts/{giftId}`), a code checked (`GET /gifts/{code}/verification`) and redeemed for a
customer (`POST /gifts/{code}/redeem` with `redeemerId`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from boxoffice.billing import gifts
from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Text, Whole, declare
from boxoffice.dialects.cleeng.gifts import DELIVERY, Gift, Verification, delivery_of, gift_of, verification
from boxoffice.identity import customers
from boxoffice.kit import client_info

router = APIRouter(route_class=Api31Route, tags=["api31"])
GiftParam = Path(ge=1, le=2**53, description="The gift's id")
CodeParam = Path(min_length=1, max_length=40, description="The gift's code")
UPDATE = declare(DELIVERY)
REDEEMER_ID = Whole("redeemerId", "The customer who redeems the code", required=True)
CUSTOMER_IP = Text("customerIp", "The redeemer's IP address, when known", max_length=64)
REDEEM = declare(REDEEMER_ID, CUSTOMER_IP)


@router.get("/gifts/{gift_id}")
async def read_gift(session: Session, publisher: Publisher, gift_id: int = GiftParam) -> Answer[Gift]:
    """One of the publisher's gifts, whoever bought it: its code, offer and delivery."""
    return answer(gift_of(await gifts.merchant_gift(session, publisher.id, gift_id)))


@router.patch("/gifts/{gift_id}")
async def update_gift(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(UPDATE)], gift_id: int = GiftParam
) -> Answer[Gift]:
    """Change a gift's delivery (`deliveryDetails`) until it is sent; a delivery due now is sent at once."""
    delivery = delivery_of(body)
    return answer(gift_of(await gifts.change_gift_delivery(session, publisher.id, gift_id, delivery)))


@router.get("/gifts/{code}/verification")
async def verify_gift(session: Session, publisher: Publisher, code: str = CodeParam) -> Answer[Verification]:
    """Whether a gift code can be redeemed, and for which offer."""
    return answer(verification(await gifts.gift_details(session, publisher.id, code)))


@router.post("/gifts/{code}/redeem")
async def redeem_gift(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(REDEEM)], code: str = CodeParam
) -> Answer[Verification]:
    """Redeem a gift code for a customer (`redeemerId`), who gets the access it gives; a code redeemed or refunded
    already is refused (409)."""
    redeemer = REDEEMER_ID.read(body)
    if redeemer is None:
        raise Refused(422, "Invalid parameter redeemerId: required")
    address = CUSTOMER_IP.read(body)
    if address is not None and client_info.parse_address(address) is None:
        raise Refused(422, "Invalid parameter customerIp: an IP address")
    customer = await customers.get_customer(session, publisher, redeemer)
    return answer(verification((await gifts.redeem_gift(session, customer, code)).details))
