"""Switching a running subscription to another recurring price of the same item.

`switch_plan` switches at once: what is left of the period already paid becomes the customer's credit, the new
price's first period starts now and is charged less that credit (what the credit doesn't use is kept for the next
charges). `request_switch` is the way of APIs that know deferred switches (Cleeng's): an upgrade at once, as
`switch_plan`; a downgrade at the next renewal (billing.switches), so the customer keeps the dearer plan they paid
for until its period ends, and may cancel the switch until then (`cancel_switch`). Every switch is recorded
(`switch_history`); while one is pending, no other is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, periods, purchases, sandbox_clocks, switches
from boxoffice.billing import repository as repo
from boxoffice.billing import switches_repository as switches_repo
from boxoffice.billing.models import (
    MERCHANT_BILLED,
    STORES,
    Payment,
    PaymentStatus,
    PlanSwitch,
    PlanSwitchStatus,
    Subscription,
    SubscriptionStatus,
)
from boxoffice.billing.refusals import SubscriptionRefusal, SubscriptionRefused
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price
from boxoffice.gateways.connectors import EXTERNAL
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo
from boxoffice.kit.db import transaction
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound

SWITCHABLE = frozenset({SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE})
# How `request_switch` makes a switch, by its direction.
ALGORITHMS = {"upgrade": switches.IMMEDIATE, "downgrade": switches.DEFERRED}
# Who charges a subscription Boxoffice's gateways don't, which no switch can charge: the merchant itself, or its
# payment connector.
NOT_OURS = {
    MERCHANT_BILLED: SubscriptionRefusal.MERCHANT_BILLED,
    EXTERNAL: SubscriptionRefusal.CONNECTOR_BILLED,
} | dict.fromkeys(STORES, SubscriptionRefusal.STORE_BILLED)


def billed_elsewhere(subscription: Subscription) -> bool:
    """Whether the subscription is charged by the merchant or its payment connector: it switches no plan."""
    return subscription.gateway in NOT_OURS


@dataclass(frozen=True, slots=True)
class SwitchOption:
    """Another recurring price of the subscription's item, and why it can't be switched to (None: it can); its
    direction from the subscription's price, and how `request_switch` would make it."""

    price: Price
    refusal: str | None  # disabled | not_running | in_progress (a switch is pending) | currency
    direction: str
    algorithm: str


@dataclass(frozen=True, slots=True)
class SwitchView:
    """A switch as it is shown, with the prices it goes from and to (found even once deleted, as they are with
    it)."""

    record: PlanSwitch
    from_price: Price
    to_price: Price


@dataclass(frozen=True, slots=True)
class SwitchRequest:
    """What asking for a switch did. `switch` is the switch made, None while an upgrade's payment is unsettled
    (declined, or waiting for the payer); `payment` is the upgrade's charge, None for a deferred downgrade."""

    switch: SwitchView | None
    payment: Payment | None


async def switch_options(session: AsyncSession, merchant_id: int, subscription: Subscription) -> list[SwitchOption]:
    enabled = await purchases.plan_switch_enabled(session, merchant_id, subscription.product_id)
    pending = await switches.pending_switch(session, merchant_id, subscription.id)
    options: list[SwitchOption] = []
    if billed_elsewhere(subscription):
        return options
    for price in await catalog_repo.active_prices_of(session, merchant_id, subscription.product_id):
        if price.kind != "subscription" or price.id == subscription.price_id:
            continue
        refusal = None
        if not enabled:
            refusal = "disabled"
        elif subscription.status not in SWITCHABLE:
            refusal = "not_running"
        elif pending is not None:
            refusal = "in_progress"
        elif price.currency != subscription.currency:
            refusal = "currency"
        way = switches.direction(subscription, price)
        options.append(SwitchOption(price, refusal, way, ALGORITHMS[way]))
    return options


async def _views(session: AsyncSession, merchant_id: int, records: Sequence[PlanSwitch]) -> list[SwitchView]:
    ids = {i for record in records for i in (record.from_price_id, record.to_price_id)}
    prices = await catalog_repo.prices_by_ids(session, merchant_id, list(ids))
    return [SwitchView(record, prices[record.from_price_id], prices[record.to_price_id]) for record in records]


async def _view(session: AsyncSession, record: PlanSwitch) -> SwitchView:
    [view] = await _views(session, record.merchant_id, [record])
    return view


async def switch_plan(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    customer: Customer,
    *,
    subscription_id: int,
    price_id: int,
    idempotency_key: str,
    client: ClientInfo,
) -> Payment:
    """At once, whichever the direction (InPlayer's way: its API knows no pending switch). The switch is recorded
    when its payment settles (billing.fulfilment)."""
    async with sessions() as session:
        now = await sandbox_clocks.now_for(session, merchant.id, customer.id)
    with clock.pinned(now):
        async with sessions() as session:
            payment = await repo.payment_by_key(session, merchant.id, idempotency_key)
            if payment is None:
                payment = await _new_switch(session, merchant, customer, subscription_id, price_id, client)
                payment.idempotency_key = idempotency_key
            elif payment.kind != "plan_switch" or payment.subscription_id != subscription_id:
                raise Conflict("This idempotency key was used for another payment")
        if payment.id is None:
            try:
                async with transaction(sessions) as session:
                    session.add(payment)
            except IntegrityError:
                raise Conflict("This plan switch is already being made") from None
        if payment.status != PaymentStatus.PENDING:
            return payment
        return await charges.charge(sessions, await gateways.named(merchant.id, payment.gateway), merchant, payment)


