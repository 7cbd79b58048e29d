"""Refunds by the merchant, whole or partial, never more than was paid.

As with purchases, progress is written before the gateway is asked: the amount is reserved on the payment and
the refund written `pending`, then the gateway refunds under the refund's own idempotency key, then the refund is
settled into the books (refunds debited, the gateway's clearing credited). A full refund of a one-time purchase
also ends the access it bought (of a gift: voids its code, or ends the redeemer's access).

Money that arrives for what was no longer wanted (an attempt the customer gave up for another, what they already
held) is handed back whole without anyone asking: the refund is written in the transaction that settles the
payment (`refund_unwanted`), then made at the gateway at once by whoever settled it, or by the janitor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.billing import events, gifts, ledger
from boxoffice.billing import repository as repo
from boxoffice.billing.ledger import Line
from boxoffice.billing.models import STORES, Payment, PaymentStatus, Refund, RefundStatus
from boxoffice.events import outbox
from boxoffice.gateways.connectors import EXTERNAL
from boxoffice.gateways.protocol import GatewayError, PaymentGateway
from boxoffice.gateways.registry import Gateways
from boxoffice.kit import clock
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import Conflict, InvalidInput, NotFound

MAX_REASON = 500
UNWANTED = "Paid for an attempt given up for another, or for what the customer already held"


async def refund_payment(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant_id: int,
    payment_id: int,
    *,
    amount: int | None,
    reason: str | None,
    idempotency_key: str,
) -> Refund:
    """Refund `amount` of a payment (all that is left of it when None). The same key answers with the same refund."""
    note = (reason or "").strip()
    if len(note) > MAX_REASON:
        raise InvalidInput({"reason": f"The reason may not be longer than {MAX_REASON} characters"})
    async with sessions() as session:
        refund = await repo.refund_by_key(session, merchant_id, idempotency_key)
        payment = await repo.payment_by_id(session, merchant_id, payment_id)
    if payment is None:
        raise NotFound("Transaction not found")
    if payment.gateway in STORES:
        # The store took the money and alone gives it back; its notification then tells Boxoffice.
        raise Conflict("A purchase made in an app store is refunded by the store")
    if refund is None:
        refund = await _reserve(sessions, payment, amount, note, idempotency_key)
    elif refund.payment_id != payment_id or (amount is not None and refund.amount != amount):
        raise Conflict("This idempotency key was used for another refund")
    if refund.status != RefundStatus.PENDING or payment.gateway == EXTERNAL:
        return refund  # an external connector is asked (the event `_reserve` recorded) and reports it made it
    return await _refund_at_gateway(sessions, await gateways.named(merchant_id, payment.gateway), payment, refund)


async def record_refund_made_elsewhere(
    session: AsyncSession,
    payment: Payment,
    *,
    amount: int | None,
    reason: str,
    refund_ref: str,
    reference: str | None = None,
) -> Refund:
    """A refund the payment's external connector made at its gateway and reports; booked and told in the caller's
    transaction as a gateway's refund is once it is made (nothing is asked of a gateway).

    With the connector's `reference` of the refund, a report repeated answers the refund it recorded already
    (refused, 409, when it names another amount). While a refund the merchant asked for is pending, the report is
    the connector's answer to it (the oldest): it is booked at the amount the connector reports (all that was asked
    when none is given), the amount reserved on the payment moved to match, so an asked refund never stays pending
    behind a report of another amount; more than is left of the payment is refused (422). Otherwise it is one of
    the connector's own, reserved then booked."""
    if reference is not None:
        known = await repo.refund_by_gateway_ref(session, payment.merchant_id, payment.id, reference)
        if known is not None:
            if amount is not None and amount != known.amount:
                raise Conflict("This refund was reported already with another amount")
            return known
    asked = await repo.pending_refund_of(session, payment.merchant_id, payment.id)
    if asked is not None:
        if amount is not None and amount != asked.amount:
            if amount <= 0:
                raise InvalidInput({"amount": "The amount must be greater than zero"})
            if not await repo.reserve_refund(session, payment.merchant_id, payment.id, amount - asked.amount):
                raise InvalidInput({"amount": "A refund may not be more than what is left of the payment"})
            asked.amount = amount
        fresh = await repo.fresh_payment(session, payment.merchant_id, payment.id)
        assert fresh is not None
        await _settle(session, fresh, asked, refund_ref)
        return asked
    note = reason.strip()
    if len(note) > MAX_REASON:
        raise InvalidInput({"reason": f"The reason may not be longer than {MAX_REASON} characters"})
    if payment.status != PaymentStatus.SUCCEEDED:
        raise InvalidInput({"payment_id": "Only a payment that went through can be refunded"})
    wanted = payment.amount - payment.refunded if amount is None else amount
    if wanted <= 0:
        raise InvalidInput({"amount": "The amount must be greater than zero"})
    if not await repo.reserve_refund(session, payment.merchant_id, payment.id, wanted):
        raise InvalidInput({"amount": "A refund may not be more than what is left of the payment"})
    refund = Refund(
        merchant_id=payment.merchant_id,
        payment_id=payment.id,
        idempotency_key=f"external-refund-{payment.id}-"
        + (f"ref-{reference}" if reference is not None else str(payment.refunded)),
        amount=wanted,
        currency=payment.currency,
        reason=note,
    )
    session.add(refund)
    await session.flush()
    fresh = await repo.fresh_payment(session, payment.merchant_id, payment.id)
    assert fresh is not None
    await _settle(session, fresh, refund, refund_ref)
    return refund


