"""Webhooks as Cleeng posts them (cleeng-api.md §4.2): a JSON body `{"broadcasterId": <publisher id>, "topic":
"<name>", "data": {…}}`, `Content-Type: application/json` (the sender adds the Standard Webhooks `webhook-id`,
`webhook-timestamp` and `webhook-signature` headers to every delivery, signed with the merchant's secret).

The data of each topic is rendered from the core event it is made of (`webhook_topics.TOPICS`) and the rows it is
about. Cleeng's dates are Unix seconds where its API answers them so (`transactionDate`), and ISO 8601 in UTC
where its topics' examples show them so (`dunningAttemptDate`, `expirationDate`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from boxoffice.billing.models import CHARGING, Payment, Subscription, SubscriptionStatus
from boxoffice.catalog import taxes
from boxoffice.catalog.models import Price
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import offer_id
from boxoffice.dialects.cleeng.transactions import transaction_id
from boxoffice.dialects.cleeng.webhook_topics import TEST_TOPIC, topic_of
from boxoffice.events.event_types import TEST_TYPE
from boxoffice.events.models import Event
from boxoffice.identity.merchants import public_number
from boxoffice.kit import clock
from boxoffice.webhooks.subjects import Subjects, load_subjects

USER_AGENT = "Boxoffice-Webhooks/1.0"
# A subscription's status as Cleeng names it; any other is "active".
_STATUS = {
    SubscriptionStatus.CANCELED: "cancelled",
    SubscriptionStatus.ENDED: "terminated",
    SubscriptionStatus.INCOMPLETE_EXPIRED: "terminated",
}
Data = dict[str, Any]


class CleengWebhooks:
    """The Cleeng wire format of the webhook engine (`boxoffice.webhooks.formats.WireFormat`)."""

    async def bodies(self, session: AsyncSession, events: Sequence[Event]) -> dict[int, bytes]:
        subjects = await load_subjects(session, events)
        rates = _TaxRates(session)
        return {event.id: orjson.dumps(await body(event, subjects, rates)) for event in events}

    def headers(self, body: bytes, secret: str) -> dict[str, str]:
        return {"Content-Type": "application/json", "User-Agent": USER_AGENT}


class _TaxRates:
    """The merchant's tax rate of each country, read once per batch."""

    def __init__(self, session: AsyncSession) -> None:
        self.session, self.known = session, dict[tuple[int, str | None], int]()

    async def of(self, merchant_id: int, country: str | None) -> int:
        key = (merchant_id, country)
        if key not in self.known:
            self.known[key] = await taxes.rate_for(self.session, merchant_id, country)
        return self.known[key]


async def body(event: Event, subjects: Subjects, rates: _TaxRates) -> Data:
    merchant = subjects.merchants[event.merchant_id]
    if event.type == TEST_TYPE:
        return {"broadcasterId": public_number(merchant), "topic": TEST_TOPIC, "data": dict(event.resource)}
    topic = topic_of(event)
    name = topic.name if topic else event.type
    return {"broadcasterId": public_number(merchant), "topic": name, "data": await data(name, event, subjects, rates)}


async def data(topic: str, event: Event, subjects: Subjects, rates: _TaxRates) -> Data:
    payment = subjects.of(subjects.payments, event, "payment_id")
    subscription = subjects.of(subjects.subscriptions, event, "subscription_id")
    if subscription is None and payment is not None and payment.subscription_id:
        subscription = subjects.subscriptions.get(payment.subscription_id)
    if topic == "transactionCreated" and payment is not None:
        return await _transaction(event, payment, subjects, rates)
    if topic in ("customerRegistered", "customerRequestedPasswordReset"):
        return _customer(event, subjects)
    if topic == "customerConsentUpdated":
        return _customer(event, subjects) | _consent(event)
    if topic.startswith("subscriptionReadyFor") and subscription is not None:
        return _dunning(event, subscription, subjects)
    if topic == "refundPayment" and payment is not None:
        return _refund(event, payment, subjects)
    if topic == "paymentDetailsDeactivated":
        return _payment_details(event, subjects)
    if subscription is not None:
        return _subscription(event, subscription, subjects)
    return _customer(event, subjects)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer(event: Event, subjects: Subjects) -> Data:
    customer = subjects.customer(event)
    return {
        "customerId": event.customer_id,
        "customerEmail": customer.email if customer else event.resource.get("email"),
        "customerExternalId": customer.external_id if customer else None,
    }


def _consent(event: Event) -> Data:
    accepted = event.resource.get("accepted")
    return {
        "consentName": event.resource.get("name"),
        "consentVersion": event.resource.get("version"),
        "consentState": "accepted" if accepted else "declined",
        "date": clock.unix(event.created_at),
    }


def _offer(price: Price | None) -> str:
    return offer_id(price) if price is not None else ""


