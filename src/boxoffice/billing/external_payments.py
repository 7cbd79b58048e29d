"""Payments a merchant's external connector took at its own gateway, as it reports them (gateways.connectors): a
first payment for an offer (a subscription it starts is billed through the connector from then on), the outcome
of a renewal the renewal engine asked it for, a refund or a chargeback it made. Each is recorded as a gateway's
payment is: the same payments, ledger entries, periods, access and events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing import fulfilment, periods, purchases, refunds, renewals, sandbox_clocks
from boxoffice.billing import repository as repo
from boxoffice.billing.models import Payment, PaymentStatus
from boxoffice.billing.subscriptions import new_subscription, refuse_running
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.catalog.service import MAX_AMOUNT
from boxoffice.gateways import connectors
from boxoffice.gateways.connectors import EXTERNAL
from boxoffice.gateways.models import ExternalPaymentDetails
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound

MAX_LISTED = 100


class Reported(StrEnum):
    """What a connector says became of a payment."""

    AUTHORISED = "authorised"  # held at its gateway, to be captured
    CAPTURED = "captured"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class PaymentReport:
    payment_method_id: int
    amount: int
    currency: str
    external_id: str
    status: Reported
    price_id: int | None = None  # a first payment: what it paid for
    subscription_id: int | None = None  # a renewal: the subscription it renews
    rejected_reason: str | None = None


async def report_payment(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    report: PaymentReport,
    *,
    client: ClientInfo,
    retry_days: Sequence[int],
) -> Payment:
    """Record a payment the connector reports: a renewal's outcome when it names a subscription, else a first
    payment for a price (captured only: what was never paid is not recorded)."""
    _check_amount(report.amount, "amount")
    setting = await connectors.external_method(session, merchant.id, report.payment_method_id)
    if report.subscription_id is not None:
        return await _renewal_reported(session, merchant, customer, report, retry_days)
    if report.price_id is None:
        raise InvalidInput({"price_id": "A first payment names what it paid for"})
    if report.status != Reported.CAPTURED:
        raise InvalidInput({"status": "A first payment is recorded once it is captured"})
    details = await connectors.active_payment_details(session, merchant.id, customer.id, setting.id)
    started_at = await sandbox_clocks.now_for(session, merchant.id, customer.id)
    with clock.pinned(started_at):
        kind = "subscription"
        price = await _price(session, merchant.id, report.price_id, client)
        if price.kind != "subscription":
            kind = "purchase"
            await purchases.refuse_held(session, merchant.id, customer.id, price.product_id)
        if report.currency != price.currency:
            raise InvalidInput({"currency": "The currency is not the offer's"})
        now = clock.now()
        subscription_id = None
        if kind == "subscription":
            await refuse_running(session, merchant.id, customer.id, price.product_id)
            subscription = new_subscription(
                merchant.id,
                customer.id,
                price,
                now,
                gateway=EXTERNAL,
                clock_id=await sandbox_clocks.clock_id_for(session, merchant.id, customer.id),
                country_code=client.country_code,
                due_at=now + periods.INCOMPLETE_FOR,
                method=EXTERNAL,
                gateway_customer_ref=str(details.id) if details else "",
                gateway_method=str(setting.id),
            )
            periods.begin_period(subscription, now)
            session.add(subscription)
            await session.flush()
            subscription_id = subscription.id
        payment = Payment(
            merchant_id=merchant.id,
            customer_id=customer.id,
            product_id=price.product_id,
            price_id=price.id,
            kind=kind,
            subscription_id=subscription_id,
            idempotency_key=f"external-{setting.id}-{report.external_id}",
            amount=report.amount,
            currency=price.currency,
            gateway=EXTERNAL,
            method=EXTERNAL,
            gateway_customer_ref=str(details.id) if details else "",
            gateway_method=str(setting.id),
            gateway_charge_id=report.external_id,
            status=PaymentStatus.PENDING,
            ip_address=client.ip_address,
            country_code=client.country_code,
            created_at=now,
            updated_at=now,
        )
        if await repo.payment_by_key(session, merchant.id, payment.idempotency_key) is not None:
            raise Conflict("A payment with this externalPaymentId is recorded already")
        session.add(payment)
        await session.flush()
        await fulfilment.paid(session, merchant, payment)
        await session.flush()
    return payment


async def _price(session: AsyncSession, merchant_id: int, price_id: int, client: ClientInfo) -> Price:
    """The price paid for, if it is on sale (of either kind)."""
    found = await catalog_repo.price_by_id(session, merchant_id, price_id)
    if found is None:
        raise NotFound(what=Missing.PRICE)
    kind = "subscription" if found.kind == "subscription" else "one_time"
    return await purchases.price_on_sale(session, merchant_id, price_id, client, kind=kind)


async def _renewal_reported(
    session: AsyncSession, merchant: Merchant, customer: Customer, report: PaymentReport, retry_days: Sequence[int]
) -> Payment:
    """The outcome of the renewal awaited, which it must price alike (amount and currency, else 422). Reports are
    told apart by the payment method and the connector's externalPaymentId: one repeated answers the payment it
    recorded, unchanged (so a capture retried for an old renewal runs no period on); an authorisation's payment
    is still awaited for its capture."""
    assert report.subscription_id is not None
    subscription = await repo.subscription_by_id(session, merchant.id, report.subscription_id)
    if subscription is None or subscription.customer_id != customer.id:
        raise NotFound(what=Missing.SUBSCRIPTION)
    if subscription.gateway != EXTERNAL or subscription.gateway_method != str(report.payment_method_id):
        raise InvalidInput({"subscription_id": "This subscription is not billed through this payment method"})
    known = await repo.external_payment_by_charge(
        session, merchant.id, EXTERNAL, str(report.payment_method_id), report.external_id
    )
    if known is not None:
        if known.subscription_id != subscription.id:
            raise Conflict("This externalPaymentId is another payment's")
        if known.decline_code == renewals.NO_ANSWER and report.status == Reported.CAPTURED:
            raise _not_awaited(known)
        if known.status != PaymentStatus.PENDING or report.status == Reported.AUTHORISED:
            return known  # reported already: answered as it is
    pending = await repo.pending_renewal(session, merchant.id, subscription.id)
    if pending is None:
        raise Conflict("No renewal of this subscription awaits a payment")
    if known is not None and known.id != pending.id:
        raise Conflict("This externalPaymentId is another payment's")
    if (report.amount, report.currency) != (pending.amount, pending.currency):
        raise InvalidInput({"amount": "The amount or currency is not the awaited renewal's"})
    return await _settle(
        session, merchant, pending.id, report.status, report.external_id, report.rejected_reason, retry_days
    )


async def _settle(
    session: AsyncSession,
    merchant: Merchant,
    payment_id: int,
    status: Reported,
    external_id: str | None,
    reason: str | None,
    retry_days: Sequence[int],
) -> Payment:
    pending = await repo.payment_row(session, merchant.id, payment_id)
    assert pending is not None
    if status == Reported.AUTHORISED:
        if pending.subscription_id is not None:  # locked first, as the renewal pass does
            await repo.subscription_by_id(session, merchant.id, pending.subscription_id, lock=True)
        payment = await repo.fresh_payment(session, merchant.id, payment_id)
        assert payment is not None
        if external_id:
            payment.gateway_charge_id = external_id
            payment.updated_at = clock.now()
            await session.flush()
        return payment
    with clock.pinned(await sandbox_clocks.now_for(session, merchant.id, pending.customer_id)):
        settled = await renewals.settle_external_renewal(
            session,
            pending,
            captured=status == Reported.CAPTURED,
            external_id=external_id,
            decline_code=_code(reason),
            retry_days=retry_days,
        )
    if not settled:
        raise _not_awaited(await repo.fresh_payment(session, merchant.id, payment_id))
    payment = await repo.fresh_payment(session, merchant.id, payment_id)
    assert payment is not None
    return payment


def _not_awaited(payment: Payment | None) -> Conflict:
    """A report of a payment no longer awaited is refused (409). One that comes after the renewal's answer deadline
    is refused too, however the subscription stands: the attempt was declined for want of an answer and dunning
    went on from there (a retry is asked for in its turn), so the connector hands the money back at its gateway."""
    if payment is not None and payment.decline_code == renewals.NO_ANSWER:
        return Conflict("The answer came after its deadline: this renewal was declined for want of one")
    return Conflict("This payment is no longer awaited")


def _check_amount(amount: int, field: str) -> None:
    """A reported amount is within what a price may be (the catalog's ceiling), so it fits the books."""
    if not 0 <= amount <= MAX_AMOUNT:
        raise InvalidInput({field: "The amount is too large" if amount > 0 else "The amount may not be negative"})


def _code(reason: str | None) -> str:
    """A rejection's reason, as a decline code is kept (short)."""
    return (reason or "rejected").strip()[:32] or "rejected"


async def external_payment(session: AsyncSession, merchant_id: int, payment_id: int) -> Payment:
    """A payment an external connector took (404 for any other: a gateway's payments aren't a connector's)."""
    payment = await repo.fresh_payment(session, merchant_id, payment_id)
    if payment is None or payment.gateway != EXTERNAL:
        raise NotFound(what=Missing.PAYMENT)
    return payment


class Change(StrEnum):
    CAPTURED = "captured"
    REJECTED = "rejected"
    REFUNDED = "refunded"
    CHARGEBACK = "chargeback"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PaymentChange:
    status: Change
    external_id: str | None = None
    reason: str | None = None
    refunded_amount: int | None = None


async def change_payment(
    session: AsyncSession, merchant: Merchant, payment_id: int, change: PaymentChange, *, retry_days: Sequence[int]
) -> Payment:
    """What became of a payment the connector reported before: a renewal awaited captured, rejected or cancelled
    (its authorisation given up); a payment that went through refunded or charged back, in whole or in part."""
    payment = await external_payment(session, merchant.id, payment_id)
    if change.refunded_amount is not None:
        _check_amount(change.refunded_amount, "refunded_amount")
    if change.status in (Change.REFUNDED, Change.CHARGEBACK):
        kind = "Chargeback" if change.status == Change.CHARGEBACK else "Refund"
        await refunds.record_refund_made_elsewhere(
            session,
            payment,
            amount=change.refunded_amount,
            reason=f"{kind}: {change.reason}" if change.reason else kind,
            refund_ref=change.external_id or payment.gateway_charge_id or f"{kind.lower()}-{payment.id}",
            reference=change.external_id,
        )
        fresh = await repo.fresh_payment(session, merchant.id, payment.id)
        assert fresh is not None
        return fresh
    if payment.status != PaymentStatus.PENDING or payment.kind != "renewal":
        raise _not_awaited(payment)
    status = {
        Change.CAPTURED: Reported.CAPTURED,
        Change.REJECTED: Reported.REJECTED,
        Change.CANCELLED: Reported.REJECTED,
    }[change.status]
    reason = "cancelled" if change.status == Change.CANCELLED else change.reason
    return await _settle(session, merchant, payment.id, status, change.external_id, reason, retry_days)


async def save_payment_details(
    session: AsyncSession, merchant_id: int, request: connectors.DetailsRequest
) -> ExternalPaymentDetails:
    """A customer's payment details with an external method; active ones are what the customer's subscriptions
    billed by a connector renew with from then on (the details they had are deactivated)."""
    details = await connectors.save_payment_details(session, merchant_id, request)
    if details.active:
        await repo.point_subscriptions_at(
            session,
            merchant_id,
            request.customer_id,
            EXTERNAL,
            str(details.id),
            str(details.payment_method_setting_id),
            EXTERNAL,
        )
    return details


async def authorised_payments(session: AsyncSession, merchant_id: int, details_id: int) -> Sequence[Payment]:
    """The payments made with a customer's external payment details, newest first."""
    details = await connectors.payment_details(session, merchant_id, details_id)
    return await repo.payments_through(session, merchant_id, EXTERNAL, str(details.id), MAX_LISTED)
