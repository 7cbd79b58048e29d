"""Gifts: the buyer reads theirs (`GET /gifts/{giftId}`); anyone signed in checks a code
(`GET /gifts/verification/{code}`) and redeems it (`POST /gifts/redeem/{code}`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice import clock
from boxoffice.billing import gifts
from boxoffice.catalog import repository as catalog_repo
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Session
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.errors import Refused
from boxoffice.dialects.mediastore.offer_ids import offer_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.errors import Conflict
from boxoffice.identity.merchants import merchant_of

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
Code = Path(min_length=1, max_length=40)


async def _offer_id(session: AsyncSession, details: gifts.GiftDetails) -> str:
    price = await catalog_repo.price_by_id(session, details.gift.merchant_id, details.gift.price_id)
    return offer_id(price) if price else ""


def _refusal(details: gifts.GiftDetails) -> str | None:
    if details.gift.refunded_at is not None:
        return "GIFT_REFUNDED"
    if details.gift.redeemed_at is not None:
        return "GIFT_ALREADY_REDEEMED"
    return None


async def _verification(session: AsyncSession, details: gifts.GiftDetails) -> dict[str, Any]:
    reason = _refusal(details)
    return {
        "redeemable": reason is None,
        "redeemMode": "NEW_ACCESS",
        "redeemRefusalReason": reason,
        "extendedSubscriptionId": None,
        "offerId": await _offer_id(session, details),
    }


@router.get("/gifts/verification/{code}")
async def verify_gift(session: Session, customer: CurrentCustomer, code: str = Code) -> Any:
    return answer(await _verification(session, await gifts.gift_details(session, customer.merchant_id, code)))


@router.post("/gifts/redeem/{code}")
async def redeem_gift(session: Session, customer: CurrentCustomer, code: str = Code) -> Any:
    merchant = await merchant_of(session, customer.merchant_id)
    try:
        details, _ = await gifts.redeem_gift(session, merchant, customer, code)
    except Conflict as refused:
        raise Refused(422, refused.message) from None
    found = await gifts.gift_details(session, customer.merchant_id, details.gift.code)
    return answer(await _verification(session, found))


@router.get("/gifts/{gift_id}")
async def read_gift(session: Session, customer: CurrentCustomer, gift_id: int = Path(ge=1, le=2**53)) -> Any:
    details = await gifts.bought_gift(session, customer, gift_id)
    gift = details.gift
    return answer(
        {
            "id": gift.id,
            "code": gift.code,
            "offerId": await _offer_id(session, details),
            "deliveryDetails": {"recipientEmail": gift.receiver_email, "deliveryDate": None, "personalNote": ""},
            "sentAt": clock.unix(gift.created_at),
            "redeemedAt": clock.unix(gift.redeemed_at) if gift.redeemed_at else None,
        }
    )
