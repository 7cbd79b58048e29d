"""Where gateways send their events: `POST /webhooks/gateways/stripe/{merchant_uuid}`, the endpoint a merchant
registers in Stripe's dashboard. The signature is checked here; the worker acts on the event."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import ConfigDict, with_config
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.billing import gateway_events
from boxoffice.kit.errors import DomainError, NotFound
from boxoffice.web.transactions import OwnTransactions

router = APIRouter(tags=["gateways"])
MAX_EVENT = 512 * 1024  # Stripe's events are a few kilobytes
# Stripe signs each event with the endpoint's secret; the use case checks the signature against the payload, as the
# header alone proves nothing. Declared for the document: the route reads the header itself.
STRIPE_SIGNATURE = APIKeyHeader(
    name="Stripe-Signature",
    scheme_name="stripeSignature",
    description="Stripe's signature of the event's payload under the endpoint's signing secret",
    auto_error=False,
)


@with_config(ConfigDict(extra="forbid"))
class Received(TypedDict):
    received: bool
    queued: bool  # False: an event of a kind nothing is done for


@with_config(ConfigDict(extra="forbid"))
class GatewayRefusal(TypedDict):
    error: str


EVENT = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object", "description": "A Stripe event, as Stripe sends it"}}
    },
}


@router.post(
    "/webhooks/gateways/stripe/{merchant_uuid}",
    summary="Receive a Stripe event for a merchant",
    response_model=None,
    dependencies=[Security(STRIPE_SIGNATURE)],
    responses={
        200: {"model": Received, "description": "Received, and queued for the worker to act on"},
        400: {"model": GatewayRefusal, "description": "The signature does not match, or the event is malformed"},
        404: {"model": GatewayRefusal, "description": "No such merchant, or it has no Stripe gateway"},
        413: {"model": GatewayRefusal, "description": "The event is too large"},
    },
    openapi_extra={"requestBody": EVENT},
)
async def stripe_event(
    request: Request,
    sessions: OwnTransactions,
    merchant_uuid: str = Path(max_length=36, pattern=r"^[0-9a-fA-F-]{32,36}$"),
) -> Received | JSONResponse:
    """The endpoint a merchant registers in Stripe's dashboard. The signature is checked here; the worker settles
    what the event tells of."""
    payload = await request.body()
    if len(payload) > MAX_EVENT:
        return JSONResponse({"error": "The event is too large"}, status_code=413)
    try:
        queued = await gateway_events.receive_merchant_event(
            sessions,
            request.app.state.gateways,
            merchant_uuid,
            "stripe",
            payload,
            request.headers.get("stripe-signature"),
        )
    except NotFound as error:
        return JSONResponse({"error": error.message}, status_code=404)
    except DomainError as error:
        return JSONResponse({"error": error.message}, status_code=400)
    return {"received": True, "queued": queued}
