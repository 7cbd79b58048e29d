"""Access redeemed with a voucher that leaves nothing to pay for a one-time price."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access.service import decide_access
from boxoffice.billing.refusals import NotOnSale
from boxoffice.billing.voucher_access import redeem_for_access
from boxoffice.catalog.models import Price, Product
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import AlreadyHeld, NotFound
from boxoffice.promotions import repository as promotions_repo
from boxoffice.promotions.models import Voucher
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused
from tests import shop

CLIENT = ClientInfo("81.2.69.160", "GB", Device("desktop", None, None, None), None)


def _week(product: Product) -> Price:
    return Price(
        merchant_id=product.merchant_id,
        product_id=product.id,
        access_type_id=3,
        kind="one_time",
        amount=1230,
        currency="EUR",
        period_unit="week",
        period_quantity=1,
    )


def _voucher(merchant_id: int, code: str, percent_off: int, usage_limit: int | None = None) -> Voucher:
    return Voucher(merchant_id=merchant_id, name=code, code=code, percent_off=percent_off, usage_limit=usage_limit)


async def test_a_whole_voucher_opens_access_once_and_counts_its_use(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        product = await shop.product(session, merchant.id)
        price, free = _week(product), _voucher(merchant.id, "FREE", 100, usage_limit=2)
        session.add_all([price, free, _voucher(merchant.id, "HALF", 50)])
        await session.flush()
        with pytest.raises(VoucherRefused) as half:
            await redeem_for_access(session, merchant, customer, price.id, "half", CLIENT)
        assert half.value.reason == VoucherRefusal.WRONG_PRICE
        redeemed = await redeem_for_access(session, merchant, customer, price.id, "free", CLIENT)
        assert (redeemed.entitlement.source, redeemed.entitlement.price_id, redeemed.price.id) == (
            "voucher",
            price.id,
            price.id,
        )
        free_id = free.id
        session.expire(free)  # its use is counted by a statement of its own
        counted = await promotions_repo.voucher_by_id(session, merchant.id, free_id)
        assert counted is not None and counted.usage_count == 1
        assert (await decide_access(session, merchant, customer, product, CLIENT)).granted
        with pytest.raises(AlreadyHeld):
            await redeem_for_access(session, merchant, customer, price.id, "free", CLIENT)


async def test_a_price_not_sold_once_or_not_the_merchants_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        merchant, other = await shop.merchant(session), await shop.merchant(session, "Other")
        customer = await shop.customer(session, merchant.id)
        monthly = await shop.monthly_price(session, await shop.product(session, merchant.id))
        theirs = _week(await shop.product(session, other.id))
        session.add_all([theirs, _voucher(merchant.id, "FREE", 100)])
        await session.flush()
        with pytest.raises(NotOnSale):
            await redeem_for_access(session, merchant, customer, monthly.id, "FREE", CLIENT)
        with pytest.raises(NotFound):
            await redeem_for_access(session, merchant, customer, theirs.id, "FREE", CLIENT)