def _requested(payment: Payment, refund: Refund) -> outbox.DomainEvent:
    """The external connector that took a payment is asked to refund it (by its payment method)."""
    method = payment.gateway_method
    resource = {
        "payment_id": payment.id,
        "refund_id": refund.id,
        "refund_amount": refund.amount,
        "currency": refund.currency,
        "reason": refund.reason,
        "gateway": payment.gateway,
        "payment_method_id": int(method) if method.isdigit() else None,
    }
    return outbox.DomainEvent(payment.merchant_id, "payment.refund.requested", payment.customer_id, resource)


def refund_unwanted(session: AsyncSession, payment: Payment) -> None:
    """In the transaction settling `payment` as paid: all of it to be handed back (see the module's docstring)."""
    if not payment.amount:
        return
    payment.refunded = payment.amount
    session.add(
        Refund(
            merchant_id=payment.merchant_id,
            payment_id=payment.id,
            idempotency_key=_unwanted_key(payment.id),
            amount=payment.amount,
            currency=payment.currency,
            reason=UNWANTED,
        )
    )


async def finish_unwanted(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, payment: Payment
) -> None:
    """Make at the gateway the refund `refund_unwanted` wrote for `payment`, if it did and it is still pending."""
    async with sessions() as session:
        refund = await repo.refund_by_key(session, payment.merchant_id, _unwanted_key(payment.id))
    if refund is not None and refund.status == RefundStatus.PENDING:
        await _refund_at_gateway(sessions, gateway, payment, refund)


def _unwanted_key(payment_id: int) -> str:
    return f"unwanted-{payment_id}"


async def _reserve(
    sessions: async_sessionmaker[AsyncSession], payment: Payment, amount: int | None, reason: str, key: str
) -> Refund:
    if payment.status != PaymentStatus.SUCCEEDED:
        raise InvalidInput({"payment_id": "Only a payment that went through can be refunded"})
    left = payment.amount - payment.refunded
    wanted = left if amount is None else amount
    if wanted <= 0:
        raise InvalidInput(
            {"amount": "The amount must be greater than zero"}
            if amount is not None
            else {"payment_id": "This payment is already refunded in full"}
        )
    refund = Refund(
        merchant_id=payment.merchant_id,
        payment_id=payment.id,
        idempotency_key=key,
        amount=wanted,
        currency=payment.currency,
        reason=reason,
    )
    try:
        async with transaction(sessions) as session:
            if not await repo.reserve_refund(session, payment.merchant_id, payment.id, wanted):
                raise InvalidInput({"amount": "A refund may not be more than what is left of the payment"})
            session.add(refund)
            if payment.gateway == EXTERNAL:
                await session.flush()
                await outbox.record(session, _requested(payment, refund))
    except IntegrityError:
        async with sessions() as session:
            raced = await repo.refund_by_key(session, payment.merchant_id, key)
        if raced is None:
            raise
        return raced
    return refund


async def _refund_at_gateway(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, payment: Payment, refund: Refund
) -> Refund:
    if payment.gateway_charge_id is None:
        raise InvalidInput({"payment_id": "This payment has no charge to refund"})
    try:
        done = await gateway.refund(
            payment.merchant_id, payment.gateway_charge_id, refund.amount, f"refund-{refund.id}"
        )
    except GatewayError:
        return refund  # still pending: asked again with the same key, the gateway says what it did
    async with transaction(sessions) as session:
        current = await repo.refund_by_id(session, payment.merchant_id, refund.id)
        assert current is not None
        if current.status == RefundStatus.PENDING:
            await _settle(session, payment, current, done.refund_id)
    return current


async def _settle(session: AsyncSession, payment: Payment, refund: Refund, gateway_refund_id: str) -> None:
    entry = await ledger.post(
        session,
        payment.merchant_id,
        "refund",
        f"refund:{refund.id}",
        [
            Line("refunds", refund.amount, refund.currency, payment.customer_id),
            Line("gateway_clearing", -refund.amount, refund.currency),
        ],
    )
    refund.status = RefundStatus.SUCCEEDED
    refund.gateway_refund_id, refund.ledger_transaction_id = gateway_refund_id, entry.id
    fresh = await repo.payment_by_id(session, payment.merchant_id, payment.id)
    assert fresh is not None
    told = [events.refunded(refund, fresh)]
    if fresh.refunded >= fresh.amount and fresh.entitlement_id is not None:
        await access_repo.revoke_by_id(
            session, payment.merchant_id, payment.customer_id, fresh.entitlement_id, clock.now(), "refunded"
        )
        told.append(events.entitlement_revoked(fresh))
    await outbox.record(session, *told)
    if fresh.refunded >= fresh.amount and fresh.kind == "gift":
        await gifts.refund_gift(session, payment.merchant_id, payment.id)


async def reconcile_pending_refunds(
    sessions: async_sessionmaker[AsyncSession], gateways: Gateways, merchant_id: int, older_than: datetime
) -> int:
    """Finish refunds a crash left pending: the gateway, asked again with the same key, tells what it did."""
    async with sessions() as session:
        stale = await repo.stale_pending_refunds(session, merchant_id, older_than)
        payments = {r.payment_id: await repo.payment_by_id(session, merchant_id, r.payment_id) for r in stale}
    settled = 0
    for refund in stale:
        payment = payments.get(refund.payment_id)
        # A connector, or a store, reports its refunds itself.
        if payment is not None and payment.gateway != EXTERNAL and payment.gateway not in STORES:
            gateway = await gateways.named(merchant_id, payment.gateway)
            done = await _refund_at_gateway(sessions, gateway, payment, refund)
            settled += done.status != RefundStatus.PENDING
    return settled
