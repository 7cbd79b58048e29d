"""Subscriptions as the publisher's back end manages them: one it bills itself created (`POST /subscriptions`) and
renewed, any listed by what names it, read (with an ETag) and changed (conditionally with `If-Match`), and
revived, transferred, cancelled, terminated, activated, paused and resumed by id."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from typing_extensions import TypedDict

from boxoffice.billing import merchant_billed, pauses, subscription_moves
from boxoffice.billing.merchant_billed import MerchantBilled
from boxoffice.billing.models import MERCHANT_BILLED, SubscriptionStatus
from boxoffice.billing.subscription_moves import SubscriptionUpdate
from boxoffice.billing.subscription_search import (
    SubscriptionDetails,
    SubscriptionFilter,
    find_subscriptions,
    subscription_details,
)
from boxoffice.dialects.api31.answers import Answer, Listed, answer, require_match, tagged
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Flag, Shaped, Text, Whole, declare
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id, price_id_of
from boxoffice.dialects.cleeng.transactions import payment_id_of
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock

router = APIRouter(route_class=Api31Route, tags=["api31"])

# A subscription's id in a path: a positive whole number (anything else is a 400, never a lookup).
SubscriptionId = Annotated[int, Path(ge=1, le=2**53)]
PAGE, MAX_PAGE = 20, 100
MAX_OFFER_ID, MAX_EXTERNAL_ID, MAX_REF = 40, 200, 64
# The last second a date can be: anything later is no date.
LATEST = 253402300799
Status = Literal["active", "cancelled", "paused", "expired", "terminated", "pending"]
# The core's statuses each of Cleeng's words finds (an ended one is `terminated` when it ended before its period,
# `expired` when with it: both are found by either word).
FOUND_BY: dict[str, frozenset[SubscriptionStatus]] = {
    "active": frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE}),
    "cancelled": frozenset({SubscriptionStatus.CANCELED}),
    "paused": frozenset({SubscriptionStatus.PAUSED}),
    "expired": frozenset({SubscriptionStatus.ENDED, SubscriptionStatus.INCOMPLETE_EXPIRED}),
    "terminated": frozenset({SubscriptionStatus.ENDED}),
    "pending": frozenset({SubscriptionStatus.INCOMPLETE}),
}
SHOWN: dict[SubscriptionStatus, Status] = {
    SubscriptionStatus.ACTIVE: "active",
    SubscriptionStatus.TRIALING: "active",
    SubscriptionStatus.PAST_DUE: "active",
    SubscriptionStatus.CANCELED: "cancelled",
    SubscriptionStatus.PAUSED: "paused",
    SubscriptionStatus.INCOMPLETE: "pending",
    SubscriptionStatus.INCOMPLETE_EXPIRED: "expired",
}
# What `PATCH` may set `status` to.
SET_TO = {
    "active": SubscriptionStatus.ACTIVE,
    "cancelled": SubscriptionStatus.CANCELED,
    "terminated": SubscriptionStatus.ENDED,
}
PROPERTIES_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "object", "additionalProperties": {"type": "string", "maxLength": 1000}}, {"type": "null"}]
}
REF_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "minLength": 1, "maxLength": MAX_REF},
        {"type": "integer", "minimum": 0, "exclusiveMaximum": 2**63},
        {"type": "null"},
    ]
}

CUSTOMER_ID = Whole("customerId", "The customer the subscription is (or becomes) of", required=True)
OFFER_ID = Text("offerId", "The subscription offer, such as `S123456789_US`", max_length=MAX_OFFER_ID, required=True)
PAYMENT_METHOD_ID = Whole("paymentMethodId", "The publisher's payment method that bills it", required=True)
EXTERNAL_ID = Text("externalId", "The publisher's own id for it", max_length=MAX_EXTERNAL_ID, required=True)
EXPIRES_AT = Whole("expiresAt", "When its period ends (Unix seconds): one period of the offer when not given")
IN_TRIAL = Flag("inTrial", "Whether its period is a free trial")
PAYMENT_ID = Shaped("paymentId", "The publisher's payment of the period", REF_SCHEMA)
EXTERNAL_PROPERTIES = Shaped("externalProperties", "The publisher's own data about it: strings", PROPERTIES_SCHEMA)
CREATE = declare(
    CUSTOMER_ID, OFFER_ID, PAYMENT_METHOD_ID, EXTERNAL_ID, EXPIRES_AT, IN_TRIAL, PAYMENT_ID, EXTERNAL_PROPERTIES
)
STATUS = Text("status", "`active` takes a cancel back, `cancelled` ends it with its period, `terminated` now",
              enum=tuple(SET_TO))  # fmt: skip
COUPON_CODE = Text("couponCode", "A coupon discounting its next renewals", max_length=100)
NEW_EXPIRY = Whole("expiresAt", "When its current period ends (Unix seconds), and access with it")
PAYMENT_DETAILS_ID = Whole("paymentDetailsId", "The customer's saved payment details its renewals charge")
UPDATE = declare(STATUS, COUPON_CODE, NEW_EXPIRY, PAYMENT_DETAILS_ID, IN_TRIAL, EXTERNAL_PROPERTIES)
CONVERT_TRIAL = Flag("convertTrial", "Whether the renewed period ends the trial")
RENEW = declare(EXPIRES_AT, PAYMENT_ID, CONVERT_TRIAL)
EXPIRATION_DATE = Whole("expirationDate", "When the revived subscription's period ends (Unix seconds)", required=True)
REVIVE = declare(EXPIRATION_DATE)
TRANSFER = declare(CUSTOMER_ID)
REASON = Text("cancellationReason", "Why, in words (not kept)", max_length=1000)
CANCEL = declare(REASON)
TERMINATION_TYPE = Text("terminationType", "How it is terminated (not kept): it ends now", max_length=100)
TERMINATE = declare(TERMINATION_TYPE)
PAUSE_DATE = Text("pauseDate", "When the pause begins: at the end of the current period", enum=("anniversary-date",))
RESUMES_AFTER = Whole("resumesAfterBillingCycles", "How many billing cycles go by paused", required=True)
PAUSE = declare(PAUSE_DATE, RESUMES_AFTER)
NOTHING = declare()


class SubscriptionResource(TypedDict):
    id: int
    customerId: int
    offerId: str
    status: Status
    startedAt: int
    expiresAt: int
    inTrial: bool
    nextPaymentPrice: float
    nextPaymentCurrency: str
    nextPaymentAt: int | None
    paymentGateway: str
    paymentMethod: str
    paymentMethodId: int | None
    externalPaymentId: str | None
    externalId: str | None
    externalProperties: dict[str, Any] | None
    pausedAt: int | None
    resumesAt: int | None


def _status(details: SubscriptionDetails) -> Status:
    s = details.subscription
    if s.status == SubscriptionStatus.ENDED:
        ended_early = s.ended_at is not None and s.ended_at < s.current_period_end
        return "terminated" if ended_early else "expired"
    return SHOWN[s.status]


def _when(moment: datetime | None) -> int | None:
    return None if moment is None else clock.unix(moment)


def _render(details: SubscriptionDetails) -> SubscriptionResource:
    s, price = details.subscription, details.price
    billed = s.gateway == MERCHANT_BILLED
    next_payment = details.next_payment_at
    return {
        "id": s.id,
        "customerId": s.customer_id,
        "offerId": offer_id(price) if price is not None else "",
        "status": _status(details),
        "startedAt": clock.unix(s.created_at),
        "expiresAt": clock.unix(s.current_period_end),
        "inTrial": s.status == SubscriptionStatus.TRIALING,
        "nextPaymentPrice": decimal(details.next_charge, s.currency),
        "nextPaymentCurrency": s.currency,
        "nextPaymentAt": _when(next_payment),
        "paymentGateway": s.gateway,
        "paymentMethod": s.method,
        "paymentMethodId": int(s.gateway_method) if billed and s.gateway_method.isdigit() else None,
        "externalPaymentId": (s.gateway_customer_ref or None) if billed else None,
        "externalId": s.external_id,
        "externalProperties": s.external_properties,
        "pausedAt": _when(s.pause_starts_at),
        "resumesAt": _when(s.resumes_at),
    }


def _moment(seconds: int | None, name: str) -> datetime | None:
    if seconds is None:
        return None
    if seconds > LATEST:
        raise Refused(422, f"Invalid param {name}: a date")
    return clock.from_unix(seconds)


def _given(value: Any, name: str) -> Any:
    if value is None:
        raise Refused(422, f"{name} is required")
    return value


def _ref(body: Fields, field: Shaped) -> str | None:
    value = field.read(body)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Refused(400, f"Invalid param {field.name}")
    text = str(value)
    if len(text) > MAX_REF or "\x00" in text or (isinstance(value, int) and value < 0):
        raise Refused(422, f"Invalid param {field.name}")
    return text


def _properties(body: Fields) -> dict[str, Any] | None:
    value = EXTERNAL_PROPERTIES.read(body)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Refused(400, "Invalid param externalProperties: an object of strings")
    return value


def _price_id(given: str) -> int:
    parsed = price_id_of(given)
    if parsed is None or parsed[0] != "S":
        raise Refused(404, "Offer not found")
    return parsed[1]


async def _shown(
    session: Session, publisher: Merchant, subscription_id: int, *, to_change: bool = False
) -> SubscriptionResource:
    return _render(await subscription_details(session, publisher.id, subscription_id, to_change=to_change))


@router.post("/subscriptions", status_code=201)
async def create_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[SubscriptionResource]:
    """Create a subscription the publisher bills and renews itself (an externally managed one): it gives access
    to its offer until `expiresAt` and shows wherever the customer's subscriptions do; Boxoffice never charges it,
    and it ends then unless renewed (`POST /subscriptions/{id}/renew`)."""
    customer_id = _given(CUSTOMER_ID.read(body), "customerId")
    given_offer = _given(OFFER_ID.read(body) or None, "offerId")
    method = _given(PAYMENT_METHOD_ID.read(body), "paymentMethodId")
    external_id = _given(EXTERNAL_ID.read(body) or None, "externalId")
    registered = MerchantBilled(
        customer_id=customer_id,
        price_id=_price_id(given_offer),
        payment_method_id=method,
        external_id=external_id,
        expires_at=_moment(EXPIRES_AT.read(body), "expiresAt"),
        in_trial=bool(IN_TRIAL.read(body)),
        payment_ref=_ref(body, PAYMENT_ID),
        external_properties=_properties(body),
    )
    subscription = await merchant_billed.register_subscription(session, publisher, registered)
    return answer(await _shown(session, publisher, subscription.id), 201)


@router.get("/subscriptions")
async def list_subscriptions(
    session: Session,
    publisher: Publisher,
    transaction_id: Annotated[str | None, Query(alias="transactionId", max_length=40)] = None,
    customer_id: Annotated[int | None, Query(alias="customerId", ge=1, le=2**53)] = None,
    offer: Annotated[str | None, Query(alias="offerId", max_length=MAX_OFFER_ID)] = None,
    method: Annotated[int | None, Query(alias="paymentMethodId", ge=0, le=2**53)] = None,
    external_id: Annotated[str | None, Query(alias="externalId", max_length=MAX_EXTERNAL_ID)] = None,
    statuses: Annotated[list[str] | None, Query(alias="status[]", max_length=len(FOUND_BY))] = None,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE,
) -> Answer[Listed[SubscriptionResource]]:
    """The publisher's subscriptions every filter given matches (`transactionId`, `customerId`, `offerId`,
    `paymentMethodId`, `externalId`, `status[]`), oldest first; without a filter, none."""
    narrowed = SubscriptionFilter(
        customer_id=customer_id,
        external_id=external_id,
        method_ref=None if method is None else str(method),
    )
    if transaction_id is not None:
        payment_id = payment_id_of(transaction_id)
        if payment_id is None:
            return answer({"items": [], "totalCount": 0})
        narrowed = dataclasses.replace(narrowed, payment_id=payment_id)
    if offer is not None:
        parsed = price_id_of(offer)
        if parsed is None or parsed[0] != "S":
            return answer({"items": [], "totalCount": 0})
        narrowed = dataclasses.replace(narrowed, price_id=parsed[1])
    if statuses:
        unknown = [word for word in statuses if word not in FOUND_BY]
        if unknown:
            raise Refused(422, f"Invalid parameter status[]: one of {', '.join(FOUND_BY)}")
        found = frozenset().union(*(FOUND_BY[word] for word in statuses))
        narrowed = dataclasses.replace(narrowed, statuses=found)
    total, items = await find_subscriptions(session, publisher.id, narrowed, offset=offset, limit=limit)
    return answer({"items": [_render(d) for d in items], "totalCount": total})


@router.get("/subscriptions/{subscription_id}")
async def read_subscription(
    request: Request, session: Session, publisher: Publisher, subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """A subscription of the publisher, with an `ETag` for a conditional `PATCH` (`If-Match`)."""
    return tagged(request, await _shown(session, publisher, subscription_id))


@router.patch("/subscriptions/{subscription_id}")
async def update_subscription(
    request: Request,
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(UPDATE)],
    subscription_id: SubscriptionId,
) -> Answer[SubscriptionResource]:
    """Change a subscription: its `status` (`active` takes a cancel back, `cancelled` at its period's end,
    `terminated` now), a `couponCode` on its next renewals, its period's end (`expiresAt`), the saved payment
    details it renews with, whether a subscription the publisher bills is in its trial, the publisher's data about
    it. What the body leaves out (or sends as null) is left as it is. With `If-Match`, only if the subscription is
    as last read (else 412)."""
    status = STATUS.read(body)
    if status is not None and status not in SET_TO:
        raise Refused(422, f"Invalid param status: one of {', '.join(SET_TO)}")
    coupon = COUPON_CODE.read(body)
    if coupon is not None and not coupon.strip():
        raise Refused(422, "Invalid param couponCode")
    change = SubscriptionUpdate(
        status=SET_TO[status] if status is not None else None,
        voucher_code=coupon.strip() if coupon is not None else None,
        expires_at=_moment(NEW_EXPIRY.read(body), "expiresAt"),
        in_trial=IN_TRIAL.read(body),
        external_properties=_properties(body),
        payment_details_id=PAYMENT_DETAILS_ID.read(body),
    )
    await require_match(
        request,
        session,
        ("subscription", subscription_id),
        lambda: _shown(session, publisher, subscription_id, to_change=True),
    )
    await subscription_moves.update_subscription(session, publisher, subscription_id, change)
    return tagged(request, await _shown(session, publisher, subscription_id))


@router.post("/subscriptions/{subscription_id}/renew")
async def renew_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(RENEW)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Renew a subscription the publisher bills: a new period from the end of the current one until `expiresAt`
    (one period of its offer when not given), with access until then. In its trial, the period is the trial's
    unless `convertTrial`."""
    expires_at = _moment(EXPIRES_AT.read(body), "expiresAt")
    renewed = await merchant_billed.renew_subscription(
        session,
        publisher,
        subscription_id,
        expires_at=expires_at,
        payment_ref=_ref(body, PAYMENT_ID),
        convert_trial=bool(CONVERT_TRIAL.read(body)),
    )
    return answer(await _shown(session, publisher, renewed.id))


