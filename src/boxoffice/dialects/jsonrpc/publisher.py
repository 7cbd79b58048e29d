"""The publisher: its account (`getPublisher`), and the merchant's transactions and cancellations, newest first, a
page at a time (`listTransactions`, `listCancellations`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from boxoffice.billing import history, listings
from boxoffice.billing.subscriptions import SubscriptionView
from boxoffice.branding.looks import look_to_wear
from boxoffice.dialects.cleeng.money import decimal
from boxoffice.dialects.cleeng.offer_ids import letter, offer_id
from boxoffice.dialects.cleeng.transactions import method_name, transaction_id
from boxoffice.dialects.jsonrpc.calls import Call, Methods
from boxoffice.dialects.jsonrpc.params import Params
from boxoffice.identity.merchants import public_number
from boxoffice.kit import clock

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Every method is open to every merchant, as Cleeng's enterprise licence opens them all.
LICENSE = "enterprise"


async def get_publisher(call: Call) -> dict[str, Any]:
    merchant = await call.publisher()
    look = await look_to_wear(call.session, merchant.id)
    first, _, last = merchant.full_name.partition(" ")
    return {
        "id": public_number(merchant),
        "email": merchant.email,
        # Boxoffice keeps no currency, language or country for a merchant as a whole: each price has its own.
        "currency": None,
        "locale": None,
        "country": None,
        "licenseType": LICENSE,
        "firstName": first,
        "lastName": last,
        "siteName": look.brand_name if look is not None and look.brand_name else merchant.full_name,
        "publisherData": {},
    }


def _page(call: Call) -> tuple[int, int]:
    """`offset` and `limit`."""
    return call.params.integer("offset", 0), call.params.integer("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)


def _period(call: Call) -> tuple[datetime | None, datetime | None]:
    """`criteria.dateFrom` and `criteria.dateTo` (Unix seconds, both included) as a period's start and end."""
    criteria: Params = call.params.object("criteria", required=False)
    since = criteria.timestamp("dateFrom", required=False)
    to = criteria.timestamp("dateTo", required=False)
    return since, to + timedelta(seconds=1) if to is not None else None


def _transaction(paid: history.PaidItem, email: str) -> dict[str, Any]:
    payment, price = paid.payment, paid.price
    return {
        "transactionId": transaction_id(payment),
        "transactionDate": clock.unix(payment.created_at),
        "offerId": offer_id(price) if price is not None else "",
        "offerType": letter(price) if price is not None else "",
        "offerTitle": paid.product.title,
        "customerId": str(payment.customer_id),
        "customerEmail": email,
        "transactionPrice": decimal(payment.amount, payment.currency),
        "transactionCurrency": payment.currency,
        "transactionCountry": payment.country_code,
        "paymentMethod": method_name(payment),
        "paymentGateway": payment.gateway,
    }


async def list_transactions(call: Call) -> dict[str, Any]:
    """The merchant's payments that went through, newest first."""
    merchant = await call.publisher()
    since, until = _period(call)
    offset, limit = _page(call)
    filters = history.PaymentsFilter(since=since, until=until, type="payment")
    found = await listings.find_payments(call.session, merchant.id, filters, page=0, limit=limit, offset=offset)
    return {
        "items": [_transaction(row, found.emails.get(row.payment.customer_id, "")) for row in found.rows],
        "totalItemCount": found.total,
    }


def _cancellation(view: SubscriptionView, email: str) -> dict[str, Any]:
    subscription, price = view.subscription, view.price
    return {
        "subscriptionId": str(subscription.id),
        "offerId": offer_id(price) if price is not None else "",
        "offerTitle": view.product.title,
        "customerId": str(subscription.customer_id),
        "customerEmail": email,
        "cancellationDate": clock.unix(subscription.canceled_at) if subscription.canceled_at else None,
        # Access runs until then: the end of the period paid for, or the moment it ended.
        "expiresAt": clock.unix(subscription.ended_at or subscription.current_period_end),
    }


async def list_cancellations(call: Call) -> dict[str, Any]:
    """The merchant's subscriptions cancelled (and not taken back), the latest cancelled first."""
    merchant = await call.publisher()
    since, until = _period(call)
    offset, limit = _page(call)
    found = await listings.find_cancellations(
        call.session, merchant.id, since=since, until=until, offset=offset, limit=limit
    )
    return {
        "items": [_cancellation(view, found.emails.get(view.subscription.customer_id, "")) for view in found.rows],
        "totalItemCount": found.total,
    }


METHODS: Methods = {
    "getPublisher": get_publisher,
    "listTransactions": list_transactions,
    "listCancellations": list_cancellations,
}
