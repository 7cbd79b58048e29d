"""Switching a customer's subscription to another plan from the publisher's back end:

* `GET /subscription_switches/availability?customerId=&offerId=` (or `subscriptionId=`): the offers the
  subscription can switch to, and why the others can't (Cleeng's reason codes);
* `POST /subscription_switches`: an upgrade at once (charged to the subscription's payment method, the unused part
  of the period credited), a downgrade pending until the next renewal;
* `PATCH /subscription_switches/{switchId}` with `{"status": "cancelled"}`: a pending switch is cancelled (which
  tells `subscriptionSwitchCancelled`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from boxoffice.billing import merchant_switch
from boxoffice.billing.switches import DEFERRED, IMMEDIATE
from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Text, Whole, declare
from boxoffice.dialects.cleeng.offer_ids import price_id_of
from boxoffice.dialects.cleeng.switches import Availability, SwitchDetail, availability_of, switch_detail
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=Api31Route, tags=["api31"])
# A path parameter of its own: FastAPI names a shared `Path()` by the first parameter it was declared for.
SwitchParam = Path(ge=1, le=2**53, description="The switch's id")

DIRECTIONS = ("upgrade", "downgrade", "unspecified")
# Cleeng's switch algorithms the core makes: an upgrade at once, prorated; a downgrade at the next renewal.
ALGORITHMS = {"IMMEDIATE_AND_CHARGE_WITH_TIME_PRORATION": IMMEDIATE, "DEFERRED": DEFERRED}
TO_OFFER_ID = Text("toOfferId", "The offer to switch to", max_length=40, required=True)
DIRECTION = Text("switchDirection", "`upgrade`, `downgrade` or `unspecified`", enum=DIRECTIONS, required=True)
ALGORITHM = Text("algorithm", "How the switch is made, when given: the one it is", enum=tuple(ALGORITHMS))
SUBSCRIPTION_ID = Whole("subscriptionId", "The subscription switched (or `customerId` and `fromOfferId`)")
CUSTOMER_ID = Whole("customerId", "The customer whose subscription is switched")
FROM_OFFER_ID = Text("fromOfferId", "The offer the customer's subscription is at", max_length=40)
SWITCH = declare(TO_OFFER_ID, DIRECTION, ALGORITHM, SUBSCRIPTION_ID, CUSTOMER_ID, FROM_OFFER_ID)
STATUS = Text("status", "Only `cancelled`: a pending switch is cancelled", enum=("cancelled",), required=True)
UPDATE = declare(STATUS)


def _price(name: str, given: str | None) -> int | None:
    """The price an offer id names (none given: None); 422 when it names no subscription offer."""
    if given is None:
        return None
    parsed = price_id_of(given)
    if parsed is None or parsed[0] != "S":
        raise Refused(422, f"Invalid parameter {name}: a subscription offer's id")
    return parsed[1]


@router.get("/subscription_switches/availability")
async def switch_availability(
    session: Session,
    publisher: Publisher,
    customer_id: Annotated[int, Query(alias="customerId", ge=1, le=2**53)],
    offer_id: Annotated[str | None, Query(alias="offerId", max_length=40)] = None,
    subscription_id: Annotated[int | None, Query(alias="subscriptionId", ge=1, le=2**53)] = None,
) -> Answer[Availability]:
    """The offers a customer's subscription (named by `subscriptionId`, or by the `offerId` it is at) can switch
    to, and why the others can't."""
    choice = await merchant_switch.switch_choices_named(
        session,
        publisher,
        customer_id=customer_id,
        subscription_id=subscription_id,
        from_price_id=_price("offerId", offer_id),
    )
    return answer(availability_of(choice.options))


@router.post("/subscription_switches")
async def switch_subscription(
    request: Request,
    publisher: Publisher,
    body: Annotated[Fields, Depends(SWITCH)],
    sessions: OwnTransactions,
) -> Answer[SwitchDetail]:
    """Switch a customer's subscription to another offer of the same item.

    The subscription is named by `subscriptionId`, or by `customerId` and `fromOfferId`. An upgrade happens at
    once, the unused part of the period credited; a downgrade waits for the next renewal (and may be cancelled
    until then). `switchDirection` and `algorithm` must be the switch's own (`unspecified`: either)."""
    to_price = _price("toOfferId", TO_OFFER_ID.read(body) or "")
    direction = DIRECTION.read(body)
    if direction not in DIRECTIONS:
        raise Refused(422, "Invalid parameter switchDirection: upgrade, downgrade or unspecified")
    algorithm = ALGORITHM.read(body)
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise Refused(422, "Invalid parameter algorithm: " + ", ".join(ALGORITHMS))
    assert to_price is not None  # an id was given
    made = await merchant_switch.request_switch_for_customer(
        sessions,
        request.app.state.gateways,
        publisher,
        customer_id=CUSTOMER_ID.read(body),
        subscription_id=SUBSCRIPTION_ID.read(body),
        from_price_id=_price("fromOfferId", FROM_OFFER_ID.read(body)),
        price_id=to_price,
        direction=None if direction == "unspecified" else direction,
        algorithm=ALGORITHMS[algorithm] if algorithm else None,
        idempotency_key=f"api31-switch:{uuid.uuid4()}",
    )
    return answer(switch_detail(made))


@router.patch("/subscription_switches/{switch_id}")
async def update_switch(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(UPDATE)], switch_id: int = SwitchParam
) -> Answer[SwitchDetail]:
    """Cancel a pending switch (`{"status": "cancelled"}`): the subscription renews at the price it has."""
    if STATUS.read(body) != "cancelled":
        raise Refused(422, "Invalid parameter status: a switch can only be cancelled")
    return answer(switch_detail(await merchant_switch.cancel_switch_for_customer(session, publisher, switch_id)))
