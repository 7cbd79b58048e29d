"""The payment connectors, run on the merchant's gateway: Adyen's `POST /connectors/adyen/payment-methods`,
`/initial-payment` and `/initial-payment/finalize`, and PayPal's `POST /connectors/paypal/v1/tokens`. Card data
comes as Adyen's Drop-in sends it in test mode (`encryptedCardNumber: "test_4242…"`) or plain (`number`); with
the sandbox gateway a test card pays, is declined (`ADYEN0002`) or answers an `action` whose redirect is
completed on this server's page, then finalized. An order may also be named by the `sessionData` of an Adyen
session (see adyen_sessions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import with_config
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import TypedDict

from boxoffice.billing import charges, orders
from boxoffice.billing.models import PaymentStatus
from boxoffice.dialects.cleeng.body import Fields, Shaped, Text, WebAddress, Whole, declare
from boxoffice.dialects.mediastore import signed
from boxoffice.dialects.mediastore.deps import Client, CurrentCustomer, CurrentMerchant, Session
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.orders import ORDER_ID, PaymentBody, paid_order
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import Card, Wallet
from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import NotFound
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
REFUSED: Final = "ADYEN0002"
CLIENT_KEY = "test_BOXOFFICESANDBOX"
SESSION = "adyen-session"  # what an Adyen session's signed reference is for
RETURN = "adyen-return"  # what the signed state of a payer's way back is for
RETURN_TTL = timedelta(hours=1)


@with_config(CLOSED)
class AdyenMethod(TypedDict):
    type: str
    name: str
    brands: list[str]


@with_config(CLOSED)
class AdyenAmount(TypedDict):
    value: int  # minor units
    currency: str


@with_config(CLOSED)
class AdyenPaymentMethods(TypedDict):
    amount: AdyenAmount
    countryCode: str
    clientKey: str
    paymentMethods: list[AdyenMethod]
    region: str
    shopperStatement: str


@with_config(CLOSED)
class Action(TypedDict):
    """Adyen's `action`: a page the payer completes (this server's 3-D Secure page)."""

    type: Literal["redirect"]
    url: str | None
    method: Literal["GET"]
    paymentMethodType: str
    data: dict[str, Any]


@with_config(CLOSED)
class ActionAnswer(TypedDict):
    action: Action


@with_config(CLOSED)
class PaymentAnswer(TypedDict):
    payment: PaymentBody


@with_config(CLOSED)
class RedirectAnswer(TypedDict):
    redirectUrl: str


# The methods the Drop-in is shown, by their name in MediaStore's `/payment-methods`: cards only are taken here.
ADYEN_METHODS: dict[str, AdyenMethod] = {"card": {"type": "scheme", "name": "Cards", "brands": ["visa", "mc", "amex"]}}
# A card field, plain or as the Drop-in's test mode sends it encrypted (`test_4242…`).
_CARD_FIELD = {"type": ["string", "integer"]}
PAYMENT_METHOD = Shaped(
    "paymentMethod",
    "The card, as Adyen's Drop-in sends it: each part plain (`number`) or encrypted (`encryptedCardNumber`)",
    {
        "type": "object",
        "properties": {
            "type": {"const": "scheme"},
            "holderName": {"type": "string"},
            **{name: _CARD_FIELD for name in ("number", "expiryMonth", "expiryYear", "cvc")},
            **{
                name: _CARD_FIELD
                for name in (
                    "encryptedCardNumber",
                    "encryptedExpiryMonth",
                    "encryptedExpiryYear",
                    "encryptedSecurityCode",
                )
            },
        },
    },
    required=True,
)
SESSION_DATA = Text(
    "sessionData", "The `sessionData` of an Adyen session (`POST /connectors/adyen/sessions`)", max_length=4096
)
RETURN_URL = WebAddress("returnUrl", "Where the payer comes back to after a page of their bank's")
OPTIONAL_ORDER = Whole("orderId", "The order to be paid (leave out in My Account)")
METHODS = declare(OPTIONAL_ORDER)
INITIAL_PAYMENT = declare(
    replace(OPTIONAL_ORDER, description="The order to pay (or name it by `sessionData`)"),
    SESSION_DATA,
    PAYMENT_METHOD,
    RETURN_URL,
)
FINALIZE = declare(ORDER_ID)
SUCCESS_URL = WebAddress("successUrl", "Where the payer is sent once they have approved", required=True)
PAYPAL = declare(ORDER_ID, SUCCESS_URL)


def _field(method: dict[str, Any], plain: str, encrypted: str) -> str:
    value = method.get(plain, method.get(encrypted))
    if not isinstance(value, str | int):
        raise Refused(422, f"Invalid param paymentMethod.{plain}", INVALID_BODY)
    return str(value).removeprefix("test_").strip()


def card_of(body: Fields) -> Card:
    method = PAYMENT_METHOD.read(body)
    if not isinstance(method, dict) or method.get("type", "scheme") != "scheme":
        raise Refused(422, "Invalid param paymentMethod: a card (type scheme) is taken here", INVALID_BODY)
    month, year = (
        _field(method, "expiryMonth", "encryptedExpiryMonth"),
        _field(method, "expiryYear", "encryptedExpiryYear"),
    )
    if not (month.isdigit() and year.isdigit()):
        raise Refused(422, "Invalid param paymentMethod: the expiry is a month and a year", INVALID_BODY)
    holder = method.get("holderName")
    return Card(
        number=_field(method, "number", "encryptedCardNumber").replace(" ", ""),
        exp_month=int(month),
        exp_year=int(year),
        cvv=_field(method, "cvc", "encryptedSecurityCode"),
        holder=holder if isinstance(holder, str) else "",
    )


def redirect_action(url: str | None) -> Action:
    """Adyen's `action` for a payer to complete on a page: here, this server's 3-D Secure page."""
    return {"type": "redirect", "url": url, "method": "GET", "paymentMethodType": "scheme", "data": {}}


def returning_here(request: Request, merchant: Merchant, return_url: str | None) -> str | None:
    """The way back from a payer's approval page, through this server: gateways name what was approved in their
    own words (`payment_intent`, `setup_intent`), and Adyen clients read it as `redirectResult`."""
    if return_url is None:
        return None
    state = signed.sign(merchant, RETURN, {"u": return_url}, clock.now() + RETURN_TTL)
    return f"{request.url_for('adyen_return')}?{urlencode({'state': state})}"


async def opened_state(session: AsyncSession, purpose: str, state: str) -> tuple[Merchant, dict[str, Any]] | None:
    """The merchant a signed state was made for, and its claims; None for one unknown, altered or expired."""
    merchant_id = signed.merchant_named(state)
    try:
        merchant = await merchant_of(session, merchant_id) if merchant_id else None
    except NotFound:
        return None
    claims = signed.opened(merchant, purpose, state) if merchant else None
    return (merchant, claims) if merchant and claims is not None else None


@router.get(
    "/connectors/adyen/return",
    name="adyen_return",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "On to the client's `returnUrl`, with `redirectResult`"}},
)
async def adyen_return(
    session: Session,
    state: str = Query(max_length=8192),
    payment_intent: str | None = Query(None, max_length=100),
    setup_intent: str | None = Query(None, max_length=100),
) -> RedirectResponse:
    """Where a payer comes back from their bank's page.

    Sends the payer on to the `returnUrl` their client gave, with what they approved as `redirectResult`."""
    opened = await opened_state(session, RETURN, state)
    approved = payment_intent or setup_intent
    if opened is None or approved is None:
        raise Refused(400, "Invalid param state: unknown, or expired", INVALID_BODY)
    back = str(opened[1]["u"])
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}{urlencode({'redirectResult': approved})}", status_code=303)


def session_claims(body: Fields, merchant: Merchant, customer: Customer) -> dict[str, Any] | None:
    """The Adyen session a payment names by its `sessionData`, if it names one: the customer's own, unexpired.
    Its `o` is the order it was made for (None: adding payment details)."""
    token = SESSION_DATA.read(body)
    if token is None:
        return None
    claims = signed.opened(merchant, SESSION, token)
    if claims is None or claims.get("c") != customer.id:
        raise Refused(422, "Invalid param sessionData: no such session, or it has expired", INVALID_BODY)
    return claims


def _outcome(paid: orders.PaidOrder) -> Answer[ActionAnswer | PaymentAnswer]:
    declined = charges.refusal(paid.payment)
    if declined is not None:
        raise Refused(422, f"Payment refused: {declined.message}", REFUSED)
    if paid.payment.status == PaymentStatus.REQUIRES_ACTION:
        return answer({"action": redirect_action(paid.payment.redirect_url)})
    return answer({"payment": paid_order(paid)})


@router.post("/connectors/adyen/payment-methods")
async def adyen_payment_methods(
    session: Session, customer: CurrentCustomer, body: Annotated[Fields, Depends(METHODS)]
) -> Answer[AdyenPaymentMethods]:
    """What Adyen's Drop-in is mounted with: the amount of the order, if any, and the methods taken (cards)."""
    order_id = OPTIONAL_ORDER.read(body)
    amount: AdyenAmount = {"value": 0, "currency": "EUR"}
    country = customer.country_code or ""
    if order_id is not None:
        order = await orders.order_of(session, customer, order_id)
        amount, country = {"value": order.total, "currency": order.currency}, order.country_code or country
    return answer(
        {
            "amount": amount,
            "countryCode": country,
            "clientKey": CLIENT_KEY,
            "paymentMethods": list(ADYEN_METHODS.values()),
            "region": "EU",
            "shopperStatement": "",
        }
    )


