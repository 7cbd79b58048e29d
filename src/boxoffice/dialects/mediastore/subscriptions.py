"""The customer's subscriptions: `GET /customers/{customerId}/subscriptions` (running ones, cancelled ones still
running included) and `PATCH` to cancel (`status: cancelled`, at the period's end; `terminated`, at once) or to
take a cancel back (`status: active`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import with_config
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from boxoffice.billing import holdings, subscriptions
from boxoffice.billing.models import Subscription, SubscriptionStatus
from boxoffice.dialects.cleeng.body import Fields, Text, declare
from boxoffice.dialects.cleeng.holdings import externally_managed
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id, price_id_of
from boxoffice.dialects.cleeng.periods import period, seasonal
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Session, own
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, Nothing, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused, subscription_coupon_refused
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity.models import Customer
from boxoffice.kit import clock
from boxoffice.kit.errors import Conflict, InvalidInput
from boxoffice.promotions.refusals import VoucherRefused

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
Status = Literal["active", "cancelled", "terminated"]
STATUSES: tuple[Status, ...] = ("active", "cancelled", "terminated")
# A subscription's status as MediaStore names it; any other is "active".
_SHOWN: dict[SubscriptionStatus, Status] = {
    SubscriptionStatus.CANCELED: "cancelled",
    SubscriptionStatus.ENDED: "terminated",
}
MAX_REASON = 100
OFFER_ID = Text("offerId", "The offer the subscription runs at, with or without its suffix", max_length=40)
STATUS = Text(
    "status",
    "`cancelled`: ends at the period's end; `terminated`: ends now; `active`: takes a cancellation back",
    enum=STATUSES,
    required=True,
)
REASON = Text("cancellationReason", f"Why, in at most {MAX_REASON} characters", max_length=10_000)
CHANGE = declare(OFFER_ID, STATUS, REASON)
COUPON_CODE = Text("couponCode", "The coupon to apply to the running subscription", max_length=100, required=True)
APPLY_COUPON = declare(COUPON_CODE)


@with_config(CLOSED)
class RunningSubscription(TypedDict):
    subscriptionId: int
    offerId: str
    status: Status
    expiresAt: int
    nextPaymentPrice: float
    nextPaymentCurrency: str
    paymentGateway: str
    paymentMethod: str
    offerTitle: str
    period: str
    totalPrice: float
    pendingSwitchId: int | None
    isExternallyManaged: bool


@with_config(CLOSED)
class Subscriptions(TypedDict):
    items: list[RunningSubscription]


@with_config(CLOSED)
class SubscriptionChange(TypedDict):
    offerId: str
    status: Status
    expiresAt: int


def _status(subscription: Subscription) -> Status:
    return _SHOWN.get(subscription.status, "active")


async def running_for_offer(session: AsyncSession, customer: Customer, given: str) -> Subscription:
    """The customer's running subscription to an offer (by its id, with or without the country suffix)."""
    parsed = price_id_of(given)
    if parsed is None:
        raise Refused(422, "Invalid param offerId", INVALID_BODY)
    found = await holdings.running_subscription_to(session, customer, parsed[1])
    if found is None:
        raise Refused(404, f"Subscription for offer {given} not found")
    return found


def _running(running: holdings.RunningSubscription) -> RunningSubscription:
    view, renewal = running.view, running.renewal
    s, pending = view.subscription, renewal.pending_switch
    return {
        "subscriptionId": s.id,
        "offerId": offer_id(view.price) if view.price else "",
        "status": _status(s),
        "expiresAt": clock.unix(s.current_period_end),
        "nextPaymentPrice": decimal(renewal.next_charge, s.currency),
        "nextPaymentCurrency": s.currency,
        "paymentGateway": s.gateway,
        "paymentMethod": s.method,
        "offerTitle": view.product.title,
        "period": period(s.period_unit, s.period_quantity, seasonal=seasonal(view.price)),
        "totalPrice": decimal(s.amount, s.currency),
        "pendingSwitchId": pending.id if pending is not None else None,
        "isExternallyManaged": externally_managed(s),
    }


@router.get("/customers/{customer_id}/subscriptions")
async def list_subscriptions(
    session: Session, customer: CurrentCustomer, customer_id: int = Path(ge=1)
) -> Answer[Subscriptions]:
    """The customer's running subscriptions, cancelled ones still running included."""
    own(customer, customer_id)
    return answer({"items": [_running(r) for r in await holdings.running_subscriptions(session, customer)]})


@router.patch("/customers/{customer_id}/subscriptions")
async def update_subscription(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(CHANGE)], customer_id: int = Path(ge=1)
) -> Answer[SubscriptionChange]:
    """Cancel a subscription (at the period's end, or at once), or take a cancellation back."""
    own(customer, customer_id)
    given, status = OFFER_ID.read(body) or "", STATUS.read(body)
    if status not in STATUSES:
        raise Refused(422, f"Invalid param status: one of {', '.join(STATUSES)}", INVALID_BODY)
    if len(REASON.read(body) or "") > MAX_REASON:
        raise Refused(422, f"The cancellation reason is at most {MAX_REASON} characters", INVALID_BODY)
    subscription = await running_for_offer(session, customer, given)
    try:
        if status == "active":
            await subscriptions.resume(session, customer.merchant_id, subscription)
        else:
            await subscriptions.cancel(session, customer.merchant_id, subscription, immediately=status == "terminated")
    except InvalidInput as error:
        raise Refused(422, error.message) from None
    return answer(
        {"offerId": given, "status": _status(subscription), "expiresAt": clock.unix(subscription.current_period_end)}
    )


@router.patch("/customers/{customer_id}/subscriptions/{subscription_id}")
async def apply_coupon(
    session: Session,
    customer: CurrentCustomer,
    body: Annotated[Fields, Depends(APPLY_COUPON)],
    customer_id: int = Path(ge=1),
    subscription_id: int = Path(ge=1, le=2**53),
) -> Answer[Nothing]:
    """Apply a coupon to a running subscription: its next renewals are discounted."""
    own(customer, customer_id)
    code = (COUPON_CODE.read(body) or "").strip()
    if not code:
        raise Refused(422, "Invalid param couponCode", INVALID_BODY)
    subscription = await subscriptions.subscription_of(
        session, customer.merchant_id, subscription_id, customer_id=customer.id
    )
    try:
        await subscriptions.apply_voucher(session, customer.merchant_id, subscription, code)
    except VoucherRefused as refused:
        raise subscription_coupon_refused(refused, code) from None
    except Conflict:
        raise Refused(422, f"Coupon {code} not applied: a coupon is already applied") from None
    return answer(Nothing())
