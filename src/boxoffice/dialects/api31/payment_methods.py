"""Payment-method settings: `POST /payment_methods` registers a way the publisher takes payments, an external one
being its own payment connector; its id is the `paymentMethodId` payments, payment details and webhook filters
name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from typing_extensions import TypedDict

from boxoffice.dialects.api31.answers import Answer, answer
from boxoffice.dialects.api31.deps import Publisher, Session
from boxoffice.dialects.api31.errors import Refused
from boxoffice.dialects.api31.routing import Api31Route
from boxoffice.dialects.cleeng.body import Fields, Flag, Shaped, Text, Whole, declare
from boxoffice.gateways import connectors
from boxoffice.gateways.models import PaymentMethodSetting

router = APIRouter(route_class=Api31Route, tags=["api31"])

SOURCE = Text("source", "Where the method is offered (a label of the publisher's)", max_length=64)
METHOD_NAME = Text("methodName", "The method: card, paypal, …", max_length=64, required=True)
PAYMENT_GATEWAY = Text("paymentGateway", "The gateway the connector charges through", max_length=64, required=True)
FEE_RATE = Shaped("feeRate", "The share of a payment the gateway keeps, 0 to 1", {"type": ["number", "null"]})
IS_EXTERNAL = Flag("isExternalPayment", "Whether the publisher's own connector takes the payments (default true)")
HANDLER = Text("handler", "The connector's name for itself", max_length=250)
GATEWAY_PARAMETERS = Shaped("gatewayParameters", "The connector's own settings", {"type": ["object", "null"]})
PAYMENT_SUPPORT = Shaped(
    "paymentSupport", "What the method supports, as the connector says", {"type": ["object", "null"]}
)
ACCURACY = Whole("paymentAmountAccuracy", "The decimal places the gateway charges in (default 2)")
AUTO_TERMINATE = Flag("autoTerminate", "Whether a subscription ends when its dunning runs out (default true)")
CREATE = declare(
    SOURCE,
    METHOD_NAME,
    PAYMENT_GATEWAY,
    FEE_RATE,
    IS_EXTERNAL,
    HANDLER,
    GATEWAY_PARAMETERS,
    PAYMENT_SUPPORT,
    ACCURACY,
    AUTO_TERMINATE,
)


class PaymentMethodData(TypedDict):
    id: int
    source: str
    methodName: str
    paymentGateway: str
    feeRate: float
    isExternalPayment: bool
    handler: str
    gatewayParameters: dict[str, Any]
    paymentSupport: dict[str, Any]
    paymentAmountAccuracy: int
    autoTerminate: bool


def render_method(setting: PaymentMethodSetting) -> PaymentMethodData:
    return {
        "id": setting.id,
        "source": setting.source,
        "methodName": setting.method_name,
        "paymentGateway": setting.payment_gateway,
        "feeRate": setting.fee_rate / 10_000,
        "isExternalPayment": setting.is_external,
        "handler": setting.handler,
        "gatewayParameters": setting.gateway_parameters,
        "paymentSupport": setting.payment_support,
        "paymentAmountAccuracy": setting.amount_accuracy,
        "autoTerminate": setting.auto_terminate,
    }


def _object(field: Shaped, body: Fields) -> dict[str, Any]:
    value = field.read(body)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Refused(400, f"Invalid param {field.name}: an object")
    return value


def _fee_rate(body: Fields) -> int:
    value = FEE_RATE.read(body)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(400, "Invalid param feeRate: a number")
    if not 0 <= value <= 1:
        raise Refused(422, "feeRate must be between 0 and 1")
    return round(value * 10_000)


@router.post("/payment_methods", status_code=201)
async def create_payment_method(
    session: Session, publisher: Publisher, body: Annotated[Fields, Depends(CREATE)]
) -> Answer[PaymentMethodData]:
    """Register a payment method's settings; an external one is the publisher's own connector, asked by webhooks
    to authorise and capture renewals and reporting them through `/payments`."""
    external, terminate = IS_EXTERNAL.read(body), AUTO_TERMINATE.read(body)
    settings = connectors.MethodSettings(
        method_name=METHOD_NAME.read(body) or "",
        payment_gateway=PAYMENT_GATEWAY.read(body) or "",
        source=SOURCE.read(body) or "",
        fee_rate=_fee_rate(body),
        is_external=True if external is None else external,
        handler=HANDLER.read(body) or "",
        gateway_parameters=_object(GATEWAY_PARAMETERS, body),
        payment_support=_object(PAYMENT_SUPPORT, body),
        amount_accuracy=2 if (accuracy := ACCURACY.read(body)) is None else accuracy,
        auto_terminate=True if terminate is None else terminate,
    )
    setting = await connectors.register_payment_method(session, publisher.id, settings)
    return answer(render_method(setting), 201)
