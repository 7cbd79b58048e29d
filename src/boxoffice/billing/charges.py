"""Asking the gateway for a payment already written `pending`, and settling what it answers, exactly once.

The order of writes is what keeps money safe when a process dies:
1. the payment is written `pending` and committed before any charge (by whoever starts it: a purchase, a
   subscription, a plan switch);
2. the gateway is asked to charge with the payment's own idempotency key, so asking again never charges twice;
3. the outcome is settled in one transaction, claimed by one conditional UPDATE: what the payment was for (see
   billing.fulfilment) and the balanced ledger transaction, or the decline, or the challenge to complete.
A payment left `pending` by a crash between 2 and 3 is finished by `reconcile_pending_payments`, which asks the
gateway again with the same key and settles what it answers.

A subscription's first payment with nothing to charge now (a free trial, a voucher that takes all of it) is not
settled blindly: the method the periods after it will be charged to is verified with the gateway first (`set_up`,
nothing charged), in the same steps and under the same key, and its answer settles the payment as a charge's
would: refused, it is a decline; a bank that wants 3-D Secure, a challenge.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import events, fulfilment, refunds
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.events import outbox
from boxoffice.gateways.protocol import CardRejected, ChargeResult, GatewayError, PaymentGateway, SetupResult
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock, metrics
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import Conflict, NotFound, PaymentDeclined

DECLINES = {
    "card_declined": "Your card was declined",
    "insufficient_funds": "Your card has insufficient funds",
    "expired_card": "Your card has expired",
    "authentication_failed": "The card's authentication failed",
    "authentication_required": "The bank asks the card holder to authenticate this payment",
    "debit_declined": "The bank refused the direct debit",
}


IN_PROGRESS = "A payment for this item is already in progress: wait for its outcome"
# What is written with a payment, in its transaction; a step that refuses writes none of it.
Steps = Callable[[AsyncSession], Awaitable[None]]


async def start_payment(
    sessions: async_sessionmaker[AsyncSession],
    payment: Payment,
    steps: Steps | None = None,
    *,
    replayed: Callable[[], Awaitable[Payment | None]] | None = None,
) -> Payment:
    """Write `payment` `pending` and commit it before any charge (1. above): `steps` write it and what goes
    with it in one transaction (without them, it alone is written). Identical requests racing each other write it
    once: on a duplicate, the payment another request wrote first under the same idempotency key is answered
    (`replayed` finds it; by default, the payment of the key), and with none, the customer's other attempt at the
    item is still open (see Payment): Conflict."""
    try:
        async with transaction(sessions) as session:
            if steps is None:
                session.add(payment)
            else:
                await steps(session)
    except IntegrityError:
        if replayed is None:
            async with sessions() as session:
                raced = await repo.payment_by_key(session, payment.merchant_id, payment.idempotency_key)
        else:
            raced = await replayed()
        if raced is None:
            raise Conflict(IN_PROGRESS) from None
        return raced
    return payment


def verifies(payment: Payment) -> bool:
    """Whether the payment is settled by verifying its method rather than by a charge (see above)."""
    return payment.kind == "subscription" and payment.amount == 0


async def charge(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, merchant: Merchant, payment: Payment
) -> Payment:
    """Charge a pending payment (nothing to charge: settle it at once, or verify its method) and settle the
    answer."""
    if payment.amount == 0 and not verifies(payment):
        return await settle(sessions, merchant, payment.id, None)
    try:
        if verifies(payment):
            result = await _verify(gateway, merchant, payment)
        else:
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
    return await _settled(sessions, gateway, merchant, payment.id, result)


async def _settled(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    merchant: Merchant,
    payment_id: int,
    result: ChargeResult,
) -> Payment:
    """`settle`, then at once: the refund of money that was not wanted (see billing.fulfilment), or, for a paid
    purchase, the customer's other attempts at the item still awaiting a challenge given up, so that they can no
    longer be paid rather than be paid and refunded."""
    payment = await settle(sessions, merchant, payment_id, result)
    if payment.status != PaymentStatus.SUCCEEDED:
        return payment
    if payment.refunded:
        await refunds.finish_unwanted(sessions, gateway, payment)
    elif payment.kind == "purchase" and payment.subscription_id is None:
        async with sessions() as session:
            waiting = await repo.challenged_purchases(
                session, merchant.id, payment.customer_id, payment.product_id, payment.id
            )
        for attempt in waiting:
            await give_up(sessions, gateway, merchant, attempt)
    return payment


async def give_up(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, merchant: Merchant, payment: Payment
) -> None:
    """An attempt replaced by another (the item subscribed to again, or bought by another attempt): its charge
    still awaiting the payer is cancelled at the gateway so that it can no longer be paid, and the payment settled
    as it then stands (declined, or, when the payer got there first, paid and refunded). A gateway that can't be
    asked leaves it open: whatever it tells later settles it, and is refunded if paid."""
    if payment.gateway != gateway.name or payment.gateway_charge_id is None:
        return
    try:
        result = await gateway.cancel(merchant.id, payment.gateway_charge_id)
    except GatewayError:
        return
    if result.status != "requires_action":
        await _settled(sessions, gateway, merchant, payment.id, result)


async def _verify(gateway: PaymentGateway, merchant: Merchant, payment: Payment) -> ChargeResult:
    try:
        setup = await gateway.set_up(
            merchant.id,
            customer_ref=payment.gateway_customer_ref,
            method_token=payment.gateway_method,
            idempotency_key=f"payment-{payment.id}",
            return_url=payment.return_url,
        )
    except CardRejected as rejected:
        return ChargeResult("", "declined", 0, payment.currency, rejected.code)
    return _as_charge(setup, payment)


def _as_charge(setup: SetupResult, payment: Payment) -> ChargeResult:
    """A verification's answer in a charge's terms (of nothing), as the payment is settled by it."""
    return ChargeResult(setup.setup_id, setup.status, 0, payment.currency, setup.decline_code, setup.redirect_url)


async def settle(
    sessions: async_sessionmaker[AsyncSession], merchant: Merchant, payment_id: int, result: ChargeResult | None
) -> Payment:
    """Record what the gateway answered, once. `None`: nothing was left to charge (a voucher took it all)."""
    async with transaction(sessions) as session:
        return await settle_in(session, merchant, payment_id, result)


async def settle_in(session: AsyncSession, merchant: Merchant, payment_id: int, result: ChargeResult | None) -> Payment:
    """`settle`, in the caller's transaction."""
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
            payment.status, payment.redirect_url = PaymentStatus.REQUIRES_ACTION, result.redirect_url
            await outbox.record(session, *events.requires_action(payment))
            return
        if result.status == "processing":
            payment.status = PaymentStatus.PROCESSING  # the gateway tells the outcome later, by an event
            return
        if result.status != "succeeded":
            payment.status, payment.decline_code = PaymentStatus.DECLINED, result.decline_code
            metrics.PAYMENTS.labels(payment.gateway, "declined").inc()
            await fulfilment.declined(session, merchant, payment)
            return
        metrics.PAYMENTS.labels(payment.gateway, "succeeded").inc()
    await fulfilment.paid(session, merchant, payment)


