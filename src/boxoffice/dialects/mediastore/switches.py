"""Switching a subscription to another offer of the same item, and the switches made:

* `GET /customers/{customerId}/subscription_switches/{offerId}/availability`, with Cleeng's reason codes for what
  can't be switched to (every offer SWITCH_IN_PROGRESS while a switch is pending: the SDK says so on each offer,
  where a top-level `unavailableReason` it doesn't know would only tell the customer to try again later);
* `POST /customers/{customerId}/subscription_switches/{offerId}`: an upgrade happens at once, the unused part of
  the period credited; a downgrade is pending until the next renewal (the core's `request_switch`);
* `GET /subscription_switches` (the customer's, newest first), `GET /subscription_switches/{switchId}` and
  `PATCH /subscription_switches/{switchId}` with `{"status": "cancelled"}` to cancel a pending one.

A switch is rendered as the SDK's SwitchDetail, its prices as offer ids and its times in Unix seconds.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from boxoffice.billing import charges, plan_switch
from boxoffice.billing.models import Subscription
from boxoffice.dialects.cleeng.body import Fields, Text, declare
from boxoffice.dialects.cleeng.offer_ids import price_id_of
from boxoffice.dialects.cleeng.switches import DIRECTIONS, Availability, SwitchDetail, availability_of, switch_detail
from boxoffice.dialects.mediastore.deps import Client, CurrentCustomer, CurrentMerchant, Session, own
from boxoffice.dialects.mediastore.envelope import Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.dialects.mediastore.subscriptions import running_for_offer
from boxoffice.kit.errors import InvalidInput
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
OfferParam = Path(min_length=1, max_length=40)
SwitchParam = Path(ge=1, le=2**53)
TO_OFFER_ID = Text("toOfferId", "The offer to switch to, with or without its suffix", max_length=40, required=True)
DIRECTION = Text("switchDirection", "The direction availability showed, when given", enum=DIRECTIONS)
SWITCH = declare(TO_OFFER_ID, DIRECTION)
CANCELLED = Text("status", "Only `cancelled`: a pending switch is cancelled", enum=("cancelled",), required=True)
CANCEL = declare(CANCELLED)


@router.get("/customers/{customer_id}/subscription_switches/{offer}/availability")
async def availability(
    session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1), offer: str = OfferParam
) -> Answer[Availability]:
    """The offers the customer's subscription at an offer can switch to, and why the others can't."""
    own(customer, customer_id)
    subscription = await running_for_offer(session, customer, offer)
    return answer(availability_of(await plan_switch.switch_options(session, customer.merchant_id, subscription)))


async def _switched(
    session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1), offer: str = OfferParam
) -> Subscription:
    """The subscription a switch is asked for: the customer's own, running at the offer the path names."""
    own(customer, customer_id)
    return await running_for_offer(session, customer, offer)


@router.post("/customers/{customer_id}/subscription_switches/{offer}")
async def switch(
    request: Request,
    customer: CurrentCustomer,
    client: Client,
    body: Annotated[Fields, Depends(SWITCH)],
    subscription: Annotated[Subscription, Depends(_switched)],
    merchant: CurrentMerchant,
    sessions: OwnTransactions,
) -> Answer[SwitchDetail]:
    """Switch the subscription to another offer of the same item.

    An upgrade happens at once, the unused part of the period credited; a downgrade waits for the next renewal.
    The server decides the direction (as availability showed it); `switchDirection`, when sent, must be one."""
    target = price_id_of(TO_OFFER_ID.read(body) or "")
    if target is None:
        raise Refused(422, "Invalid param toOfferId", INVALID_BODY)
    if DIRECTION.read(body) not in (None, *DIRECTIONS):
        raise Refused(422, "Invalid param switchDirection: upgrade or downgrade", INVALID_BODY)
    try:
        made = await plan_switch.request_switch(
            sessions,
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
    if made.switch is None:
        assert made.payment is not None  # only an upgrade's unsettled payment leaves no record
        raise charges.refusal(made.payment) or Refused(402, "The payment for this switch needs authentication")
    return answer(switch_detail(made.switch))


@router.get("/subscription_switches")
async def history(session: Session, customer: CurrentCustomer) -> Answer[list[SwitchDetail]]:
    """The customer's switches, newest first."""
    return answer([switch_detail(view) for view in await plan_switch.switch_history(session, customer)])


@router.get("/subscription_switches/{switch_id}")
async def get_switch(session: Session, customer: CurrentCustomer, switch_id: int = SwitchParam) -> Answer[SwitchDetail]:
    """One of the customer's switches."""
    return answer(switch_detail(await plan_switch.switch_of(session, customer, switch_id)))


@router.patch("/subscription_switches/{switch_id}")
async def update_switch(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(CANCEL)], switch_id: int = SwitchParam
) -> Answer[SwitchDetail]:
    """Cancel a pending switch: only cancelling is a change a customer makes to a switch."""
    if body.get(CANCELLED.name) != "cancelled":
        raise Refused(422, "Invalid param status: a switch can only be cancelled", INVALID_BODY)
    return answer(switch_detail(await plan_switch.cancel_switch(session, customer, switch_id)))
