"""One-time purchases: a price paid by card through the merchant's gateway, then access and the books.

The card is saved with the gateway, then the payment is written `pending` and committed before any charge;
billing.charges asks the gateway and settles the answer (see there for why that order keeps money safe).

What the customer may already watch is not sold to them again, and identical purchases made at once charge once:
the pending payment is the customer's one open attempt at the item (a unique index over the open attempts, see
Payment), so a second one written meanwhile fails, in any process; and whether they hold the item is read in the
transaction that wrote it, after the write, when an attempt that settled first is seen (PostgreSQL makes the
second writer wait for the first's settlement; SQLite lets one writer in at a time). An attempt awaiting its
challenge is not open in that sense, so the customer may try again with another card: once one attempt pays, the
others still awaiting a challenge are given up at the gateway, and can no longer be paid.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.billing import charges, gifts, payment_methods
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.billing.refusals import NotOnSale, SaleRefusal
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.gateways.protocol import PaymentGateway
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import AlreadyHeld, Conflict, Missing, NotFound
from boxoffice.promotions import vouchers
from boxoffice.restrictions import repository as restrictions_repo
from boxoffice.restrictions import rules

# A price of the other kind than the one asked for is refused so.
WRONG_KIND = {"one_time": SaleRefusal.SUBSCRIPTION_ONLY, "subscription": SaleRefusal.ONE_TIME_ONLY}


async def price_on_sale(
    session: AsyncSession, merchant_id: int, price_id: int, client: ClientInfo, kind: str = "one_time"
) -> Price:
    """The price, if it is of `kind` and sold now to a viewer where `client` is."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    product = await catalog_repo.product_by_id(session, merchant_id, price.product_id)
    now = clock.now()
    if product is None or not product.active or not price.active:
        raise NotOnSale(SaleRefusal.INACTIVE)
    if price.kind != kind:
        raise NotOnSale(WRONG_KIND[kind])
    if (price.starts_at and price.starts_at > now) or (price.expires_at and price.expires_at <= now):
        raise NotOnSale(SaleRefusal.NOT_NOW)
    if price.country_set_id:
        rules.check_geo(
            await restrictions_repo.country_set(session, merchant_id, price.country_set_id), client.country_code
        )
    return price


async def buy_access(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    *,
    price_id: int,
    source: payment_methods.Source,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
    voucher_code: str | None = None,
    gift_to: str | None = None,
) -> Payment:
    """Charge `source` (a card, a wallet, the mandate) for a one-time price, less a voucher's discount, and open
    access. The same key answers with the same payment. A price a voucher takes all of is granted without asking
    the gateway. With `gift_to`, the access is a gift whose code is e-mailed there (see billing.gifts)."""
    # Normalised: the address stored, and compared when the key is replayed.
    gift_to = gifts.receiver_address(gift_to) if gift_to is not None else None
    async with sessions() as session:
        payment = await repo.payment_by_key(session, merchant.id, idempotency_key)
        price = None if payment is not None else await price_on_sale(session, merchant.id, price_id, client)
        if price is not None and gift_to is None:
            await refuse_held(session, merchant.id, customer.id, price.product_id)  # before the card is saved
        discount = (
            await vouchers.discount_for(session, merchant.id, voucher_code, price) if price and voucher_code else None
        )
    if price is not None:
        payment = await _new_payment(
            sessions, gateway, merchant, customer, price, discount, source, idempotency_key, return_url, client, gift_to
        )
    assert payment is not None
    kind = "gift" if gift_to else "purchase"
    mismatch = payment.price_id != price_id or payment.customer_id != customer.id or payment.kind != kind
    if mismatch or payment.receiver_email != gift_to:
        raise Conflict("This idempotency key was used for another payment")
    if payment.status != PaymentStatus.PENDING:
        return payment  # a replay of a payment already decided
    return await charges.charge(sessions, gateway, merchant, payment)


async def _new_payment(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    price: Price,
    discount: vouchers.Discount | None,
    source: payment_methods.Source,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
    gift_to: str | None,
) -> Payment:
    """The payment written `pending` (with its voucher use counted), or the one a racing request with the same
    key wrote first."""
    amount = discount.final_amount if discount else price.amount
    method = payment_methods.Method("", "", payment_methods.kind_of(source))
    if amount:
        method = await payment_methods.method_for(sessions, gateway, merchant, customer, source, price.currency)
    payment = Payment(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        kind="gift" if gift_to else "purchase",
        receiver_email=gift_to,
        idempotency_key=idempotency_key,
        amount=amount,
        currency=price.currency,
        discount=discount.amount_off if discount else 0,
        credit_used=0,
        voucher_id=discount.voucher.id if discount else None,
        gateway=gateway.name,
        method=method.kind,
        gateway_customer_ref=method.customer_ref,
        gateway_method=method.token,
        status=PaymentStatus.PENDING,
        return_url=return_url,
        ip_address=client.ip_address,
        country_code=client.country_code,
    )

    async def steps(session: AsyncSession) -> None:
        session.add(payment)
        await session.flush()  # first: see the module's docstring
        if gift_to is None:
            await refuse_held(session, merchant.id, customer.id, price.product_id)
        if discount:
            await vouchers.use(session, merchant.id, discount.voucher.id)

    return await charges.start_payment(sessions, payment, steps)


async def refuse_held(session: AsyncSession, merchant_id: int, customer_id: int, product_id: int) -> None:
    """AlreadyHeld when the customer may already watch the product."""
    if await access_repo.current_entitlement(session, merchant_id, customer_id, [product_id], clock.now()):
        raise AlreadyHeld()


async def entitled_already(session: AsyncSession, merchant_id: int, customer_id: int, price_id: int) -> int | None:
    """The entitlement by which the customer may already watch what `price_id` sells, if any."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound(what=Missing.PRICE)
    found = await access_repo.current_entitlement(session, merchant_id, customer_id, [price.product_id], clock.now())
    return found.id if found is not None else None


async def offer_of(session: AsyncSession, merchant_id: int, price_id: int) -> tuple[str, str]:
    """What a price sells and in which currency, as a checkout page names them."""
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    product = await catalog_repo.product_by_id(session, merchant_id, price.product_id) if price else None
    if price is None or product is None:
        raise NotFound(what=Missing.PRICE)
    return product.title, price.currency


async def plan_switch_enabled(session: AsyncSession, merchant_id: int, product_id: int) -> bool:
    product = await catalog_repo.product_by_id(session, merchant_id, product_id)
    return product is not None and product.plan_switch_enabled
