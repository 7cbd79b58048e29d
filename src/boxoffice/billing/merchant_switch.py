"""A subscription switched to another plan by the merchant's team, for its customer: at once, as the customer's own
switch is made (billing.plan_switch), and charged to the subscription's own payment method. The customer is not
there, so the price is checked as sold where they subscribed from, not where the team member is.

A merchant's back end (Cleeng's API 3.1) asks for a switch the way the customer's own is asked for instead
(`request_switch_for_customer`: an upgrade at once, a downgrade at the next renewal), names the subscription by its
id or by the customer and the price it runs at, and may cancel a pending switch (`cancel_switch_for_customer`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, holdings, plan_switch, subscriptions
from boxoffice.billing import switches_repository as switches_repo
from boxoffice.billing.models import Payment, Subscription
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import customers
from boxoffice.identity.models import Merchant
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import Conflict, InvalidInput, Missing, NotFound


@dataclass(frozen=True, slots=True)
class SwitchChoice:
    """A customer's subscription, and the plans it could switch to (each with why not, if it can't)."""

    subscription: Subscription
    options: list[plan_switch.SwitchOption]


async def switch_choices(
    session: AsyncSession, merchant: Merchant, customer_id: int, subscription_id: int
) -> SwitchChoice:
    customer = await customers.get_customer(session, merchant, customer_id)
    held = await subscriptions.subscription_of(session, merchant.id, subscription_id, customer_id=customer.id)
    return SwitchChoice(held, await plan_switch.switch_options(session, merchant.id, held))


def _where_subscribed(subscription: Subscription) -> ClientInfo:
    return ClientInfo(
        ip_address=None,
        country_code=subscription.country_code,
        device=Device("unknown", None, None, None),
        user_agent=None,
    )


async def switch_for_customer(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    *,
    customer_id: int,
    subscription_id: int,
    price_id: int,
    idempotency_key: str,
) -> Payment:
    """The switch's payment (PaymentDeclined if the gateway declined it). The same key makes the switch once."""
    async with sessions() as session:
        customer = await customers.get_customer(session, merchant, customer_id)
        held = await subscriptions.subscription_of(session, merchant.id, subscription_id, customer_id=customer.id)
    payment = await plan_switch.switch_plan(
        sessions,
        gateways,
        merchant,
        customer,
        subscription_id=held.id,
        price_id=price_id,
        idempotency_key=idempotency_key,
        client=_where_subscribed(held),
    )
    declined = charges.refusal(payment)
    if declined is not None:
        raise declined
    return payment


async def _subscription_named(
    session: AsyncSession,
    merchant: Merchant,
    customer_id: int | None,
    subscription_id: int | None,
    from_price_id: int | None,
) -> Subscription:
    """The subscription by its id (the customer's, when one is named), or the customer's running one at a price."""
    if customer_id is not None:
        customer_id = (await customers.get_customer(session, merchant, customer_id)).id
    if subscription_id is not None:
        held = await subscriptions.subscription_of(session, merchant.id, subscription_id, customer_id=customer_id)
        if from_price_id is not None and held.price_id != from_price_id:
            raise InvalidInput({"from_price_id": "The subscription is not at this price"})
        return held
    if customer_id is None or from_price_id is None:
        raise InvalidInput({"subscription_id": "Name the subscription, or the customer and the price it is at"})
    customer = await customers.get_customer(session, merchant, customer_id)
    running = await holdings.running_subscription_to(session, customer, from_price_id)
    if running is None:
        raise NotFound(what=Missing.SUBSCRIPTION)
    return running


async def switch_choices_named(
    session: AsyncSession,
    merchant: Merchant,
    *,
    customer_id: int | None,
    subscription_id: int | None = None,
    from_price_id: int | None = None,
) -> SwitchChoice:
    """The plans a subscription, named by its id or by its customer and price, could switch to."""
    held = await _subscription_named(session, merchant, customer_id, subscription_id, from_price_id)
    return SwitchChoice(held, await plan_switch.switch_options(session, merchant.id, held))


async def request_switch_for_customer(
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    merchant: Merchant,
    *,
    customer_id: int | None,
    subscription_id: int | None,
    from_price_id: int | None,
    price_id: int,
    direction: str | None,
    algorithm: str | None,
    idempotency_key: str,
) -> plan_switch.SwitchView:
    """A switch asked for by the merchant for its customer, as the customer's own is (an upgrade at once, charged to
    the subscription's payment method; a downgrade pending until the next renewal). `direction` and `algorithm`,
    when given, must be the switch's own; PaymentDeclined when the upgrade's charge is declined."""
    async with sessions() as session:
        choice = await switch_choices_named(
            session, merchant, customer_id=customer_id, subscription_id=subscription_id, from_price_id=from_price_id
        )
        customer = await customers.get_customer(session, merchant, choice.subscription.customer_id)
    option = next((o for o in choice.options if o.price.id == price_id), None)
    if option is not None and direction is not None and option.direction != direction:
        raise InvalidInput({"direction": f"Switching to this plan is a {option.direction}"})
    if option is not None and algorithm is not None and option.algorithm != algorithm:
        raise InvalidInput({"algorithm": f"This switch is made {option.algorithm}"})
    made = await plan_switch.request_switch(
        sessions,
        gateways,
        merchant,
        customer,
        subscription_id=choice.subscription.id,
        price_id=price_id,
        idempotency_key=idempotency_key,
        client=_where_subscribed(choice.subscription),
    )
    if made.switch is None:
        assert made.payment is not None  # only an upgrade's unsettled payment leaves no record
        raise charges.refusal(made.payment) or Conflict("The payment for this switch is waiting for the payer")
    return made.switch


async def cancel_switch_for_customer(
    session: AsyncSession, merchant: Merchant, switch_id: int
) -> plan_switch.SwitchView:
    """Cancel one of the merchant's pending switches: the subscription renews at the price it has."""
    record = await switches_repo.switch_by_id(session, merchant.id, switch_id)
    if record is None:
        raise NotFound("Switch not found")
    customer = await customers.get_customer(session, merchant, record.customer_id)
    return await plan_switch.cancel_switch(session, customer, record.id)
