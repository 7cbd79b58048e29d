"""Orders the publisher's back end places for its customers: `POST /orders` (open for 15 minutes) and
`PATCH /orders/{orderId}` (a coupon applied or removed, bought as a gift or not). They answer with Cleeng's Order
object, the one MediaStore's checkout shows (dialects.cleeng.orders).

`totalPrice` and `methodFee`, which Cleeng takes to price an order as an external service already charged it, are
refused (422): an order is priced from its offer only. `paymentMethodId` is not taken: an order is paid through
MediaStore's checkout, which chooses the way to pay."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from boxoffice.billing import orders
from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import Client, Id, Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Flag, Shaped, Text, Whole, declare
from boxoffice.dialects.cleeng.offer_ids import price_id_of
from boxoffice.dialects.cleeng.orders import OrderBody, render_order
from boxoffice.kit import currencies
from boxoffice.kit.client_info import ClientInfo

router = APIRouter(route_class=Api31Route, tags=["api31"])

PRICE_SCHEMA: dict[str, Any] = {"type": ["number", "string", "null"]}
CUSTOMER_ID = Whole("customerId", "The publisher's customer the order is for", required=True)
OFFER_ID = Text("offerId", "The offer to buy, such as `S123456789_US`", max_length=40, required=True)
CURRENCY = Text("currency", "An ISO 4217 code: the currency the offer is sold in where the customer is", max_length=3)
COUNTRY = Text("country", "Where the purchase is made (ISO 3166 alpha-2): the tax, and the offer's local price",
               max_length=2)  # fmt: skip
COUPON_CODE = Text("couponCode", 'A coupon to apply (in `PATCH`, "" removes the one applied)', max_length=100)
BUY_AS_A_GIFT = Flag("buyAsAGift", "Bought as a gift (a one-time offer only)")
TOTAL_PRICE = Shaped("totalPrice", "Not taken: refused when given (an order is priced from its offer)", PRICE_SCHEMA)
METHOD_FEE = Shaped("methodFee", "Not taken: refused when given (an order is priced from its offer)", PRICE_SCHEMA)
CREATE = declare(CUSTOMER_ID, OFFER_ID, CURRENCY, COUNTRY, COUPON_CODE, BUY_AS_A_GIFT, TOTAL_PRICE, METHOD_FEE)
UPDATE = declare(COUPON_CODE, BUY_AS_A_GIFT, description="Only what is given changes")


def _country(body: Fields) -> str | None:
    country = COUNTRY.read(body)
    if country is None or country == "":
        return None
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise Refused(422, "country is not an ISO 3166 alpha-2 code")
    return country.upper()


def _currency(body: Fields) -> str | None:
    currency = CURRENCY.read(body)
    if currency is None or currency == "":
        return None
    if not currencies.is_known(currency.upper()):
        raise Refused(422, "currency is not an ISO 4217 currency code")
    return currency.upper()


def _price_id(body: Fields) -> int:
    parsed = price_id_of(OFFER_ID.read(body) or "")
    if parsed is None:
        raise Refused(422, "offerId is not an offer id")
    return parsed[1]


def _buyer(client: ClientInfo, country: str | None) -> ClientInfo:
    """The request comes from the publisher's back end: where the buyer is, is the body's `country`."""
    return client if country is None else dataclasses.replace(client, country_code=country)


@router.post("/orders", status_code=201)
async def create_order(
    session: Session, publisher: Publisher, client: Client, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[OrderBody]:
    """Place an order for one of the publisher's customers.

    Priced as the customer's own would be (the tax of `country`, a coupon), and open for 15 minutes."""
    if TOTAL_PRICE.read(body) is not None or METHOD_FEE.read(body) is not None:
        raise Refused(422, "totalPrice and methodFee are not supported: an order is priced from its offer")
    customer_id, price_id = CUSTOMER_ID.read(body), _price_id(body)
    country, currency = _country(body), _currency(body)
    if customer_id is None:
        raise Refused(422, "customerId is required")
    placed = await orders.place_order(
        session,
        publisher,
        customer_id,
        price_id,
        client=_buyer(client, country),
        country_code=country,
        currency=currency,
        voucher_code=COUPON_CODE.read(body) or None,
        buy_as_gift=BUY_AS_A_GIFT.read(body) is True,
    )
    return answer(render_order(placed.customer, placed.view), 201)


@router.patch("/orders/{order_id}")
async def update_order(
    session: Session, publisher: Publisher, client: Client, body: Annotated[Fields, Depends(UPDATE)], order_id: Id
) -> Answer[OrderBody]:
    """Apply or remove a coupon, or buy as a gift or not: the order repriced.

    An order that has expired is refused (422), one already paid too (409)."""
    changes: dict[str, Any] = {}
    coupon = COUPON_CODE.read(body)
    if coupon is not None:
        changes["voucher_code"] = coupon or None
    gift = BUY_AS_A_GIFT.read(body)
    if gift is not None:
        changes["buy_as_gift"] = gift
    placed = await orders.update_placed_order(session, publisher, order_id, client=client, **changes)
    return answer(render_order(placed.customer, placed.view))