@router.post("/connectors/adyen/initial-payment")
async def initial_payment(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    client: Client,
    body: Annotated[Fields, Depends(INITIAL_PAYMENT)],
    sessions: OwnTransactions,
) -> Answer[ActionAnswer | PaymentAnswer]:
    """Pay an order by card: the payment, or an `action` (3-D Secure) for the payer to complete first."""
    order_id = OPTIONAL_ORDER.read(body)
    claims = session_claims(body, merchant, customer)
    if claims is not None:
        if claims.get("o") is None or order_id not in (None, claims["o"]):
            raise Refused(422, "Invalid param sessionData: a session for another order", INVALID_BODY)
        order_id = claims["o"]
    if order_id is None:
        raise Refused(422, "Invalid param orderId", INVALID_BODY)
    card = card_of(body)
    paid = await orders.pay_order(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        order_id,
        source=card,
        return_url=returning_here(request, merchant, RETURN_URL.read(body)),
        client=client,
    )
    return _outcome(paid)


@router.post("/connectors/adyen/initial-payment/finalize")
async def finalize_initial_payment(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(FINALIZE)],
    sessions: OwnTransactions,
) -> Answer[ActionAnswer | PaymentAnswer]:
    """Finish an order's payment once the payer has completed its `action`."""
    order_id = ORDER_ID.read(body)
    if order_id is None:
        raise Refused(422, "Invalid param orderId", INVALID_BODY)
    paid = await orders.finish_order(sessions, request.app.state.gateways, merchant, customer, order_id)
    if paid.payment.status == PaymentStatus.REQUIRES_ACTION:
        raise Refused(422, "The payment is still waiting for the payer's approval", "ADYEN0005")
    return _outcome(paid)


@router.post("/connectors/paypal/v1/tokens")
async def paypal_token(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    client: Client,
    body: Annotated[Fields, Depends(PAYPAL)],
    sessions: OwnTransactions,
) -> Answer[RedirectAnswer]:
    """Pay an order with PayPal: the page where the payer approves.

    It sends them on to `successUrl` (or `cancelUrl`); the payment is then settled by the gateway's event, through
    the worker."""
    order_id = ORDER_ID.read(body)
    success = SUCCESS_URL.given(body)
    if order_id is None:
        raise Refused(422, "Invalid param orderId", INVALID_BODY)
    paid = await orders.pay_order(
        sessions,
        await request.app.state.gateways.current(merchant.id),
        merchant,
        customer,
        order_id,
        source=Wallet(methods.PAYPAL),
        return_url=success,
        client=client,
    )
    declined = charges.refusal(paid.payment)
    if declined is not None or not paid.payment.redirect_url:
        raise Refused(422, "PayPal could not be started for this order")
    return answer({"redirectUrl": paid.payment.redirect_url})
