"""My Account's "add or replace payment details", with nothing charged: Adyen's
`POST /connectors/adyen/payment-details` (a card, as the Drop-in sends it) and `/payment-details/finalize`, and
PayPal's `POST /connectors/paypal/v1/payment_details/tokens`. The new method becomes the customer's only payment
detail, `active`: their running subscriptions renew with it (billing.method_setup).

On the sandbox gateway a card that needs 3-D Secure answers an `action` whose redirect is completed on this
server's page; the payer then comes back to `returnUrl` with `setup_intent=<id>`, which the client finalizes with,
as `details.redirectResult` (Adyen's name for what a redirect returns) or `details.setup_intent`. PayPal is
approved on the same kind of page, which returns through this server (`/connectors/paypal/v1/payment_details/
return`, with a signed state naming the customer, as PayPal returns to Cleeng's connector) so that the account is
kept before the payer is sent on to `successUrl`, or to `cancelUrl` when they refused, or to `errorUrl`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from pydantic import with_config
from starlette.responses import RedirectResponse
from typing_extensions import TypedDict

from boxoffice.billing import method_setup
from boxoffice.dialects.cleeng.body import Fields, Shaped, WebAddress, Whole, declare
from boxoffice.dialects.cleeng.orders import ID_BY_METHOD
from boxoffice.dialects.mediastore import signed
from boxoffice.dialects.mediastore.account import PaymentDetail, payment_detail
from boxoffice.dialects.mediastore.connectors import (
    PAYMENT_METHOD,
    REFUSED,
    RETURN_URL,
    SESSION_DATA,
    ActionAnswer,
    RedirectAnswer,
    card_of,
    opened_state,
    redirect_action,
    returning_here,
    session_claims,
)
from boxoffice.dialects.mediastore.deps import CurrentCustomer, CurrentMerchant, Session
from boxoffice.dialects.mediastore.envelope import CLOSED, Answer, answer
from boxoffice.dialects.mediastore.errors import INVALID_BODY, Refused
from boxoffice.dialects.mediastore.routing import MediaStoreRoute
from boxoffice.gateways import methods
from boxoffice.gateways.protocol import Wallet
from boxoffice.identity.customers import get_customer
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import DomainError, NotFound, PaymentDeclined
from boxoffice.kit.requests import OwnTransactions

router = APIRouter(route_class=MediaStoreRoute, tags=["mediastore"])
PAYPAL_RETURN = "paypal-details"  # what the signed state of a PayPal approval is for
# Long enough to log in to PayPal and approve; the approval page itself does not expire.
PAYPAL_APPROVAL_TIME = timedelta(hours=1)
STILL_WAITING: Final = "ADYEN0005"
METHOD_ID = Whole("paymentMethodId", "The id `/payment-methods` lists for the method (card 1, PayPal 2), if given")
DETAILS = Shaped(
    "details",
    "What the payer's bank page returned: `redirectResult` (Adyen's name) or `setup_intent`",
    {
        "type": "object",
        "properties": {
            "redirectResult": {"type": "string", "minLength": 1, "maxLength": 100},
            "setup_intent": {"type": "string", "minLength": 1, "maxLength": 100},
        },
    },
    required=True,
)
ADD_CARD = declare(METHOD_ID, PAYMENT_METHOD, RETURN_URL, SESSION_DATA)
FINALIZE = declare(METHOD_ID, DETAILS)
SUCCESS_URL = WebAddress("successUrl", "Where the payer is sent once they have approved", required=True)
CANCEL_URL = WebAddress("cancelUrl", "Where the payer is sent when they refuse (`successUrl` if left out)")
ERROR_URL = WebAddress("errorUrl", "Where the payer is sent when it fails (`cancelUrl` if left out)")
PAYPAL = declare(METHOD_ID, SUCCESS_URL, CANCEL_URL, ERROR_URL)


@with_config(CLOSED)
class PaymentDetailAnswer(TypedDict):
    paymentDetails: PaymentDetail


def _method_id(body: Fields, kind: str) -> None:
    """`paymentMethodId`, when given, must be the id `/payment-methods` lists for `kind`."""
    given = METHOD_ID.read(body)
    if given is not None and given != ID_BY_METHOD[kind]:
        raise Refused(422, "No payment method found", INVALID_BODY)


def _setup_id(body: Fields) -> str:
    details = DETAILS.read(body)
    if not isinstance(details, dict):
        raise Refused(422, "Invalid param details", INVALID_BODY)
    value = details.get("redirectResult", details.get("setup_intent"))
    if not isinstance(value, str) or not 0 < len(value) <= 100:
        raise Refused(422, "Invalid param details.redirectResult", INVALID_BODY)
    return value


def _refused(declined: PaymentDeclined) -> Refused:
    return Refused(422, f"Payment details refused: {declined.message}", REFUSED)


@router.post("/connectors/adyen/payment-details")
async def add_adyen_payment_details(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(ADD_CARD)],
    sessions: OwnTransactions,
) -> Answer[ActionAnswer | PaymentDetail]:
    """Add or replace the customer's card, nothing charged: the payment detail, or an `action` (3-D Secure)."""
    _method_id(body, methods.CARD)
    card = card_of(body)
    return_url = RETURN_URL.read(body)
    claims = session_claims(body, merchant, customer)
    if claims is not None and claims.get("o") is not None:
        raise Refused(422, "Invalid param sessionData: a checkout's session, not one for payment details")
    try:
        setup = await method_setup.start_setup(
            sessions,
            await request.app.state.gateways.current(merchant.id),
            merchant,
            customer,
            card,
            return_url=returning_here(request, merchant, return_url),
        )
    except PaymentDeclined as declined:
        raise _refused(declined) from None
    if setup.profile is None:
        return answer({"action": redirect_action(setup.redirect_url)})
    return answer(payment_detail(setup.profile))


