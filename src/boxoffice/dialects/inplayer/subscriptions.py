"""Subscriptions: the SDK's `createSubscription` (`POST /subscriptions`), `getSubscriptions`, `getSubscription`,
`cancelSubscription` (a GET of the absolute `unsubscribe_url`) and `changeSubscriptionPlan`
(`POST /v2/subscriptions/stripe:switch`); the merchant's list and cancel (the contract).

A subscription is shown with both field-name sets clients read (§5.4): the JS typings' (`asset_id`,
`next_billing_date`…) and what iOS, Android and the OTT web app read (`item_id`, `next_rebill_date`, `action_type`…).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Annotated, NotRequired

from fastapi import APIRouter, Depends, Query, Request
from typing_extensions import TypedDict

from boxoffice.billing import charges, plan_switch, subscriptions
from boxoffice.billing.models import FINISHED, RUNNING, PaymentStatus, Subscription, SubscriptionStatus
from boxoffice.billing.subscriptions import SubscriptionView
from boxoffice.catalog.access_types import BY_ID as ACCESS_TYPES
from boxoffice.dialects.inplayer import bodies, render
from boxoffice.dialects.inplayer.amounts import amount
from boxoffice.dialects.inplayer.bodies import Fields
from boxoffice.dialects.inplayer.deps import (
    MAX_PAGE,
    Client,
    CurrentCustomer,
    CurrentMerchant,
    CurrentPrincipal,
    PathId,
    Session,
    TokenMerchant,
)
from boxoffice.dialects.inplayer.forms import flag, integer, text
from boxoffice.dialects.inplayer.payment_methods import method_name
from boxoffice.dialects.inplayer.payments import (
    CARD,
    RETURN_URL,
    VOUCHER,
    Submitted,
    card_fields,
    card_of,
    idempotency_key,
    submitted,
)
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.transactions import GATEWAY_SUFFIX
from boxoffice.identity.accounts import customer_of
from boxoffice.kit import base_url, clock
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.money import Money
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=InPlayerRoute, tags=["subscriptions"])

SUBSCRIBE = bodies.form(
    bodies.integer("access_fee", "The access fee subscribed to", required=True),
    bodies.integer("payment_method", "1, a card (the only method taken here)"),
    *card_fields(required=True),
    RETURN_URL,
    VOUCHER,
)
MERCHANT_CANCEL = bodies.form(
    bodies.flag("immediately", "End it now rather than at the end of the paid period"),
)
SWITCH = bodies.form(
    bodies.text("inplayer_token", "The subscription, such as `S-123-SB`", required=True),
    bodies.integer("access_fee_id", "The access fee to switch to", required=True),
)


class SubscriptionAccessType(TypedDict):
    name: str
    quantity: int
    period: str


class SubscriptionBody(TypedDict):
    """A subscription, under both names clients read (`asset_id`/`item_id`, `next_billing_date`/
    `next_rebill_date`); `amount` in the currency's major unit."""

    id: int
    subscription_id: str
    cancel_token: str
    unsubscribe_url: str
    merchant_id: int
    customer_id: int
    item_id: int
    asset_id: int
    item_title: str
    asset_title: str
    access_fee_id: int
    action_type: str
    status: str
    description: str
    amount: int | float
    subscription_price: int | float
    formatted_amount: str
    charged_amount: int | float
    currency: str
    payment_method_name: str
    access_type: SubscriptionAccessType
    next_rebill_date: int | None
    next_billing_date: int | None
    current_period_start: int | None
    current_period_end: int | None
    trial_ends_at: int | None
    canceled_at: int | None
    ended_at: int | None
    created_at: int | None
    updated_at: int | None


class Subscribed(Submitted):
    subscription_id: str


class Unsubscribed(TypedDict):
    code: int
    subscription: str
    operation: str
    description: str
    status: str
    timestamp: int


class Switched(TypedDict):
    """The switch is done, or (`redirect_to_url`, `pi_id`) the payer must approve its charge first."""

    message: str
    redirect_to_url: NotRequired[str | None]
    pi_id: NotRequired[str | None]


