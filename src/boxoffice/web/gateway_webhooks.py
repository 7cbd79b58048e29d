"""Where gateways send their events: `POST /webhooks/gateways/stripe/{merchant_uuid}`, the endpoint a merchant
registers in Stripe's dashboard. The signature is checked here; the worker acts on the event."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse

from boxoffice.billing import gateway_events
from boxoffice.kit.errors import DomainError, NotFound
from boxoffice.web.transactions import OwnTransactions

router = APIRouter(tags=["gateways"], include_in_schema=False)
MAX_EVENT = 512 * 1024  # Stripe's events are a few kilobytes


@router.post("/webhooks/gateways/stripe/{merchant_uuid}")
async def stripe_event(
    request: Request,
    sessions: OwnTransactions,
    merchant_uuid: str = Path(max_length=36, pattern=r"^[0-9a-fA-F-]{32,36}$"),
) -> Any:
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
