"""A merchant's own payment connectors: the "external" gateway kind. The merchant registers a payment method its
connector takes (`register_payment_method`); customers' payment details with it are saved as the connector reports
them (`save_payment_details`). Boxoffice never charges such a method: the renewal engine asks the connector, by the
events `subscription.payment.authorisation.due` and `subscription.payment.capture.due`, and the connector reports
the outcome (billing.external_payments). How often a declined renewal is asked again is the merchant's dunning
schedule for the subscription's billing cycle (`set_dunning_action`), for every gateway.

A subscription billed externally keeps the payment-method setting's id in `gateway_method` and its payment
details' id (or "" when none) in `gateway_customer_ref`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.events import outbox
from boxoffice.gateways import connectors_repository as repo
from boxoffice.gateways.models import DunningAction, DunningCycle, ExternalPaymentDetails, PaymentMethodSetting
from boxoffice.kit import clock
from boxoffice.kit.errors import InvalidInput, NotFound

EXTERNAL = "external"  # the gateway of what an external connector takes
MAX_ATTEMPTS = 20
MAX_HOURS = 24 * 366  # an attempt at most a year after the due date
MAX_REJECTION_MONTHS = 120


def method_not_found() -> NotFound:
    return NotFound("Payment method not found")


def details_not_found() -> NotFound:
    return NotFound("Payment details not found")


@dataclass(frozen=True, slots=True)
class MethodSettings:
    method_name: str
    payment_gateway: str
    source: str = ""
    fee_rate: int = 0  # basis points
    is_external: bool = True
    handler: str = ""
    gateway_parameters: Mapping[str, Any] = field(default_factory=dict)
    payment_support: Mapping[str, Any] = field(default_factory=dict)
    amount_accuracy: int = 2
    auto_terminate: bool = True


async def register_payment_method(
    session: AsyncSession, merchant_id: int, settings: MethodSettings
) -> PaymentMethodSetting:
    """A payment method the merchant takes; its id is what connectors and payments name it by."""
    problems: dict[str, str] = {}
    if not settings.method_name.strip():
        problems["method_name"] = "methodName is required"
    if not settings.payment_gateway.strip():
        problems["payment_gateway"] = "paymentGateway is required"
    if not 0 <= settings.fee_rate <= 10_000:
        problems["fee_rate"] = "feeRate must be between 0 and 1"
    if not 0 <= settings.amount_accuracy <= 4:
        problems["amount_accuracy"] = "paymentAmountAccuracy must be between 0 and 4"
    if problems:
        raise InvalidInput(problems)
    setting = PaymentMethodSetting(
        merchant_id=merchant_id,
        source=settings.source.strip(),
        method_name=settings.method_name.strip(),
        payment_gateway=settings.payment_gateway.strip(),
        fee_rate=settings.fee_rate,
        is_external=settings.is_external,
        handler=settings.handler.strip(),
        gateway_parameters=dict(settings.gateway_parameters),
        payment_support=dict(settings.payment_support),
        amount_accuracy=settings.amount_accuracy,
        auto_terminate=settings.auto_terminate,
        created_at=clock.now(),
    )
    session.add(setting)
    await session.flush()
    return setting


async def method_setting(session: AsyncSession, merchant_id: int, setting_id: int) -> PaymentMethodSetting:
    setting = await repo.method_setting(session, merchant_id, setting_id)
    if setting is None:
        raise method_not_found()
    return setting


async def external_method(session: AsyncSession, merchant_id: int, setting_id: int) -> PaymentMethodSetting:
    """A method of the merchant's own connector (404 for none of the merchant's; refused for one that isn't
    external, whose payments Boxoffice takes itself)."""
    setting = await method_setting(session, merchant_id, setting_id)
    if not setting.is_external:
        raise InvalidInput({"payment_method_id": "This payment method is not an external one"})
    return setting


async def set_dunning_action(
    session: AsyncSession,
    merchant_id: int,
    cycle: DunningCycle,
    *,
    payment_authorization: bool,
    payment_attempts: Sequence[int],
    payment_method_setting_id: int | None,
) -> DunningAction:
    """The retry schedule of a billing cycle, replacing the one it had."""
    if len(payment_attempts) > MAX_ATTEMPTS:
        raise InvalidInput({"payment_attempts": f"At most {MAX_ATTEMPTS} payment attempts"})
    if any(not -MAX_HOURS <= hours <= MAX_HOURS for hours in payment_attempts):
        raise InvalidInput({"payment_attempts": f"Payment attempts are within {MAX_HOURS} hours of the due date"})
    if list(payment_attempts) != sorted(set(payment_attempts)):
        raise InvalidInput({"payment_attempts": "Payment attempts are in increasing order, each once"})
    if payment_method_setting_id is not None:
        await method_setting(session, merchant_id, payment_method_setting_id)
    action = await repo.dunning_action(session, merchant_id, cycle)
    if action is None:
        action = DunningAction(merchant_id=merchant_id, cycle=cycle)
        session.add(action)
    action.payment_authorization = payment_authorization
    action.payment_attempts = list(payment_attempts)
    action.payment_method_setting_id = payment_method_setting_id
    action.updated_at = clock.now()
    await session.flush()
    return action


def cycle_of(period_unit: str, period_quantity: int) -> DunningCycle | None:
    """The billing cycle a subscription's period is (None: one no schedule is set for, a day or an hour)."""
    return {
        ("week", 1): DunningCycle.WEEKLY,
        ("month", 1): DunningCycle.MONTHLY,
        ("month", 3): DunningCycle.QUARTERLY,
        ("month", 6): DunningCycle.HALF_YEARLY,
        ("year", 1): DunningCycle.ANNUAL,
        ("month", 12): DunningCycle.ANNUAL,
    }.get((period_unit, period_quantity))


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a renewal is asked for again after it is declined (offsets from its due date), and whether an external
    connector is asked to authorise it first."""

    retries: tuple[timedelta, ...]
    authorise_first: bool = False


def schedule_of(action: DunningAction) -> Schedule:
    """The attempts after the due date are retries; the attempt at (or before) it is the renewal itself."""
    retries = tuple(timedelta(hours=hours) for hours in action.payment_attempts if hours > 0)
    return Schedule(retries, action.payment_authorization)


async def schedules(session: AsyncSession, merchant_id: int) -> dict[DunningCycle, Schedule]:
    """The merchant's schedules by billing cycle (the cycles it set none for are left out)."""
    return {action.cycle: schedule_of(action) for action in await repo.dunning_actions(session, merchant_id)}


