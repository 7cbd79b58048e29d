"""A subscription switched to another plan by the merchant's team, for its customer: at once, as the customer's own
switch is made (billing.plan_switch), and charged to the subscription's own payment method. The customer is not
there, so the price is checked as sold where they subscribed from, not where the team member is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import charges, plan_switch, subscriptions
from boxoffice.billing.models import Payment, Subscription
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import customers
from boxoffice.identity.models import Merchant
from boxoffice.kit.client_info import ClientInfo, Device


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
