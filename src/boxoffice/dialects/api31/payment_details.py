"""Payment details an external connector saved for a customer: `POST /payment_details`, the payments made with
them (`GET /payment_details/{id}/authorised_payments`), and when attempts with them may be made
(`PATCH /payment_details/{id}/attemptRestrictions`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from typing_extensions import TypedDict

from boxoffice.billing import external_payments
from boxoffice.dialects.api31.answers import Answer, Wrapped, answer, wrapped
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.payments import PaymentData, render_payment
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.api31.times import iso_moment
from boxoffice.dialects.cleeng.body import Fields, Flag, Shaped, Text, Whole, declare
from boxoffice.gateways import connectors
from boxoffice.gateways.models import ExternalPaymentDetails
from boxoffice.identity import customers

router = APIRouter(route_class=Api31Route, tags=["api31"])

CUSTOMER_ID = Whole("customerId", "The customer's id", required=True)
TOKEN = Text("token", "The connector's token for charging the customer later", max_length=500, required=True)
METHOD_ID = Whole("paymentMethodId", "The payment-method settings' id (an external method)", required=True)
PARAMS = Shaped("paymentMethodSpecificParams", "What the connector keeps of the method", {"type": ["object", "null"]})
ACTIVE = Flag("active", "Whether renewals are charged with them (default true)")
CREATE = declare(CUSTOMER_ID, TOKEN, METHOD_ID, PARAMS, ACTIVE)
RESTRICTED_TO = Text("attemptRestrictedTo", "No attempt before this time (ISO 8601)", max_length=40)
REJECTIONS = Shaped(
    "attemptRejections",
    'Rejections counted by month: `{"YYYY-MM": n}`',
    {"type": ["object", "null"], "additionalProperties": {"type": "integer", "minimum": 0}},
)
RESTRICT = declare(RESTRICTED_TO, REJECTIONS)


class PaymentDetailsData(TypedDict):
    id: int
    customerId: int
    token: str
    paymentMethodId: int
    paymentMethodSpecificParams: dict[str, Any]
    active: bool
    attemptRestrictedTo: str | None
    attemptRejections: dict[str, int]


class AuthorisedPayments(TypedDict):
    items: list[PaymentData]


def _render(details: ExternalPaymentDetails) -> PaymentDetailsData:
    restricted = details.attempt_restricted_to
    return {
        "id": details.id,
        "customerId": details.customer_id,
        "token": details.token,
        "paymentMethodId": details.payment_method_setting_id,
        "paymentMethodSpecificParams": details.method_params,
        "active": details.active,
        "attemptRestrictedTo": restricted.strftime("%Y-%m-%dT%H:%M:%SZ") if restricted else None,
        "attemptRejections": details.attempt_rejections,
    }


@router.post("/payment_details", status_code=201)
async def create_payment_details(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[Wrapped[PaymentDetailsData]]:
    """Save a customer's payment details with an external method; active ones are what the customer's renewals
    through a connector are asked with from then on (and replace the customer's other active details, whose
    connectors are told `paymentDetailsDeactivated`)."""
    params = PARAMS.read(body)
    if params is not None and not isinstance(params, dict):
        raise Refused(400, "Invalid param paymentMethodSpecificParams: an object")
    token, customer_id, method_id = TOKEN.read(body), CUSTOMER_ID.read(body), METHOD_ID.read(body)
    if not token or customer_id is None or method_id is None:
        raise Refused(422, "customerId, token and paymentMethodId are required")
    active = ACTIVE.read(body)
    customer = await customers.get_customer(session, publisher, customer_id)
    request = connectors.DetailsRequest(customer.id, token, method_id, params or {}, True if active is None else active)
    details = await external_payments.save_payment_details(session, publisher.id, request)
    response = wrapped(_render(details))
    response.status_code = 201
    return response


@router.get("/payment_details/{details_id}/authorised_payments")
async def list_authorised_payments(
    session: Session, publisher: Publisher, details_id: int = Path(ge=1, le=2**53)
) -> Answer[AuthorisedPayments]:
    """The payments made with these payment details, newest first."""
    payments = await external_payments.authorised_payments(session, publisher.id, details_id)
    return answer({"items": [render_payment(payment) for payment in payments]})


def _moment(body: Fields) -> datetime | None:
    return iso_moment(RESTRICTED_TO.read(body), RESTRICTED_TO.name)


def _rejections(body: Fields) -> dict[str, int] | None:
    value = REJECTIONS.read(body)
    if value is None:
        return None
    if not isinstance(value, dict) or any(isinstance(n, bool) or not isinstance(n, int) for n in value.values()):
        raise Refused(400, "Invalid param attemptRejections: whole numbers by month")
    return value


@router.patch("/payment_details/{details_id}/attemptRestrictions")
async def restrict_attempts(
    session: Session,
    publisher: Publisher,
    body: Annotated[Fields, Depends(RESTRICT)],
    details_id: int = Path(ge=1, le=2**53),
) -> Answer[Wrapped[PaymentDetailsData]]:
    """Set when attempts with these payment details may next be made, and the rejections counted by month."""
    restricted_to, rejections = _moment(body), _rejections(body)
    details = await connectors.restrict_attempts(
        session, publisher.id, details_id, restricted_to=restricted_to, rejections=rejections
    )
    return wrapped(_render(details))