async def _transaction(event: Event, payment: Payment, subjects: Subjects, rates: _TaxRates) -> Data:
    price = subjects.prices.get(payment.price_id or 0)
    rate = await rates.of(payment.merchant_id, payment.country_code)
    net, tax = taxes.split(payment.amount, rate)
    listed = payment.amount + payment.discount
    return {
        "offerId": _offer(price),
        "transactionId": transaction_id(payment),
        "transactionCountry": payment.country_code,
        "taxRate": rate / 10_000,
        "transactionCurrency": payment.currency,
        "transactionDate": clock.unix(payment.created_at),
        "externalData": None,
        "transactionPriceExclTax": decimal(net, payment.currency),
        "transactionPriceInclTax": decimal(payment.amount, payment.currency),
        "applicableTax": decimal(tax, payment.currency),
        "appliedExchangeRate": 1,
        **_customer(event, subjects),
        "paymentId": payment.id,
        "offerPrice": decimal(price.amount if price else listed, price.currency if price else payment.currency),
        "offerCurrency": price.currency if price else payment.currency,
        "discountRate": round(payment.discount / listed, 4) if payment.discount and listed else None,
        "subscriptionPlanId": payment.subscription_id,
        "paymentGateway": payment.gateway,
    }


def _dunning(event: Event, subscription: Subscription, subjects: Subjects) -> Data:
    """`subscription.payment.authorisation.due`, `….capture.due`, `subscription.termination.due`: what the
    connector is told (the renewal engine's resource: the payment method and details, the attempt) and the
    subscription as it is."""
    told = event.resource
    return {
        "subscriptionId": str(subscription.id),
        "offerId": _offer(subjects.prices.get(subscription.price_id)),
        "customerId": subscription.customer_id,
        "customerEmail": _customer(event, subjects)["customerEmail"],
        "paymentDetailsId": told.get("payment_details_id"),
        "active": subscription.status in CHARGING,
        "dunningAttemptDate": _iso(_moment(told.get("dunning_attempt_date"))),
        "dunningStatus": told.get("dunning_status"),
        "expirationDate": _iso(_moment(told.get("expires_at")) or subscription.current_period_end),
        "currency": told.get("currency") or subscription.currency,
        "paymentCountry": subscription.country_code,
        "paymentMethodId": told.get("payment_method_id"),
        "token": told.get("token"),
        "paymentGateway": told.get("gateway") or subscription.gateway,
    }


def _moment(value: Any) -> datetime | None:
    """A moment the core wrote into a resource (ISO 8601, UTC)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def _refund(event: Event, payment: Payment, subjects: Subjects) -> Data:
    amount = event.resource.get("refund_amount")
    return {
        "paymentId": payment.id,
        "transactionId": transaction_id(payment),
        "offerId": _offer(subjects.prices.get(payment.price_id or 0)),
        **_customer(event, subjects),
        "refundAmount": decimal(amount if isinstance(amount, int) else payment.amount, payment.currency),
        "currency": payment.currency,
        "externalPaymentId": payment.gateway_charge_id,
        "paymentMethodId": event.resource.get("payment_method_id"),
        "paymentGateway": payment.gateway,
    }


def _payment_details(event: Event, subjects: Subjects) -> Data:
    return {
        **_customer(event, subjects),
        "paymentDetailsId": event.resource.get("payment_details_id"),
        "paymentMethodId": event.resource.get("payment_method_id"),
        "paymentGateway": event.resource.get("gateway"),
    }


def _subscription(event: Event, subscription: Subscription, subjects: Subjects) -> Data:
    """A subscription renewed, switched, cancelled or ended, as it is now; the switch beside, for a switch's."""
    charging = subscription.status in CHARGING
    data: Data = {
        "subscriptionId": str(subscription.id),
        "offerId": _offer(subjects.prices.get(subscription.price_id)),
        **_customer(event, subjects),
        "status": _STATUS.get(subscription.status, "active"),
        "expiresAt": clock.unix(subscription.ended_at or subscription.current_period_end),
        "nextPaymentPrice": decimal(subscription.amount, subscription.currency),
        "nextPaymentCurrency": subscription.currency,
        "nextPaymentAt": clock.unix(subscription.due_at) if charging and subscription.due_at else None,
        "paymentGateway": subscription.gateway,
    }
    switch = event.resource.get("switch")
    if isinstance(switch, dict):
        data["switchId"] = switch.get("switch_id")
        data["fromOfferId"] = _offer(subjects.prices.get(_whole(switch.get("from_price_id"))))
        data["toOfferId"] = _offer(subjects.prices.get(_whole(switch.get("to_price_id"))))
        data["switchDirection"] = switch.get("direction")
        data["switchStatus"] = switch.get("status")
    return data


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
