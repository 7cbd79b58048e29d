"""Switching a subscription to another offer of the same item: `GET /customers/{customerId}/subscription_switches
/{offerId}/availability` (with Cleeng's reason codes for what can't be switched to) and `POST /customers/
{customerId}/subscription_switches/{offerId}`. A switch happens at once, the unused part of the period credited
(the core's plan switch), so there is never a pending switch to cancel."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Path, Request

from boxoffice.billing import plan_switch
from boxoffice.billing.models import Subscription
from boxoffice.catalog.models import Price
from boxoffice.dialects.mediastore.body import string
from boxoffice.dialects.mediastore.deps import Body, Client, CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.money import currency_symbol, decimal
from boxoffice.dialects.mediastore.offer_ids import offer_id, price_id_of
from boxoffice.dialects.mediastore.offers import period
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.dialects.mediastore.subscriptions import running_for_offer
from boxoffice.errors import InvalidInput
from boxoffice.identity.merchants import merchant_of

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
ALGORITHM = "IMMEDIATE_AND_CHARGE_WITH_TIME_PRORATION"
# The core's refusals by the codes the SDK shows reasons for.
REASONS = {
    "disabled": ("PAYMENT_GATEWAY_NOT_SUPPORTED", "Switching plans is not enabled for this offer"),
    "not_running": ("RECURRING_PROCESS_ALREADY_STARTED", "The subscription is not active"),
    "currency": ("TO_OFFER_COUNTRY_NOT_ALLOWED", "The offer is sold in another currency"),
}
OfferParam = Path(min_length=1, max_length=40)


DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _per_day(amount: int, unit: str, quantity: int) -> float:
    return amount / (DAYS.get(unit, 30) * quantity)


def _setting(price: Price, current: Subscription) -> dict[str, Any]:
    current_per_day = _per_day(current.amount, current.period_unit, current.period_quantity)
    symbol = currency_symbol(price.currency)
    return {
        "toOfferId": offer_id(price),
        "algorithm": ALGORITHM,
        "switchDirection": "upgrade"
        if _per_day(price.amount, price.period_unit, price.period_quantity) >= current_per_day
        else "downgrade",
        "title": price.description,
        "price": decimal(price.amount, price.currency),
        "currency": price.currency,
        "currencySymbol": symbol,
        "period": period(price.period_unit, price.period_quantity),
        "nextPaymentPrice": decimal(price.amount, price.currency),
        "nextPaymentPriceCurrency": price.currency,
        "nextPaymentPriceCurrencySymbol": symbol,
    }


@router.get("/customers/{customer_id}/subscription_switches/{offer}/availability")
async def availability(
    session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1), offer: str = OfferParam
) -> Any:
    own(customer, customer_id)
    subscription = await running_for_offer(session, customer, offer)
    available, unavailable = [], []
    for option in await plan_switch.switch_options(session, customer.merchant_id, subscription):
        setting = _setting(option.price, subscription)
        if option.refusal is None:
            available.append(setting)
        else:
            code, message = REASONS[option.refusal]
            unavailable.append(setting | {"reason": {"code": code, "message": message}})
    return answer({"available": available, "unavailable": unavailable})


@router.post("/customers/{customer_id}/subscription_switches/{offer}")
async def switch(
    request: Request,
    session: Session,
    customer: CurrentCustomer,
    client: Client,
    body: Body,
    customer_id: int = Path(ge=1),
    offer: str = OfferParam,
) -> Any:
    own(customer, customer_id)
    subscription = await running_for_offer(session, customer, offer)
    target = price_id_of(string(body, "toOfferId", max_length=40) or "")
    if target is None:
        raise Refused(422, "Invalid param toOfferId", INVALID_BODY)
    merchant = await merchant_of(session, customer.merchant_id)
    await session.commit()  # the switch commits its own steps
    try:
        payment = await plan_switch.switch_plan(
            request.app.state.sessions,
            request.app.state.gateways,
            merchant,
            customer,
            subscription_id=subscription.id,
            price_id=target[1],
            idempotency_key=f"mediastore-switch:{uuid.uuid4()}",
            client=client,
        )
    except InvalidInput as error:
        raise Refused(422, error.message) from None
    return answer(
        {
            "id": payment.id,
            "customerId": customer.id,
            "direction": string(body, "switchDirection") or "",
            "algorithm": ALGORITHM,
            "fromOfferId": offer,
            "toOfferId": string(body, "toOfferId"),
            "subscriptionId": subscription.id,
            "status": "succeeded" if payment.status == "succeeded" else payment.status,
        }
    )