def refusal(payment: Payment) -> PaymentDeclined | None:
    """The error a declined payment answers with, in words a viewer understands."""
    if payment.status != PaymentStatus.DECLINED:
        return None
    code = payment.decline_code or "card_declined"
    return PaymentDeclined(code, DECLINES.get(code, "The payment was declined"))


async def confirm_payment(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    customer: Customer,
    charge_id: str,
) -> Payment:
    """After a challenge: ask the gateway where the charge stands and settle it (the SDK's `confirmPayment`)."""
    async with sessions() as session:
        payment = await repo.payment_by_charge(session, merchant.id, customer.id, charge_id)
    if payment is None:
        raise NotFound("Payment not found")
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return payment
    try:
        gateway = await gateways.named(merchant.id, payment.gateway)
        if verifies(payment):
            result = _as_charge(await gateway.confirm_setup(merchant.id, charge_id), payment)
        else:
            result = await gateway.confirm(merchant.id, charge_id)
    except GatewayError:
        return payment
    if result.status == "requires_action":
        return payment
    return await _settled(sessions, gateway, merchant, payment.id, result)


async def reconcile_pending_payments(
    sessions: async_sessionmaker[AsyncSession], gateways: Gateways, merchant: Merchant, older_than: datetime
) -> int:
    """Finish payments a crash left pending: the gateway, asked again with the same key, tells what it did."""
    async with sessions() as session:
        stale = await repo.stale_pending_payments(session, merchant.id, older_than)
    settled = 0
    for payment in stale:
        try:
            gateway = await gateways.named(merchant.id, payment.gateway)
        except GatewayError:
            continue  # the merchant took the gateway's credentials away: nothing can be asked
        done = await charge(sessions, gateway, merchant, payment)
        settled += done.status != PaymentStatus.PENDING
    return settled
