"""Plan switches in Cleeng's words, for both of its dialects that show them (MediaStore, API 3.1): what a
subscription can switch to (SwitchSetting, with Cleeng's reason codes for what it can't: every offer
SWITCH_IN_PROGRESS while a switch is pending) and a switch made (SwitchDetail), its prices as offer ids and its
times in Unix seconds."""

from __future__ import annotations

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from boxoffice.billing import plan_switch
from boxoffice.billing.switches import DEFERRED, IMMEDIATE
from boxoffice.dialects.cleeng.money import currency_symbol, decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.dialects.cleeng.periods import price_period
from boxoffice.kit import clock

IN_PROGRESS = ("SWITCH_IN_PROGRESS", "A switch of this subscription is already in progress")
# The core's refusals by the codes the SDK shows reasons for.
REASONS = {
    "disabled": ("PAYMENT_GATEWAY_NOT_SUPPORTED", "Switching plans is not enabled for this offer"),
    "not_running": ("RECURRING_PROCESS_ALREADY_STARTED", "The subscription is not active"),
    "in_progress": IN_PROGRESS,
    "currency": ("TO_OFFER_COUNTRY_NOT_ALLOWED", "The offer is sold in another currency"),
}
DIRECTIONS = ("upgrade", "downgrade")
# The core's ways of settling a switch, in the names of Cleeng's switch algorithms.
ALGORITHM_NAMES = {IMMEDIATE: "IMMEDIATE_AND_CHARGE_WITH_TIME_PRORATION", DEFERRED: "DEFERRED"}


@with_config(ConfigDict(extra="forbid"))
class SwitchSetting(TypedDict):
    toOfferId: str
    algorithm: str
    switchDirection: str
    title: str | None
    price: float
    currency: str
    currencySymbol: str
    period: str
    nextPaymentPrice: float
    nextPaymentPriceCurrency: str
    nextPaymentPriceCurrencySymbol: str


@with_config(ConfigDict(extra="forbid"))
class Reason(TypedDict):
    code: str
    message: str


@with_config(ConfigDict(extra="forbid"))
class UnavailableSetting(SwitchSetting):
    reason: Reason


@with_config(ConfigDict(extra="forbid"))
class Availability(TypedDict):
    available: list[SwitchSetting]
    unavailable: list[UnavailableSetting]


@with_config(ConfigDict(extra="forbid"))
class SwitchDetail(TypedDict):
    id: int
    customerId: int
    direction: str
    algorithm: str
    fromOfferId: str
    toOfferId: str
    subscriptionId: int
    status: str
    createdAt: int
    updatedAt: int


def switch_setting(option: plan_switch.SwitchOption) -> SwitchSetting:
    price = option.price
    symbol = currency_symbol(price.currency)
    return {
        "toOfferId": offer_id(price),
        "algorithm": ALGORITHM_NAMES[option.algorithm],
        "switchDirection": option.direction,
        "title": price.description,
        "price": decimal(price.amount, price.currency),
        "currency": price.currency,
        "currencySymbol": symbol,
        "period": price_period(price),
        "nextPaymentPrice": decimal(price.amount, price.currency),
        "nextPaymentPriceCurrency": price.currency,
        "nextPaymentPriceCurrencySymbol": symbol,
    }


def switch_detail(view: plan_switch.SwitchView) -> SwitchDetail:
    """A SwitchDetail."""
    record = view.record
    return {
        "id": record.id,
        "customerId": record.customer_id,
        "direction": record.direction,
        "algorithm": ALGORITHM_NAMES[record.algorithm],
        "fromOfferId": offer_id(view.from_price),
        "toOfferId": offer_id(view.to_price),
        "subscriptionId": record.subscription_id,
        "status": record.status,
        "createdAt": clock.unix(record.created_at),
        "updatedAt": clock.unix(record.updated_at),
    }


def availability_of(options: list[plan_switch.SwitchOption]) -> Availability:
    """The plans a subscription can switch to, and those it can't with Cleeng's reason."""
    available: list[SwitchSetting] = []
    unavailable: list[UnavailableSetting] = []
    for option in options:
        setting = switch_setting(option)
        if option.refusal is None:
            available.append(setting)
        else:
            code, message = REASONS[option.refusal]
            unavailable.append({**setting, "reason": {"code": code, "message": message}})
    return {"available": available, "unavailable": unavailable}
