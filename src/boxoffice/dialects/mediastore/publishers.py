"""Cleeng's `publisherId`: the merchant's public number (`identity.merchants.public_number`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.identity.merchants import merchant_by_public_number, public_number
from boxoffice.identity.models import Merchant
from boxoffice.kit.errors import NotFound

publisher_id = public_number


async def merchant_of_publisher(session: AsyncSession, publisher: int | None) -> Merchant:
    """The merchant a `publisherId` names; the SDK matches the refusal's text `Invalid param publisherId`."""
    try:
        if publisher is None:
            raise NotFound()
        merchant = await merchant_by_public_number(session, publisher)
    except NotFound:
        raise Refused(422, "Invalid param publisherId", INVALID_BODY) from None
    if not merchant.active:
        raise Refused(422, "Invalid param publisherId", INVALID_BODY)
    return merchant
