"""What a customer holds or held, as Cleeng shows it to both of its dialects: an offer (`offerId`, its type letter,
its status in Cleeng's words, when it began and ends), and a subscription's renewal besides. MediaStore lists them
at `GET /customers/{id}/offers`, API 3.1 at `GET /entitlements`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from boxoffice.billing import holdings
from boxoffice.billing.models import BILLED_ELSEWHERE, Subscription
from boxoffice.catalog.models import Price
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id
from boxoffice.dialects.cleeng.periods import period, seasonal
from boxoffice.kit import clock

# The core's holding statuses in Cleeng's words.
Status = Literal["active", "expired", "cancelled"]
STATUSES: dict[holdings.HoldingStatus, Status] = {
    holdings.HoldingStatus.ACTIVE: "active",
    holdings.HoldingStatus.EXPIRED: "expired",
    holdings.HoldingStatus.CANCELED: "cancelled",
}


class RenewalFields(TypedDict, total=False):
    """What a subscription's holding says of its renewal (all or nothing)."""

    subscriptionId: int
    externalPaymentId: None
    inTrial: bool
    nextPaymentAt: int | None
    nextPaymentCurrency: str
    nextPaymentPrice: float
    paymentGateway: str
    paymentMethod: str
    pendingSwitchId: int | None
    period: str
    isExternallyManaged: bool


@with_config(ConfigDict(extra="forbid"))
class CustomerOffer(RenewalFields, total=True):
    """An offer the customer holds or held; a subscription's carries its renewal besides."""

    offerId: str
    status: Status
    startedAt: int
    expiresAt: int
    offerType: str
    totalPrice: float
    offerTitle: str
    customerCurrency: str


def renewal_fields(renewal: holdings.Renewal, price: Price) -> RenewalFields:
    subscription, pending, next_payment = renewal.subscription, renewal.pending_switch, renewal.next_payment_at
    return {
        "subscriptionId": subscription.id,
        "externalPaymentId": None,
        "inTrial": renewal.in_trial,
        "nextPaymentAt": clock.unix(next_payment) if next_payment else None,
        "nextPaymentCurrency": subscription.currency,
        "nextPaymentPrice": decimal(renewal.next_charge, subscription.currency),
        "paymentGateway": subscription.gateway,
        "paymentMethod": subscription.method,
        "pendingSwitchId": pending.id if pending is not None else None,
        "period": period(subscription.period_unit, subscription.period_quantity, seasonal=seasonal(price)),
        "isExternallyManaged": externally_managed(subscription),
    }


def held_offer(holding: holdings.Holding) -> CustomerOffer:
    entitlement, price = holding.entitlement, holding.price
    item: CustomerOffer = {
        "offerId": offer_id(price),
        "status": STATUSES[holding.status],
        "startedAt": clock.unix(entitlement.starts_at),
        "expiresAt": clock.unix(entitlement.expires_at),
        "offerType": letter(price),
        "totalPrice": decimal(price.amount, price.currency),
        "offerTitle": holding.product.title,
        "customerCurrency": price.currency,
    }
    if holding.renewal is not None:
        # My Account finds a pending switch here, by the id it then reads at /subscription_switches/{id}.
        return {**item, **renewal_fields(holding.renewal, price)}
    return item


def externally_managed(subscription: Subscription) -> bool:
    """Billed and renewed by the publisher itself: the SDK's My Account then offers no way to change it."""
    return subscription.gateway in BILLED_ELSEWHERE