async def request_switch(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    customer: Customer,
    *,
    subscription_id: int,
    price_id: int,
    idempotency_key: str,
    client: ClientInfo,
) -> SwitchRequest:
    """An upgrade at once (as `switch_plan`, under `idempotency_key`), a downgrade at the next renewal."""
    async with sessions() as session:
        now = await sandbox_clocks.now_for(session, merchant.id, customer.id)
    with clock.pinned(now):
        async with transaction(sessions) as session:
            subscription, price = await _validated(
                session, merchant.id, customer, subscription_id, price_id, client, lock=True
            )
            if ALGORITHMS[switches.direction(subscription, price)] == switches.DEFERRED:
                return SwitchRequest(await _view(session, await switches.defer(session, subscription, price)), None)
    payment = await switch_plan(
        sessions,
        gateways,
        merchant,
        customer,
        subscription_id=subscription_id,
        price_id=price_id,
        idempotency_key=idempotency_key,
        client=client,
    )
    if payment.status != PaymentStatus.SUCCEEDED:
        return SwitchRequest(None, payment)
    async with sessions() as session:
        made = await switches_repo.last_switch_of(session, merchant.id, subscription_id)
        return SwitchRequest(await _view(session, made) if made else None, payment)


async def switch_history(session: AsyncSession, customer: Customer) -> list[SwitchView]:
    """The customer's switches, newest first."""
    records = await switches_repo.switches_of_customer(session, customer.merchant_id, customer.id)
    return await _views(session, customer.merchant_id, records)


async def _record_of(session: AsyncSession, customer: Customer, switch_id: int) -> PlanSwitch:
    record = await switches_repo.switch_of_customer(session, customer.merchant_id, customer.id, switch_id)
    if record is None:
        raise NotFound("Switch not found")
    return record


async def switch_of(session: AsyncSession, customer: Customer, switch_id: int) -> SwitchView:
    """One of the customer's switches; another customer's is not found, as an unknown one is."""
    return await _view(session, await _record_of(session, customer, switch_id))


async def cancel_switch(session: AsyncSession, customer: Customer, switch_id: int) -> SwitchView:
    """Cancel a pending switch: the subscription renews at the price it has. Cancelling one that was applied or
    cancelled already is a Conflict."""
    record = await _record_of(session, customer, switch_id)
    if record.status != PlanSwitchStatus.PENDING:
        raise Conflict(f"Only a pending switch can be cancelled: this one has {record.status}")
    now = await sandbox_clocks.now_for(session, customer.merchant_id, customer.id)
    return await _view(session, await switches.cancel(session, customer, record, now or clock.now()))


async def _validated(
    session: AsyncSession,
    merchant_id: int,
    customer: Customer,
    subscription_id: int,
    price_id: int,
    client: ClientInfo,
    *,
    lock: bool = False,
) -> tuple[Subscription, Price]:
    """The customer's subscription and the price it may switch to. With `lock`, the subscription stays locked
    for the rest of the transaction (PostgreSQL), so that two requests at once can't both leave a pending switch."""
    subscription = await repo.subscription_by_id(session, merchant_id, subscription_id, lock=lock)
    if subscription is None or subscription.customer_id != customer.id:
        raise NotFound(what=Missing.SUBSCRIPTION)
    if subscription.gateway in NOT_OURS:
        raise SubscriptionRefused(NOT_OURS[subscription.gateway])
    if subscription.status not in SWITCHABLE:
        raise InvalidInput({"subscription_id": "Only an active subscription can switch plans"})
    if not await purchases.plan_switch_enabled(session, merchant_id, subscription.product_id):
        raise InvalidInput({"price_id": "This item's subscribers can't switch plans"})
    price = await purchases.price_on_sale(session, merchant_id, price_id, client, kind="subscription")
    if price.product_id != subscription.product_id:
        raise InvalidInput({"price_id": "A subscription switches to another access fee of the same item"})
    if price.id == subscription.price_id:
        raise InvalidInput({"price_id": "The subscription is already on this access fee"})
    if price.currency != subscription.currency:
        raise InvalidInput({"price_id": f"The subscription is paid in {subscription.currency}"})
    await switches.refuse_if_pending(session, subscription)
    return subscription, price


async def _new_switch(
    session: AsyncSession,
    merchant: Merchant,
    customer: Customer,
    subscription_id: int,
    price_id: int,
    client: ClientInfo,
) -> Payment:
    subscription, price = await _validated(session, merchant.id, customer, subscription_id, price_id, client)
    now = clock.now()
    # The credit the new period may use: what is owed already plus the unused part of this period (which the
    # settlement books as credit, as of this payment's time).
    available = subscription.credit + periods.unused_part(subscription, now)
    credit_used = min(available, price.amount)
    return Payment(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=price.product_id,
        price_id=price.id,
        kind="plan_switch",
        subscription_id=subscription.id,
        amount=price.amount - credit_used,
        currency=price.currency,
        credit_used=credit_used,
        gateway=subscription.gateway,
        gateway_customer_ref=subscription.gateway_customer_ref,
        gateway_method=subscription.gateway_method,
        status=PaymentStatus.PENDING,
        ip_address=client.ip_address,
        country_code=client.country_code,
        created_at=now,
        updated_at=now,
    )
