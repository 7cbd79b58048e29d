"""One-time purchases: a price paid by card through the merchant's gateway, then access and the books.

The order of writes is what keeps money safe when a process dies:
1. the card is saved with the gateway, then the payment is written `pending` and committed, before any charge;
2. the gateway is asked to charge with the payment's own idempotency key, so asking again never charges twice;
3. the outcome is settled in one transaction: the entitlement and the balanced ledger transaction, or the
   decline, or the challenge to complete.
A payment left `pending` by a crash between 2 and 3 is finished by `reconcile_pending_payments`, which asks the
gateway again with the same key and settles what it answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice import clock
from boxoffice.access import service as access_service
from boxoffice.billing import cards, ledger
from boxoffice.billing import repository as repo
from boxoffice.billing.ledger import Line
from boxoffice.billing.models import Payment
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.client_info import ClientInfo
from boxoffice.db import transaction
from boxoffice.errors import Conflict, InvalidInput, NotFound, PaymentDeclined
from boxoffice.gateways.protocol import Card, ChargeResult, GatewayError, PaymentGateway
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.promotions import vouchers
from boxoffice.restrictions import repository as restrictions_repo
from boxoffice.restrictions import rules

DECLINES = {
    "card_declined": "Your card was declined",
    "insufficient_funds": "Your card has insufficient funds",
    "expired_card": "Your card has expired",
    "authentication_failed": "The card's authentication failed",
}


async def _price_on_sale(session: AsyncSession, merchant_id: int, price_id: int, client: ClientInfo) -> Price:
    price = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if price is None:
        raise NotFound("Access fee not found")
    product = await catalog_repo.product_by_id(session, merchant_id, price.product_id)
    now = clock.now()
    if product is None or not product.active or not price.active:
        raise InvalidInput({"access_fee": "This access fee is not for sale"})
    if price.kind != "one_time":
        raise InvalidInput({"access_fee": "This access fee is a subscription: subscribe to it instead"})
    if (price.starts_at and price.starts_at > now) or (price.expires_at and price.expires_at <= now):
        raise InvalidInput({"access_fee": "This access fee is not on sale now"})
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
    card: Card,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
    voucher_code: str | None = None,
) -> Payment:
    """Charge `card` for a one-time price, less a voucher's discount, and open access. The same key answers with
    the same payment. A price a voucher takes all of is granted without asking the gateway."""
    async with sessions() as session:
        payment = await repo.payment_by_key(session, merchant.id, idempotency_key)
        price = None if payment is not None else await _price_on_sale(session, merchant.id, price_id, client)
        discount = (
            await vouchers.discount_for(session, merchant.id, voucher_code, price) if price and voucher_code else None
        )
    if price is not None:
        payment = await _new_payment(
            sessions, gateway, merchant, customer, price, discount, card, idempotency_key, return_url, client
        )
    assert payment is not None
    if payment.price_id != price_id or payment.customer_id != customer.id:
        raise Conflict("This idempotency key was used for another payment")
    if payment.status != "pending":
        return payment  # a replay of a payment already decided
    if payment.amount == 0:
        return await settle(sessions, merchant, payment.id, None)
    return await _charge(sessions, gateway, merchant, payment)


async def _new_payment(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    price: Price,
    discount: vouchers.Discount | None,
    card: Card,
    idempotency_key: str,
    return_url: str | None,
    client: ClientInfo,
) -> Payment | None:
    """The payment written `pending` (with its voucher use counted), or the one a racing request with the same
    key wrote first."""
    amount = discount.final_amount if discount else price.amount
    reference, method = "", ""
    if amount:
        reference, saved = await cards.save_default_card(sessions, gateway, merchant, customer, card, price.currency)
        method = saved.token
    payment = Payment(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        idempotency_key=idempotency_key,
        amount=amount,
        currency=price.currency,
        discount=discount.amount_off if discount else 0,
        voucher_id=discount.voucher.id if discount else None,
        gateway=gateway.name,
        gateway_customer_ref=reference,
        gateway_method=method,
        status="pending",
        return_url=return_url,
        ip_address=client.ip_address,
        country_code=client.country_code,
    )
    try:
        async with transaction(sessions) as session:
            session.add(payment)
            if discount:
                await vouchers.use(session, merchant.id, discount.voucher.id)
    except IntegrityError:
        # The same key raced in from another request: its payment is this one.
        async with sessions() as session:
            return await repo.payment_by_key(session, merchant.id, idempotency_key)
    return payment


async def _charge(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, merchant: Merchant, payment: Payment
) -> Payment:
    try:
        result = await gateway.charge(
            merchant.id,
            amount=payment.amount,
            currency=payment.currency,
            customer_ref=payment.gateway_customer_ref,
            method_token=payment.gateway_method,
            idempotency_key=f"payment-{payment.id}",
            return_url=payment.return_url,
        )
    except GatewayError:
        return payment  # still pending: the outcome is unknown until reconciled
    return await settle(sessions, merchant, payment.id, result)


async def settle(
    sessions: async_sessionmaker[AsyncSession], merchant: Merchant, payment_id: int, result: ChargeResult | None
) -> Payment:
    """Record what the gateway answered, once: access and the books on success, the reason on a decline.
    `None`: nothing was left to charge (a voucher took it all)."""
    async with transaction(sessions) as session:
        claimed = await repo.claim_for_settlement(session, merchant.id, payment_id)
        # Read after the claim, in the same transaction: what it loads is already the claimed row.
        payment = await repo.payment_by_id(session, merchant.id, payment_id)
        assert payment is not None
        if claimed:
            await _apply(session, merchant, payment, result)
    return payment


async def _apply(session: AsyncSession, merchant: Merchant, payment: Payment, result: ChargeResult | None) -> None:
    payment.updated_at = clock.now()
    if result is not None:
        payment.gateway_charge_id = result.charge_id
        if result.status == "requires_action":
            payment.status, payment.redirect_url = "requires_action", result.redirect_url
            return
        if result.status != "succeeded":
            payment.status, payment.decline_code = "declined", result.decline_code
            if payment.voucher_id is not None:
                await vouchers.give_back(session, merchant.id, payment.voucher_id)
            return
    price = await catalog_repo.price_by_id(session, merchant.id, payment.price_id)
    product = await catalog_repo.product_by_id(session, merchant.id, payment.product_id)
    customer = await identity_repo.customer_by_id(session, merchant.id, payment.customer_id)
    assert price is not None and product is not None and customer is not None
    entitlement = await access_service.grant_access(
        session, merchant, customer, product, source="purchase", price=price, source_ref=str(payment.id)
    )
    # The sale is booked at its list price; what a voucher took off is a discount, what was paid is cleared.
    lines = [Line("revenue", -(payment.amount + payment.discount), payment.currency, customer.id)]
    if payment.amount:
        lines.append(Line("gateway_clearing", payment.amount, payment.currency))
    if payment.discount:
        lines.append(Line("discounts", payment.discount, payment.currency))
    entry = await ledger.post(session, merchant.id, "charge", f"payment:{payment.id}", lines)
    payment.status, payment.entitlement_id, payment.ledger_transaction_id = "succeeded", entitlement.id, entry.id


def refusal(payment: Payment) -> PaymentDeclined | None:
    """The error a declined payment answers with, in words a viewer understands."""
    if payment.status != "declined":
        return None
    code = payment.decline_code or "card_declined"
    return PaymentDeclined(code, DECLINES.get(code, "The payment was declined"))


async def confirm_payment(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    customer: Customer,
    charge_id: str,
) -> Payment:
    """After a challenge: ask the gateway where the charge stands and settle it (the SDK's `confirmPayment`)."""
    async with sessions() as session:
        payment = await repo.payment_by_charge(session, merchant.id, customer.id, charge_id)
    if payment is None:
        raise NotFound("Payment not found")
    if payment.status != "requires_action":
        return payment
    try:
        result = await gateway.confirm(merchant.id, charge_id)
    except GatewayError:
        return payment
    if result.status == "requires_action":
        return payment
    return await settle(sessions, merchant, payment.id, result)


async def reconcile_pending_payments(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, merchant: Merchant, older_than: datetime
) -> int:
    """Finish payments a crash left pending: the gateway, asked again with the same key, tells what it did."""
    async with sessions() as session:
        stale = await repo.stale_pending_payments(session, merchant.id, older_than)
    settled = 0
    for payment in stale:
        done = await _charge(sessions, gateway, merchant, payment)
        settled += done.status != "pending"
    return settled
