"""Cleeng's in-app payments: an order (`POST /orders` for the offer) paid in an app store, the store's receipt
sent to `POST /android/payment`, `/apple/payment`, `/amazon/payment` or `/roku/payment`. The receipt is verified
with its store (see billing.store_purchases): the store's product must be the one the publisher maps to the
order's offer; the answer is the payment, as `POST /payments` answers it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import store_purchases
from boxoffice.billing.store_purchases import StorePurchase
from boxoffice.dialects.cleeng.body import Fields, Shaped, Whole, declare
from boxoffice.dialects.cleeng.offer_ids import letter
from boxoffice.dialects.mediastore.deps import CurrentCustomer, Sealing
from boxoffice.dialects.mediastore.envelope import Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.orders import PaymentBody, payment
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.gateways.stores import Store
from boxoffice.identity.models import Customer
from boxoffice.kit.requests import OwnTransactions
from boxoffice.kit.sealing import Sealer

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
ORDER_ID = Whole("orderId", "The order the purchase pays", required=True)
MAX_FIELD = 20_000


def _receipt(*fields: tuple[str, str]) -> Shaped:
    properties = {name: {"type": "string", "maxLength": MAX_FIELD, "description": text} for name, text in fields}
    schema = {"type": "object", "properties": properties, "required": [fields[0][0]]}
    return Shaped("receipt", "The store's receipt of the purchase", schema, required=True)


ANDROID = _receipt(
    ("purchaseToken", "Google Play's purchase token"),
    ("productId", "The store's product id"),
    ("orderId", "Google's order id"),
    ("packageName", "The app's package"),
)
APPLE = _receipt(("transactionJws", "StoreKit 2's signed transaction (JWS)"), ("productId", "The store's product id"))
AMAZON = _receipt(("receiptId", "Amazon's receipt id"), ("userId", "The buyer's Amazon user id"))
ROKU = _receipt(("transactionId", "Roku's transaction id"), ("productId", "The store's product id"))
# Per store: its declaration, the receipt's field the store verifies, and the buyer's id at the store, if any.
STORES: dict[str, tuple[Store, Shaped, str, str | None]] = {
    "/android/payment": (Store.GOOGLE_PLAY, ANDROID, "purchaseToken", None),
    "/apple/payment": (Store.APPLE, APPLE, "transactionJws", None),
    "/amazon/payment": (Store.AMAZON, AMAZON, "receiptId", "userId"),
    "/roku/payment": (Store.ROKU, ROKU, "transactionId", None),
}


def _asked(path: str, body: Fields) -> StorePurchase:
    store, shape, field, user_field = STORES[path]
    receipt: Any = shape.read(body)
    given = receipt.get(field) if isinstance(receipt, dict) else None
    user = receipt.get(user_field) if isinstance(receipt, dict) and user_field else None
    if not isinstance(given, str) or not given or (user_field and not isinstance(user, str)):
        raise Refused(400, f"Invalid param receipt.{field if not isinstance(given, str) or not given else user_field}",
                      INVALID_BODY)  # fmt: skip
    return StorePurchase(store=store, receipt=given, store_user_id=user if isinstance(user, str) else None)


async def _pay(
    request: Request,
    path: str,
    customer: Customer,
    sealer: Sealer,
    body: Fields,
    sessions: async_sessionmaker[AsyncSession],
) -> PaymentBody:
    order_id = ORDER_ID.read(body)
    if order_id is None:
        raise Refused(400, "Invalid param orderId", INVALID_BODY)
    paid = await store_purchases.pay_order_in_store(
        sessions, sealer, request.app.state.store_verifiers, customer, order_id, _asked(path, body)
    )
    return payment(paid.payment, paid.order, letter(paid.price) if paid.price else "")


@router.post("/android/payment")
async def android_payment(
    request: Request,
    customer: CurrentCustomer,
    sealer: Sealing,
    body: Annotated[Fields, Depends(declare(ORDER_ID, ANDROID))],
    sessions: OwnTransactions,
) -> Answer[PaymentBody]:
    """An order paid in Google Play: the purchase token is asked of Google."""
    return answer(await _pay(request, "/android/payment", customer, sealer, body, sessions))


@router.post("/apple/payment")
async def apple_payment(
    request: Request,
    customer: CurrentCustomer,
    sealer: Sealing,
    body: Annotated[Fields, Depends(declare(ORDER_ID, APPLE))],
    sessions: OwnTransactions,
) -> Answer[PaymentBody]:
    """An order paid in the App Store: StoreKit 2's signed transaction, verified against Apple's root."""
    return answer(await _pay(request, "/apple/payment", customer, sealer, body, sessions))


@router.post("/amazon/payment")
async def amazon_payment(
    request: Request,
    customer: CurrentCustomer,
    sealer: Sealing,
    body: Annotated[Fields, Depends(declare(ORDER_ID, AMAZON))],
    sessions: OwnTransactions,
) -> Answer[PaymentBody]:
    """An order paid in the Amazon Appstore: the receipt is asked of Amazon's Receipt Verification Service."""
    return answer(await _pay(request, "/amazon/payment", customer, sealer, body, sessions))


@router.post("/roku/payment")
async def roku_payment(
    request: Request,
    customer: CurrentCustomer,
    sealer: Sealing,
    body: Annotated[Fields, Depends(declare(ORDER_ID, ROKU))],
    sessions: OwnTransactions,
) -> Answer[PaymentBody]:
    """An order paid with Roku Pay: the transaction is asked of Roku's transaction service."""
    return answer(await _pay(request, "/roku/payment", customer, sealer, body, sessions))