@router.post("/subscriptions/{subscription_id}/revive")
async def revive_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(REVIVE)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Bring back a subscription that ended (or take back a cancel), running until `expirationDate` with access
    until then, renewed after as before."""
    expires_at = _given(_moment(EXPIRATION_DATE.read(body), "expirationDate"), "expirationDate")
    revived = await subscription_moves.revive_subscription(session, publisher, subscription_id, expires_at=expires_at)
    return answer(await _shown(session, publisher, revived.id))


@router.post("/subscriptions/{subscription_id}/transfer")
async def transfer_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(TRANSFER)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Hand a running subscription the publisher bills, with the rest of its access, to another customer
    (`customerId`); one Boxoffice charges stays with the customer whose payment method it charges (422)."""
    customer_id = _given(CUSTOMER_ID.read(body), "customerId")
    moved = await subscription_moves.transfer_subscription(session, publisher, subscription_id, customer_id=customer_id)
    return answer(await _shown(session, publisher, moved.id))


@router.post("/subscriptions/{subscription_id}/cancel")
async def cancel_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CANCEL)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Cancel a subscription at the end of its period: access runs until then (a paused one ends now)."""
    REASON.read(body)
    cancelled = await subscription_moves.cancel_subscription(session, publisher.id, subscription_id)
    return answer(await _shown(session, publisher, cancelled.id))


@router.post("/subscriptions/{subscription_id}/terminate")
async def terminate_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(TERMINATE)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """End a subscription now, and its access with it."""
    TERMINATION_TYPE.read(body)
    ended = await subscription_moves.terminate_subscription(session, publisher.id, subscription_id)
    return answer(await _shown(session, publisher, ended.id))


@router.post("/subscriptions/{subscription_id}/activate")
async def activate_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(NOTHING)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Take back a cancel while the period it ends with still runs; an active subscription is left as it is."""
    activated = await subscription_moves.activate_subscription(session, publisher.id, subscription_id)
    return answer(await _shown(session, publisher, activated.id))


@router.post("/subscriptions/{subscription_id}/pause")
async def pause_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(PAUSE)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Pause an active subscription Boxoffice charges, out of its trial, from the end of its current period
    (`pauseDate`: `anniversary-date`) for `resumesAfterBillingCycles` billing cycles: nothing is charged and no
    access given meanwhile; then it renews again."""
    when = PAUSE_DATE.read(body)
    if when is not None and when != "anniversary-date":
        raise Refused(422, "Invalid param pauseDate: anniversary-date")
    cycles = _given(RESUMES_AFTER.read(body), "resumesAfterBillingCycles")
    paused = await pauses.pause_subscription(session, publisher.id, subscription_id, cycles=cycles)
    return answer(await _shown(session, publisher, paused.id))


@router.post("/subscriptions/{subscription_id}/resume")
async def resume_subscription(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(NOTHING)], subscription_id: SubscriptionId
) -> Answer[SubscriptionResource]:
    """Take back a pause that has not begun, or end a running one now: it renews (charged, and its access
    opened) at once, in the renewal engine's next pass."""
    resumed = await pauses.resume_subscription(session, publisher.id, subscription_id)
    return answer(await _shown(session, publisher, resumed.id))