# The core's states as InPlayer's `action_type` names them.
ACTION_TYPES = {
    SubscriptionStatus.INCOMPLETE: "incomplete",
    SubscriptionStatus.INCOMPLETE_EXPIRED: "incomplete_expired",
    SubscriptionStatus.TRIALING: "free-trial",
    SubscriptionStatus.ACTIVE: "recurrent",
    SubscriptionStatus.PAST_DUE: "past_due",
    SubscriptionStatus.CANCELED: "canceled",
    SubscriptionStatus.PAUSED: "paused",
    SubscriptionStatus.ENDED: "ended",
}
STATUSES = {
    SubscriptionStatus.INCOMPLETE: "incomplete",
    SubscriptionStatus.INCOMPLETE_EXPIRED: "expired",
    SubscriptionStatus.TRIALING: "active",
    SubscriptionStatus.ACTIVE: "active",
    SubscriptionStatus.PAST_DUE: "past_due",
    SubscriptionStatus.CANCELED: "canceled",
    SubscriptionStatus.PAUSED: "paused",
    SubscriptionStatus.ENDED: "ended",
}
# What the `status` filter of a list asks for: InPlayer's names or the core's.
FILTERS: dict[str, Collection[SubscriptionStatus]] = {
    "active": RUNNING,
    "inactive": FINISHED,
    **{name: (core,) for core, name in ACTION_TYPES.items()},
    **{core: (core,) for core in ACTION_TYPES},
}
_TOKEN = re.compile(r"^S-([1-9][0-9]{0,17})-(SB|ST|AP|GP|AM|RK)$")


def subscription_token(subscription: Subscription) -> str:
    return f"S-{subscription.id}-{GATEWAY_SUFFIX.get(subscription.gateway, 'SB')}"


def _subscription_id(token: str | None) -> int:
    found = _TOKEN.match((token or "").strip())
    if found is None:
        raise InvalidInput({"inplayer_token": "The subscription token names a subscription, such as S-123-SB"})
    return int(found.group(1))


def unsubscribe_url(request: Request, subscription: Subscription) -> str:
    base = base_url.of(request.app.state.settings.public_url)
    return f"{base}/subscriptions/cancel/{subscription.cancel_token}"


def _shown(request: Request, view: SubscriptionView) -> SubscriptionBody:
    s, product, price = view.subscription, view.product, view.price
    kind = ACCESS_TYPES.get(price.access_type_id) if price else None
    next_charge = render.ts(subscriptions.renews_at(s))
    charged = view.last_charge.amount if view.last_charge else 0
    formatted = f"{Money(s.amount, s.currency).as_decimal()} {s.currency}"
    description = price.description if price else ""
    return {
        "id": s.id,
        "subscription_id": subscription_token(s),
        "cancel_token": s.cancel_token,
        "unsubscribe_url": unsubscribe_url(request, s),
        "merchant_id": s.merchant_id,
        "customer_id": s.customer_id,
        "item_id": product.id,
        "asset_id": product.id,
        "item_title": product.title,
        "asset_title": product.title,
        "access_fee_id": s.price_id,
        "action_type": ACTION_TYPES[s.status],
        "status": STATUSES[s.status],
        "description": description,
        "amount": amount(s.amount, s.currency),
        "subscription_price": amount(s.amount, s.currency),
        "formatted_amount": formatted,
        "charged_amount": amount(charged, s.currency),
        "currency": s.currency,
        "payment_method_name": method_name(s.method),
        "access_type": {
            "name": kind.name if kind else "subscription",
            "quantity": s.period_quantity,
            "period": s.period_unit,
        },
        "next_rebill_date": next_charge,
        "next_billing_date": next_charge,
        "current_period_start": render.ts(s.current_period_start),
        "current_period_end": render.ts(s.current_period_end),
        "trial_ends_at": render.ts(s.trial_ends_at),
        "canceled_at": render.ts(s.canceled_at),
        "ended_at": render.ts(s.ended_at),
        "created_at": render.ts(s.created_at),
        "updated_at": render.ts(s.updated_at),
    }


async def _shown_one(request: Request, session: Session, subscription: Subscription) -> SubscriptionBody:
    views = await subscriptions.views_of(session, subscription.merchant_id, [subscription])
    return _shown(request, views[0])


@router.post("/subscriptions")
async def create_subscription(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(SUBSCRIBE)],
    client: Client,
    sessions: OwnTransactions,
) -> Subscribed:
    """Subscribe to an access fee, paying by card.

    As `POST /payments` answers: a decline is a 402; 3-D Secure answers `redirect_to_url` and the `pi_id`."""
    method = integer(body, "payment_method")
    if method not in (None, CARD):
        raise InvalidInput({"payment_method": "Only card payments (1) are taken here"})
    price_id = integer(body, "access_fee")
    if price_id is None:
        raise InvalidInput({"access_fee": "The access fee is required"})
    started = await subscriptions.subscribe(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        price_id=price_id,
        source=card_of(body),
        idempotency_key=idempotency_key(request, customer.id),
        return_url=text(body, "return_url"),
        client=client,
        voucher_code=text(body, "voucher_code"),
    )
    return {**submitted(started.payment, code=202), "subscription_id": subscription_token(started.subscription)}


