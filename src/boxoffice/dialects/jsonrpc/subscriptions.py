"""A customer's subscriptions, rentals and library as the publisher's back end reads and changes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.access.rentals import move_access_end
from boxoffice.billing import holdings
from boxoffice.billing.library import LibraryItem, library_page
from boxoffice.billing.models import Subscription, SubscriptionStatus
from boxoffice.billing.subscription_changes import change_subscription
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id
from boxoffice.dialects.cleeng.transactions import transaction_id
from boxoffice.dialects.jsonrpc.access import agreeing, customer_named, offer_named
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.errors import MESSAGES, Code, InvalidParams, Refused
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock

MAX_PAGE = 100
STATUSES = ("active", "cancelled")


def _status(subscription: Subscription) -> str:
    return "cancelled" if subscription.status == SubscriptionStatus.CANCELED else "active"


def _subscription(running: holdings.RunningSubscription) -> dict[str, Any]:
    view, renewal = running.view, running.renewal
    subscription, next_payment = view.subscription, renewal.next_payment_at
    return {
        "subscriptionId": subscription.id,
        "offerId": offer_id(view.price) if view.price else "",
        "status": _status(subscription),
        "startedAt": clock.unix(subscription.created_at),
        "expiresAt": clock.unix(subscription.current_period_end),
        "nextPaymentPrice": decimal(renewal.next_charge, subscription.currency),
        "nextPaymentCurrency": subscription.currency,
        "nextPaymentAt": clock.unix(next_payment) if next_payment else None,
        "paymentGateway": subscription.gateway,
        "paymentMethod": subscription.method,
        "externalPaymentId": None,
        "inTrial": renewal.in_trial,
    }


async def list_customer_subscriptions(call: Call) -> dict[str, Any]:
    """The customer's running subscriptions, cancelled ones still running included."""
    customer = await customer_named(call)
    offset = call.params.integer("offset", 0)
    limit = call.params.integer("limit", MAX_PAGE, minimum=1, maximum=MAX_PAGE)
    running = await holdings.running_subscriptions(call.session, customer)
    return {"items": [_subscription(r) for r in running[offset : offset + limit]], "totalItemCount": len(running)}


async def update_customer_subscription(call: Call) -> dict[str, Any]:
    """Cancel the customer's subscription to an offer at its period's end, take the cancel back, or move when its
    period ends."""
    customer = await customer_named(call)
    expected, price_id = offer_named(call.params)
    given = call.params.text("offerId")
    if expected != "S":  # every subscription's offer is an S… one
        raise Refused(Code.OFFER_NOT_FOUND, MESSAGES[Code.OFFER_NOT_FOUND])
    data = call.params.object("subscriptionData")
    status = data.optional_text("status")
    if status is not None and status not in STATUSES:
        raise InvalidParams(
            "subscriptionData.status", "Invalid arguments: subscriptionData.status is active or cancelled"
        )
    ends_at = data.timestamp("expiresAt", required=False)
    if status is None and ends_at is None:
        raise InvalidParams("subscriptionData", "Invalid arguments: subscriptionData names a status or expiresAt")
    cancel = None if status is None else status == "cancelled"
    subscription = await change_subscription(call.session, customer, price_id, cancel=cancel, ends_at=ends_at)
    return {
        "offerId": given,
        "status": _status(subscription),
        "expiresAt": clock.unix(subscription.current_period_end),
        "paymentMethod": subscription.method,
    }


async def update_customer_rental(call: Call) -> dict[str, Any]:
    """Move when the customer's access bought once through an offer ends."""
    customer = await customer_named(call)
    expected, price_id = offer_named(call.params)
    given = call.params.text("offerId")
    ends_at = call.params.object("rentalData").timestamp("expiresAt")
    assert ends_at is not None
    rental = await move_access_end(call.session, customer, price_id, ends_at)
    agreeing(expected, rental.price)
    return {"offerId": given, "expiresAt": clock.unix(rental.entitlement.expires_at)}


def _library_item(merchant: Merchant, item: LibraryItem) -> dict[str, Any]:
    paid, entitlement = item.paid, item.entitlement
    payment, price = paid.payment, paid.price
    amount = decimal(payment.amount, payment.currency)
    return {
        "transactionId": transaction_id(payment),
        "transactionDate": clock.unix(payment.created_at),
        "transactionPrice": amount,
        "transactionCurrency": payment.currency,
        "transactionExternalData": None,
        "publisherName": merchant.full_name,
        "publisherSiteUrl": None,
        "offerId": offer_id(price) if price else "",
        "offerType": letter(price) if price else "",
        "offerTitle": paid.product.title,
        "offerDescription": price.description if price else "",
        "offerUrl": None,
        "invoicePrice": amount,
        "invoiceCurrency": payment.currency,
        "expiresAt": clock.unix(entitlement.expires_at) if entitlement else None,
        "cancelled": item.cancelled,
        "pending": False,  # only payments that went through are listed
    }


async def list_customer_library(call: Call) -> dict[str, Any]:
    """What the customer paid for, newest first, within `criteria`'s dates (Unix seconds, both included)."""
    customer = await customer_named(call)
    criteria = call.params.object("criteria", required=False)
    since = criteria.timestamp("dateFrom", required=False)
    until = criteria.timestamp("dateTo", required=False)
    offset = call.params.integer("offset", 0)
    limit = call.params.integer("limit", MAX_PAGE, minimum=1, maximum=MAX_PAGE)
    total, items = await library_page(
        call.session,
        customer,
        since=since,
        until=until + timedelta(seconds=1) if until else None,
        offset=offset,
        limit=limit,
    )
    merchant = await call.publisher()
    return {"items": [_library_item(merchant, item) for item in items], "totalItemCount": total}


METHODS: Methods = {
    "listCustomerSubscriptions": list_customer_subscriptions,
    "updateCustomerSubscription": update_customer_subscription,
    "updateCustomerRental": update_customer_rental,
    "listCustomerLibrary": list_customer_library,
}
