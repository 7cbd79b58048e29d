"""Gifts: a one-time price paid by one customer for someone else, who gets a code by e-mail and redeems it.

The buyer pays as for a purchase (billing.purchases, with `gift_to`; or an order bought as a gift, billing.orders,
whose delivery details the gift takes); when the payment settles, the gift is written in the settling transaction
instead of the buyer's access, and the e-mail with its code is sent then or on the day the buyer chose
(billing.gift_delivery). Until it is sent, the buyer may change where, when and with what note it goes. Whoever
redeems the code first gets the access the price gives, from the moment of redemption. A full refund before
redemption voids the code; after it, it ends the redeemer's access.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import events as access_events
from boxoffice.access import repository as access_repo
from boxoffice.access import service as access_service
from boxoffice.access.models import Entitlement
from boxoffice.billing import gift_delivery
from boxoffice.billing import gifts_repository as repo
from boxoffice.billing import orders_repository as orders_repo
from boxoffice.billing.models import Gift, Payment
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.events import outbox
from boxoffice.identity import merchants
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock, throttle, validation
from boxoffice.kit.errors import Conflict, NotFound
from boxoffice.kit.settings import Settings

# No 0/O, 1/I/L, nor U (read as V): a code read off a phone or spoken aloud survives being typed.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
# 30**12 ≈ 5·10^17 codes per merchant: not found by trying, and still short enough to type.
CODE_LENGTH = 12
MAX_TYPED = 64  # what is looked at of a typed code, separators included


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(typed: str | None) -> str:
    """A code as stored: typed in any case, with or without spaces or dashes between its groups."""
    return "".join(char for char in (typed or "")[:MAX_TYPED].upper() if char.isalnum())


async def count_code_lookup(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, customer: Customer, client_ip: str | None
) -> None:
    """Count a look-up of a code (checked or redeemed) per address and per customer, as sign-ins are counted;
    RateLimited past either limit. A code is a bearer secret: whoever guesses one holds what it buys."""
    await throttle.hit(
        sessions,
        {
            f"gift:ip:{client_ip}": settings.auth_rate_per_ip,
            f"gift:account:{customer.merchant_id}:{customer.id}": settings.auth_rate_per_account,
        },
    )


def receiver_address(email: str | None) -> str:
    """The receiver's e-mail, normalised; InvalidInput on `receiver_email` when it isn't one."""
    problems = validation.Problems()
    address = validation.email(email, problems, "receiver_email")
    problems.raise_any()
    return address


async def _free_code(session: AsyncSession, merchant_id: int) -> str:
    for _ in range(5):
        code = new_code()
        if await repo.gift_by_code(session, merchant_id, code) is None:
            return code
    raise RuntimeError("no free gift code after 5 tries: the random source is broken")


def giftable(price: Price) -> bool:
    """Whether a price may be bought for someone else: a one-time one (a subscription renews on its payer's card)."""
    return price.kind == "one_time"


async def create_gift(
    session: AsyncSession, merchant: Merchant, payment: Payment, product: Product, price: Price, buyer: Customer
) -> Gift:
    """The gift a settled payment bought, with the delivery its order asked for, and the e-mail that takes its
    code to the receiver when that is due now (in the caller's transaction, so a gift is never paid for without
    its e-mail, nor mailed without being paid for); a later one is the delivery chore's."""
    assert payment.receiver_email is not None
    order = await orders_repo.order_paid_by(session, merchant.id, payment)
    gift = Gift(
        merchant_id=merchant.id,
        code=await _free_code(session, merchant.id),
        payment_id=payment.id,
        product_id=product.id,
        price_id=price.id,
        buyer_customer_id=buyer.id,
        # The order's: its buyer may have changed them since the payment was started.
        receiver_email=(order.gift_receiver_email if order else None) or payment.receiver_email,
        delivery_date=order.gift_delivery_date if order else None,
        personal_note=order.gift_personal_note if order else None,
    )
    session.add(gift)
    await session.flush()
    # Its re-read of the claimed row refreshes `gift` (one row, one object in the session).
    await gift_delivery.send_if_due(session, merchant.id, gift.id, clock.now())
    return gift


class Spent(StrEnum):
    """Why a gift's code opens nothing any more."""

    REFUNDED = "refunded"  # its payment was handed back
    REDEEMED = "redeemed"


@dataclass(frozen=True, slots=True)
class GiftDetails:
    """A gift as the holder of its code sees it: what it opens (the product, and the price it was bought at,
    None once that is deleted) and who sent it (by name, never by address)."""

    gift: Gift
    product: Product
    price: Price | None
    from_name: str

    @property
    def spent(self) -> Spent | None:
        """Why the code can't be redeemed; None while it can."""
        if self.gift.refunded_at is not None:
            return Spent.REFUNDED
        if self.gift.redeemed_at is not None:
            return Spent.REDEEMED
        return None


async def gift_details(session: AsyncSession, merchant_id: int, code: str | None) -> GiftDetails:
    gift = await repo.gift_by_code(session, merchant_id, normal_code(code))
    if gift is None:
        raise NotFound("Gift not found")
    product = await catalog_repo.product_by_id(session, merchant_id, gift.product_id)
    price = await catalog_repo.price_by_id(session, merchant_id, gift.price_id)
    buyer = await identity_repo.customer_by_id(session, merchant_id, gift.buyer_customer_id)
    assert product is not None  # the gift goes with its product
    return GiftDetails(gift, product, price, buyer.full_name if buyer is not None else "")


async def bought_gift(session: AsyncSession, customer: Customer, gift_id: int) -> GiftDetails:
    """A gift as its buyer sees it; nobody else's."""
    gift = await repo.gift_by_id(session, customer.merchant_id, gift_id)
    if gift is None or gift.buyer_customer_id != customer.id:
        raise NotFound("Gift not found")
    product = await catalog_repo.product_by_id(session, customer.merchant_id, gift.product_id)
    price = await catalog_repo.price_by_id(session, customer.merchant_id, gift.price_id)
    assert product is not None  # the gift goes with its product
    return GiftDetails(gift, product, price, customer.full_name)


async def change_delivery(
    session: AsyncSession, customer: Customer, gift_id: int, delivery: gift_delivery.Delivery
) -> GiftDetails:
    """The buyer's new receiver, date or note for a gift not yet sent (one due now goes at once). Conflict once
    it has gone, or its code was redeemed or refunded: its e-mail can't be called back."""
    details = await bought_gift(session, customer, gift_id)
    changed = await repo.change_delivery(
        session, customer.merchant_id, gift_id, delivery.receiver_email, delivery.date, delivery.note
    )
    gift = await repo.gift_by_id(session, customer.merchant_id, gift_id)
    assert gift is not None
    if not changed:
        _refuse_spent(gift)
        raise Conflict("This gift has already been sent")
    await gift_delivery.send_if_due(session, customer.merchant_id, gift_id, clock.now())
    return GiftDetails(gift, details.product, details.price, details.from_name)


async def merchant_gift(session: AsyncSession, merchant_id: int, gift_id: int) -> GiftDetails:
    """One of the merchant's gifts, whoever bought it; another merchant's is not found."""
    gift = await repo.gift_by_id(session, merchant_id, gift_id)
    if gift is None:
        raise NotFound("Gift not found")
    return await gift_details(session, merchant_id, gift.code)


async def change_gift_delivery(
    session: AsyncSession, merchant_id: int, gift_id: int, delivery: gift_delivery.Delivery
) -> GiftDetails:
    """The merchant changes a gift's delivery for its buyer, as the buyer would (`change_delivery`)."""
    gift = await repo.gift_by_id(session, merchant_id, gift_id)
    buyer = await identity_repo.customer_by_id(session, merchant_id, gift.buyer_customer_id) if gift else None
    if gift is None or buyer is None:
        raise NotFound("Gift not found")
    return await change_delivery(session, buyer, gift_id, delivery)


def _refuse_spent(gift: Gift) -> None:
    if gift.refunded_at is not None:
        raise Conflict("This gift was refunded")
    if gift.redeemed_at is not None:
        raise Conflict("This gift has already been redeemed")


@dataclass(frozen=True, slots=True)
class Redeemed:
    """A gift as it stands once redeemed, and the access it opened."""

    details: GiftDetails
    entitlement: Entitlement


async def redeem_gift(session: AsyncSession, customer: Customer, code: str | None) -> Redeemed:
    """Give `customer` the access a gift bought, once: of redemptions at once, one wins and the rest are told."""
    merchant = await merchants.merchant_of(session, customer.merchant_id)
    details = await gift_details(session, merchant.id, code)
    _refuse_spent(details.gift)
    now = clock.now()
    claimed = await repo.claim_gift(session, merchant.id, details.gift.id, customer.id, now)
    gift = await repo.gift_by_id(session, merchant.id, details.gift.id)
    assert gift is not None
    if not claimed:
        _refuse_spent(gift)
        raise Conflict("This gift has already been redeemed")
    price = await catalog_repo.price_by_id(session, merchant.id, gift.price_id)
    assert price is not None  # the gift goes with its price
    # The payment's id, as a purchase's entitlement names its payment: the access lists show the charge behind it.
    ref = str(gift.payment_id)
    entitlement = await access_service.grant_access(
        session, merchant, customer, details.product, source="gift", price=price, starts_at=now, source_ref=ref
    )
    gift.entitlement_id = entitlement.id
    await session.flush()
    # The payment told of the gift bought; the access it opens is told here, as the redeemer's.
    await outbox.record(session, access_events.granted(entitlement))
    return Redeemed(GiftDetails(gift, details.product, details.price, details.from_name), entitlement)


async def refund_gift(session: AsyncSession, merchant_id: int, payment_id: int) -> None:
    """A gift's payment handed back in full: an unredeemed code is void, a redeemed one's access ends."""
    gift = await repo.gift_of_payment(session, merchant_id, payment_id)
    if gift is None or gift.refunded_at is not None:
        return
    now = clock.now()
    if await repo.void_unredeemed(session, merchant_id, gift.id, now):
        return
    # Redeemed (perhaps a moment ago, by a redemption this UPDATE waited for): read what it wrote.
    redeemed = await repo.gift_by_id(session, merchant_id, gift.id)
    assert redeemed is not None
    if redeemed.redeemed_by_customer_id is not None and redeemed.entitlement_id is not None:
        ended = await access_repo.revoke_by_id(
            session, merchant_id, redeemed.redeemed_by_customer_id, redeemed.entitlement_id, now, "refunded"
        )
        if ended:
            revoked = await access_repo.entitlements_by_ids(session, merchant_id, [redeemed.entitlement_id])
            await outbox.record(session, *(access_events.revoked(e) for e in revoked.values()))
    redeemed.refunded_at = now


@dataclass(frozen=True, slots=True)
class GiftShown:
    """A gift as its buyer and the merchant see it in the payment history."""

    gift: Gift
    buyer_email: str


async def gifts_of(session: AsyncSession, merchant_id: int, payments: Sequence[Payment]) -> dict[int, GiftShown]:
    """The gifts `payments` bought, by payment id."""
    gifts = await repo.gifts_of_payments(session, merchant_id, [p.id for p in payments if p.kind == "gift"])
    emails: dict[int, str] = {}
    for buyer_id in {gift.buyer_customer_id for gift in gifts}:
        buyer = await identity_repo.customer_by_id(session, merchant_id, buyer_id)
        emails[buyer_id] = buyer.email if buyer is not None else ""
    return {gift.payment_id: GiftShown(gift, emails[gift.buyer_customer_id]) for gift in gifts}


class GiftState(StrEnum):
    """Where a gift stands, as the merchant reads its list."""

    SCHEDULED = "scheduled"  # its e-mail waits for the day the buyer chose
    SENT = "sent"
    REDEEMED = "redeemed"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class ListedGift:
    gift: Gift
    product_title: str
    buyer_email: str

    @property
    def state(self) -> GiftState:
        if self.gift.refunded_at is not None:
            return GiftState.REFUNDED
        if self.gift.redeemed_at is not None:
            return GiftState.REDEEMED
        if self.gift.sent_at is None and self.gift.delivery_date is not None:
            return GiftState.SCHEDULED
        return GiftState.SENT


async def list_gifts(session: AsyncSession, merchant_id: int, *, page: int, limit: int) -> tuple[int, list[ListedGift]]:
    """A page of the merchant's gifts, newest first."""
    found = await repo.gifts_page(session, merchant_id, offset=page * limit, limit=limit)
    return found.total, [ListedGift(gift, title, email) for gift, title, email in found.items]