@dataclass(frozen=True, slots=True)
class DetailsRequest:
    customer_id: int
    token: str
    payment_method_setting_id: int
    method_params: Mapping[str, Any] = field(default_factory=dict)
    active: bool = True


async def save_payment_details(
    session: AsyncSession, merchant_id: int, request: DetailsRequest
) -> ExternalPaymentDetails:
    """A customer's payment details with an external method (the customer is the caller's to check); active ones
    replace the customer's other active details, as a customer is charged through one."""
    if not request.token.strip():
        raise InvalidInput({"token": "token is required"})
    await external_method(session, merchant_id, request.payment_method_setting_id)
    details = ExternalPaymentDetails(
        merchant_id=merchant_id,
        customer_id=request.customer_id,
        payment_method_setting_id=request.payment_method_setting_id,
        token=request.token.strip(),
        method_params=dict(request.method_params),
        active=request.active,
        attempt_rejections={},
        created_at=clock.now(),
    )
    session.add(details)
    await session.flush()
    if request.active:
        replaced = await repo.other_active_details(session, merchant_id, request.customer_id, details.id)
        for other in replaced:
            other.active = False
        await outbox.record(session, *(_deactivated(other) for other in replaced))
    return details


def _deactivated(details: ExternalPaymentDetails) -> outbox.DomainEvent:
    """Payment details no longer used (their connector is told, by their payment method)."""
    resource = {
        "payment_details_id": details.id,
        "payment_method_id": details.payment_method_setting_id,
        "gateway": EXTERNAL,
    }
    return outbox.DomainEvent(details.merchant_id, "payment.details.deactivated", details.customer_id, resource)


async def payment_details(session: AsyncSession, merchant_id: int, details_id: int) -> ExternalPaymentDetails:
    details = await repo.payment_details(session, merchant_id, details_id)
    if details is None:
        raise details_not_found()
    return details


async def details_of(session: AsyncSession, merchant_id: int, details_ref: str) -> ExternalPaymentDetails | None:
    """The payment details a subscription is billed with (its `gateway_customer_ref`), if any."""
    if not details_ref.isdigit():
        return None
    return await repo.payment_details(session, merchant_id, int(details_ref))


async def active_payment_details(
    session: AsyncSession, merchant_id: int, customer_id: int, setting_id: int
) -> ExternalPaymentDetails | None:
    return await repo.active_payment_details(session, merchant_id, customer_id, setting_id)


async def restrict_attempts(
    session: AsyncSession,
    merchant_id: int,
    details_id: int,
    *,
    restricted_to: datetime | None,
    rejections: Mapping[str, int] | None,
) -> ExternalPaymentDetails:
    """When attempts with these details may next be made, and the rejections counted by month (`YYYY-MM`)."""
    details = await payment_details(session, merchant_id, details_id)
    if rejections is not None:
        if len(rejections) > MAX_REJECTION_MONTHS:
            raise InvalidInput({"attempt_rejections": "Too many months"})
        for month, count in rejections.items():
            if not _is_month(month) or count < 0:
                raise InvalidInput({"attempt_rejections": "Rejections are counted by month (YYYY-MM), from 0"})
        details.attempt_rejections = dict(rejections)
    if restricted_to is not None:
        details.attempt_restricted_to = restricted_to
    await session.flush()
    return details


def _is_month(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return len(text) == 7