@router.post("/connectors/adyen/payment-details/finalize")
async def finalize_adyen_payment_details(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(FINALIZE)],
    sessions: OwnTransactions,
) -> Answer[PaymentDetailAnswer]:
    """Finish adding a card once the payer has completed its `action`."""
    _method_id(body, methods.CARD)
    setup_id = _setup_id(body)
    try:
        setup = await method_setup.finish_setup(
            sessions,
            await request.app.state.gateways.current(merchant.id),
            merchant,
            customer,
            setup_id,
        )
    except PaymentDeclined as declined:
        raise _refused(declined) from None
    if setup.profile is None:
        raise Refused(422, "The payment details are still waiting for the payer's approval", STILL_WAITING)
    return answer({"paymentDetails": payment_detail(setup.profile)})


@router.post("/connectors/paypal/v1/payment_details/tokens")
async def paypal_payment_details(
    request: Request,
    customer: CurrentCustomer,
    merchant: CurrentMerchant,
    body: Annotated[Fields, Depends(PAYPAL)],
    sessions: OwnTransactions,
) -> Answer[RedirectAnswer]:
    """Make PayPal the customer's way to pay renewals: the page where the payer approves."""
    _method_id(body, methods.PAYPAL)
    success = SUCCESS_URL.given(body)
    cancel, error = CANCEL_URL.read(body), ERROR_URL.read(body)
    state = signed.sign(
        merchant,
        PAYPAL_RETURN,
        {"c": customer.id, "s": success, "x": cancel or success, "e": error or cancel or success},
        clock.now() + PAYPAL_APPROVAL_TIME,
    )
    back = f"{request.url_for('paypal_payment_details_return')}?state={state}"
    try:
        setup = await method_setup.start_setup(
            sessions,
            await request.app.state.gateways.current(merchant.id),
            merchant,
            customer,
            Wallet(methods.PAYPAL),
            return_url=back,
        )
    except PaymentDeclined as declined:
        raise Refused(422, f"PayPal could not be set up: {declined.message}") from None
    return answer({"redirectUrl": setup.redirect_url or success})


@dataclass(frozen=True, slots=True)
class Approval:
    """Who comes back from approving PayPal, as the signed state says (the merchant, the customer, None when
    their account is gone, and the state's claims, which hold where to send them on), and what they approved."""

    merchant: Merchant
    customer: Customer | None
    claims: dict[str, Any]
    setup_id: str


async def _approval(
    session: Session, state: str = Query(max_length=4096), setup_intent: str = Query(max_length=100)
) -> Approval:
    opened = await opened_state(session, PAYPAL_RETURN, state)
    if opened is None:
        raise Refused(400, "Invalid param state: unknown, or expired", INVALID_BODY)
    merchant, claims = opened
    try:
        customer: Customer | None = await get_customer(session, merchant, int(claims["c"]))
    except NotFound:
        customer = None
    return Approval(merchant, customer, claims, setup_intent)


@router.get(
    "/connectors/paypal/v1/payment_details/return",
    name="paypal_payment_details_return",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "On to the client's `successUrl`, `cancelUrl` or `errorUrl`"}},
)
async def paypal_payment_details_return(
    request: Request, approval: Annotated[Approval, Depends(_approval)], sessions: OwnTransactions
) -> RedirectResponse:
    """Where PayPal's approval page sends the payer back.

    No JWT comes with them, so the signed state says who they are; they are sent on to the `successUrl`,
    `cancelUrl` or `errorUrl` their client gave."""
    merchant, customer, claims = approval.merchant, approval.customer, approval.claims
    if customer is None:
        return RedirectResponse(str(claims["e"]), status_code=303)
    try:
        await method_setup.finish_setup(
            sessions,
            await request.app.state.gateways.current(merchant.id),
            merchant,
            customer,
            approval.setup_id,
        )
    except PaymentDeclined:
        return RedirectResponse(str(claims["x"]), status_code=303)
    except DomainError:
        return RedirectResponse(str(claims["e"]), status_code=303)
    return RedirectResponse(str(claims["s"]), status_code=303)
