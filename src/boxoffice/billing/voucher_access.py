"""Access redeemed with a voucher that takes the whole of a one-time price: nothing is charged, so no gateway is
asked and no payment written; the voucher's use is counted and the access opened as the price gives it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.access import events as access_events
from boxoffice.access import service as access
from boxoffice.access.models import Entitlement
from boxoffice.billing import purchases
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.events import outbox
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Missing, NotFound
from boxoffice.promotions import vouchers
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused


@dataclass(frozen=True, slots=True)
class Redeemed:
    entitlement: Entitlement
    price: Price


async def redeem_for_access(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    price_id: int,
    voucher_code: str,
    client: ClientInfo,
) -> Redeemed:
    """Open the customer's access through a one-time price with a voucher that leaves nothing to pay.

    NotFound(PRICE) for a price not the merchant's, NotOnSale when it isn't sold now (or is a subscription),
    AlreadyHeld when they may watch it already, VoucherRefused when the voucher can't be used or leaves something
    to pay (WRONG_PRICE: it is no voucher for getting this price free)."""
    price = await catalog_repo.price_by_id(session, merchant.id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    price = await purchases.price_on_sale(session, merchant.id, price.id, client)
    await purchases.refuse_held(session, merchant.id, customer.id, price.product_id)
    discount = await vouchers.discount_for(session, merchant.id, voucher_code, price)
    if discount.final_amount > 0:
        raise VoucherRefused(VoucherRefusal.WRONG_PRICE)
    await vouchers.use(session, merchant.id, discount.voucher.id)
    product = await access.get_product(session, merchant, price.product_id)
    entitlement = await access.grant_access(
        session,
        merchant,
        customer,
        product,
        source="voucher",
        price=price,
        source_ref=str(discount.voucher.id),
        client=client,
    )
    await outbox.record(session, access_events.granted(entitlement))
    return Redeemed(entitlement, price)
