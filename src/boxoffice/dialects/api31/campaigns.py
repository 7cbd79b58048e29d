"""The publisher's coupon campaigns: `GET /campaigns`, answered as `{message, data[]}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from typing_extensions import TypedDict

from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.campaigns import campaign_object
from boxoffice.promotions import campaigns
from boxoffice.promotions.associates import Issuer

router = APIRouter(route_class=Api31Route, tags=["api31"])
PAGE = 20
MAX_PAGE = 100


class Campaigns(TypedDict):
    """The campaigns, newest first, each as Cleeng lists a coupon campaign."""

    message: str
    data: list[dict[str, Any]]


@router.get("/campaigns")
async def list_campaigns(
    session: Session,
    publisher: Publisher,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
) -> Answer[Campaigns]:
    """The publisher's coupon campaigns (its associates' too), for single offers and subscriptions, newest first."""
    _, views = await campaigns.list_campaigns(
        session, Issuer(publisher), for_subscriptions=None, offset=offset, limit=limit
    )
    return answer({"message": "Campaigns", "data": [campaign_object(view) for view in views]})
