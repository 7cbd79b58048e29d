"""Webhooks as InPlayer posts them (inplayer-api.md §6): a form body of `id, created, type, version, resource[…]`,
`User-Agent: InPlayer/WHS-2.0` and `X-InPlayer-Signature: sha256=<hex HMAC-SHA256 of the body>`."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from boxoffice.billing.charges import DECLINES
from boxoffice.billing.models import Payment, Subscription
from boxoffice.dialects.inplayer import catalog_render, render
from boxoffice.dialects.inplayer.amounts import amount
from boxoffice.dialects.inplayer.payment_methods import method_name
from boxoffice.dialects.inplayer.subscriptions import subscription_token
from boxoffice.dialects.inplayer.transactions import charge_token
from boxoffice.events.models import Event
from boxoffice.kit.locales import money_text
from boxoffice.kit.money import Money
from boxoffice.webhooks.subjects import Subjects, load_subjects

VERSION = "2.4.2"  # the webhook version InPlayer's receivers see
_FAILED = {"payment.card.failed", "subscribe.failed", "external.payment.failed", "external.subscribe.failed"}


class InPlayerWebhooks:
    """The InPlayer wire format of the webhook engine (`boxoffice.webhooks.formats.WireFormat`)."""

    async def bodies(self, session: AsyncSession, events: Sequence[Event]) -> dict[int, bytes]:
        subjects = await load_subjects(session, events)
        return {event.id: encode(envelope(event, resource(event, subjects))) for event in events}

    def headers(self, body: bytes, secret: str) -> dict[str, str]:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "InPlayer/WHS-2.0",
            "X-InPlayer-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        }


class EventEnvelope(TypedDict):
    """An event as a webhook posts it: `resource` is the object it is about, in its API shape."""

    id: str
    created: int | None
    type: str
    version: str
    resource: dict[str, Any]


def envelope(event: Event, body: dict[str, Any]) -> EventEnvelope:
    return {
        "id": event.event_id,
        "created": render.ts(event.created_at),
        "type": event.type,
        "version": VERSION,
        "resource": body,
    }


def encode(fields: Mapping[str, Any]) -> bytes:
    """`resource[item][title]=…` brackets, as PHP and InPlayer's receivers read them (what `urlencode` makes of
    the pairs, each key quoted once per process: every webhook of a type has the same keys)."""
    pairs: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}[{key}]" if prefix else str(key), inner)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}[{index}]", inner)
        else:
            pairs.append(f"{_quoted_key(prefix)}={_quoted_value(value)}")

    walk("", fields)
    return "&".join(pairs).encode()


@functools.lru_cache(maxsize=4096)
def _quoted_key(key: str) -> str:
    return quote_plus(key)


# What quote_plus leaves as it is: most values (ids, uuids, types, amounts) need no quoting, and are not run
# through it.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _quoted_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    text = str(value)
    return text if _UNQUOTED(text) else quote_plus(text)


def resource(event: Event, subjects: Subjects) -> dict[str, Any]:
    customer = subjects.customer(event)
    merchant = subjects.merchants[event.merchant_id]
    if event.type.startswith("customer."):
        return dict(render.customer_account(customer, merchant)) if customer else {"id": event.customer_id}
    if event.type.startswith("asset.access."):
        return _access(event, subjects)
    payment = subjects.of(subjects.payments, event, "payment_id")
    if payment is not None:
        return _payment(event, payment, subjects)
    subscription = subjects.of(subjects.subscriptions, event, "subscription_id")
    if subscription is not None:
        return _subscription(event, subscription, subjects)
    return dict(event.resource)


def _customer_fields(event: Event, subjects: Subjects) -> dict[str, Any]:
    customer = subjects.customer(event)
    return {"customer_id": event.customer_id, "email": customer.email if customer else None}


def _payment(event: Event, payment: Payment, subjects: Subjects) -> dict[str, Any]:
    product = subjects.products.get(payment.product_id or 0)
    title = product.title if product else ""
    if event.type in _FAILED:
        return {
            "account_id": event.customer_id,
            "code": 422,
            "message": DECLINES.get(payment.decline_code or "", "The payment was declined"),
            "explain": payment.decline_code or "",
            "extras": {"item_id": payment.product_id, "access_fee_id": payment.price_id},
        }
    charged = payment.amount
    if event.type.endswith("refund.success"):
        charged = int(event.resource.get("refund_amount") or payment.amount)
    subscription = subjects.subscriptions.get(payment.subscription_id or 0)
    token = subscription_token(subscription) if event.type.startswith("subscribe.") and subscription else None
    return {
        "transaction": token or charge_token(payment),
        "description": title,
        **_customer_fields(event, subjects),
        "item_id": payment.product_id,
        "previewTitle": title,
        "formatted_amount": money_text(Money(charged, payment.currency), None),  # the neutral form: a wire format
        "amount": amount(charged, payment.currency),
        "currency_iso": payment.currency,
        "status": "success",
        "timestamp": render.ts(event.created_at),
        "code": 200,
        "access_fee_id": payment.price_id,
        "payment_method": method_name(payment.method),
        "next_rebill_date": render.ts(subscription.current_period_end) if subscription else None,
    }


def _subscription(event: Event, subscription: Subscription, subjects: Subjects) -> dict[str, Any]:
    product = subjects.products.get(subscription.product_id)
    return {
        "subscription_id": subscription_token(subscription),
        "transaction": subscription_token(subscription),
        "description": product.title if product else "",
        **_customer_fields(event, subjects),
        "item_id": subscription.product_id,
        "previewTitle": product.title if product else "",
        "access_fee_id": subscription.price_id,
        "formatted_amount": money_text(Money(subscription.amount, subscription.currency), None),
        "amount": amount(subscription.amount, subscription.currency),
        "currency_iso": subscription.currency,
        "status": subscription.status,
        "timestamp": render.ts(event.created_at),
        "code": 200,
        "next_rebill_date": render.ts(subscription.current_period_end),
    }


def _access(event: Event, subjects: Subjects) -> dict[str, Any]:
    entitlement = subjects.of(subjects.entitlements, event, "entitlement_id")
    customer = subjects.customer(event)
    merchant = subjects.merchants[event.merchant_id]
    product_id = entitlement.product_id if entitlement else int(event.resource.get("product_id") or 0)
    product = subjects.products.get(product_id)
    if customer is None or product is None:
        return dict(event.resource)
    item = catalog_render.item(product, merchant)
    access = render.item_access(entitlement, product_id, customer, merchant, item)
    revoked = event.type == "asset.access.revoked"
    return access | {"revoked": 1 if revoked else 0, "type": "revoked" if revoked else "purchased"}
