"""Adyen's `POST /connectors/adyen/sessions`, which ott-web-app calls before it mounts the Drop-in: for an order
(`orderId`, checkout) or for none (adding payment details in My Account).

There is no Adyen behind this server to hold a session, so a session here is what can honestly stand for one: a
signed, expiring reference (`sessionData`, which `id` names) to the customer and their order. Nothing is paid
through it: `POST /connectors/adyen/initial-payment` takes its `sessionData` in place of `orderId` (or alongside
it, when they must agree), and `POST /connectors/adyen/payment-details` takes one made without an order; both
refuse one that has expired or is another customer's. The answer is shaped as Adyen's, with the methods
`/connectors/adyen/payment-methods` offers (cards, the only Adyen method taken here): `filterPaymentMethods` (the
names of the methods the page shows, as in `/payment-methods`) keeps only those; `filterPaymentMethodsByType` is
checked and otherwise has nothing to do, as a card can be both paid with and kept without a payment."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import with_config
from typing_extensions import TypedDict

from boxoffice.billing import orders
from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, declare
from boxoffice.dialects.mediastore import signed
from boxoffice.dialects.mediastore.connectors import ADYEN_METHODS, OPTIONAL_ORDER, SESSION, AdyenAmount, AdyenMethod
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Session
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.publishers import publisher_id
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.identity.merchants import merchant_of
from boxoffice.kit import clock

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
SESSION_TIME = timedelta(hours=1)  # as long as Adyen's sessions last by default


@with_config(CLOSED)
class AdyenSession(TypedDict):
    id: str
    sessionData: str
    amount: AdyenAmount
    countryCode: str
    expiresAt: str  # ISO 8601, UTC
    returnUrl: str
    merchantAccount: str
    reference: str
    shopperStatement: str
    allowedPaymentMethods: list[str]
    blockedPaymentMethods: list[str]
    paymentMethod: list[AdyenMethod]


# A filter: a list of names (or one name), each short text.
_NAME = {"type": "string", "minLength": 1, "maxLength": 50}
_NAMES = {"anyOf": [_NAME, {"type": "array", "items": _NAME}, {"type": "null"}]}
VISIBLE = Shaped("filterPaymentMethods", "Only these of `/payment-methods`' names (`card`) are shown", _NAMES)
BY_TYPE = Shaped("filterPaymentMethodsByType", "Adyen's types of method the page shows", _NAMES)
RETURN_URL = Text("returnUrl", "Where the payer comes back to after a page of their bank's", max_length=2048)
SESSION_BODY = declare(OPTIONAL_ORDER, RETURN_URL, VISIBLE, BY_TYPE)


def _names(body: Fields, names: Shaped) -> list[str] | None:
    value = names.read(body)
    if value is None:
        return None
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not all(isinstance(v, str) and 0 < len(v) <= 50 for v in listed):
        raise Refused(422, f"Invalid param {names.name}", INVALID_BODY)
    return listed[:50]


@router.post("/connectors/adyen/sessions")
async def adyen_session(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(SESSION_BODY)]
) -> Answer[AdyenSession]:
    """An Adyen session for the Drop-in: for an order (checkout), or for none (adding payment details)."""
    order_id = OPTIONAL_ORDER.read(body)
    return_url = RETURN_URL.read(body) or ""
    visible = _names(body, VISIBLE)
    _names(body, BY_TYPE)
    merchant = await merchant_of(session, customer.merchant_id)
    amount: AdyenAmount = {"value": 0, "currency": "EUR"}
    country = customer.country_code or ""
    if order_id:
        order = await orders.order_of(session, customer, order_id)
        amount, country = {"value": order.total, "currency": order.currency}, order.country_code or country
    expires = clock.now() + SESSION_TIME
    data = signed.sign(merchant, SESSION, {"c": customer.id, "o": order_id or None}, expires)
    offered = {name: method for name, method in ADYEN_METHODS.items() if visible is None or name in visible}
    return answer(
        {
            "id": "CS" + hashlib.sha256(data.encode()).hexdigest()[:24].upper(),
            "sessionData": data,
            "amount": amount,
            "countryCode": country,
            "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "returnUrl": return_url,
            "merchantAccount": str(publisher_id(merchant)),
            "reference": str(order_id) if order_id else f"payment-details-{customer.id}",
            "shopperStatement": "",
            "allowedPaymentMethods": [method["type"] for method in offered.values()],
            "blockedPaymentMethods": [m["type"] for n, m in ADYEN_METHODS.items() if n not in offered],
            "paymentMethod": list(offered.values()),
        }
    )