@router.get("/subscriptions")
async def list_subscriptions(
    request: Request,
    session: Session,
    principal: CurrentPrincipal,
    page: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(15, ge=1, le=MAX_PAGE),
    status: str = Query("", max_length=32),
    customer_id: int | None = Query(None, ge=1, le=2**53),
) -> render.Page[SubscriptionBody]:
    """Subscriptions, a page at a time.

    A viewer sees their own; a merchant all of its tenant's, or one customer's (`customer_id`). `status` narrows
    them: `active`, `inactive`, or one state."""
    statuses = FILTERS.get(status.strip()) if status.strip() else None
    if status.strip() and statuses is None:
        raise InvalidInput({"status": f"The status is one of {', '.join(sorted(FILTERS))}"})
    if not principal.is_merchant:
        customer_id = (await customer_of(session, principal)).id
    total, rows = await subscriptions.subscriptions_page(
        session, principal.merchant_id, customer_id=customer_id, statuses=statuses, page=page, limit=limit
    )
    views = await subscriptions.views_of(session, principal.merchant_id, rows)
    return {
        "total": total,
        "page": page,
        "offset": page * limit,
        "limit": limit,
        "collection": [_shown(request, view) for view in views],
    }


@router.get("/subscriptions/cancel/{token}")
async def cancel_own_subscription(
    request: Request, session: Session, customer: CurrentCustomer, token: str
) -> Unsubscribed:
    """Cancel the viewer's subscription: its `unsubscribe_url`.

    It ends at its period's end; access runs until then."""
    subscription = await subscriptions.cancel_by_token(session, customer, token[:64])
    return {
        "code": 200,
        "subscription": subscription_token(subscription),
        "operation": "unsubscribe",
        "description": "The subscription is cancelled; access lasts until the end of the paid period",
        "status": "pending",
        "timestamp": clock.unix(clock.now()),
    }


@router.get("/subscriptions/{subscription_id}")
async def get_subscription(
    request: Request, session: Session, principal: CurrentPrincipal, subscription_id: PathId
) -> SubscriptionBody:
    """One subscription: a viewer's own, or any of the merchant's."""
    subscription = await subscriptions.subscription_of(
        session, principal.merchant_id, subscription_id, customer_id=principal.customer_id
    )
    return await _shown_one(request, session, subscription)


@router.post("/subscriptions/{subscription_id}/cancel")
async def merchant_cancel(
    request: Request,
    session: Session,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(MERCHANT_CANCEL)],
    subscription_id: PathId,
) -> SubscriptionBody:
    """Cancel a customer's subscription: at the end of its paid period, or now."""
    subscription = await subscriptions.subscription_of(session, merchant.id, subscription_id)
    await subscriptions.cancel(session, merchant.id, subscription, immediately=bool(flag(body, "immediately")))
    return await _shown_one(request, session, subscription)


@router.post("/v2/subscriptions/stripe:switch")
async def switch_plan(
    request: Request,
    customer: CurrentCustomer,
    merchant: TokenMerchant,
    body: Annotated[Fields, Depends(SWITCH)],
    client: Client,
    sessions: OwnTransactions,
) -> Switched:
    """Switch the viewer's subscription to another access fee of the item."""
    subscription_id = _subscription_id(text(body, "inplayer_token"))
    price_id = integer(body, "access_fee_id")
    if price_id is None:
        raise InvalidInput({"access_fee_id": "The access fee is required"})
    payment = await plan_switch.switch_plan(
        sessions,
        request.app.state.gateways,
        merchant,
        customer,
        subscription_id=subscription_id,
        price_id=price_id,
        idempotency_key=idempotency_key(request, customer.id),
        client=client,
    )
    declined = charges.refusal(payment)
    if declined is not None:
        raise declined
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        return {
            "message": "Authenticate the payment to switch plans",
            "redirect_to_url": payment.redirect_url,
            "pi_id": payment.gateway_charge_id,
        }
    return {"message": "The subscription was switched to the new plan"}
