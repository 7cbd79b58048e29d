"""Where the app stores tell of what happened to their purchases since: Google Play's Real-time Developer
Notifications, pushed by Pub/Sub to the address a merchant gives its push subscription (with authentication on,
its audience left as that address), and the App Store's Server Notifications (V2)."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import APIRouter, Path, Request
from starlette.responses import JSONResponse
from typing_extensions import TypedDict

from boxoffice.billing import store_notifications
from boxoffice.kit import base_url
from boxoffice.kit.errors import DomainError, Forbidden, NotFound
from boxoffice.web.transactions import OwnTransactions

router = APIRouter(tags=["gateways"])


class Received(TypedDict):
    received: bool
    queued: bool


class StoreRefusal(TypedDict):
    error: str


@router.post(
    "/webhooks/stores/google-play/{merchant_uuid}",
    summary="Receive a Google Play notification for a merchant",
    response_model=None,
    responses={
        200: {"model": Received, "description": "Received, and queued for the worker to act on"},
        400: {"model": StoreRefusal, "description": "Not a Pub/Sub push of a Google Play notification"},
        403: {"model": StoreRefusal, "description": "The push's token is not Google's for this address"},
        404: {"model": StoreRefusal, "description": "No such merchant"},
        413: {"model": StoreRefusal, "description": "The push is too large"},
    },
)
async def google_play_notification(
    request: Request,
    sessions: OwnTransactions,
    merchant_uuid: str = Path(max_length=36, pattern=r"^[0-9a-fA-F-]{32,36}$"),
) -> Received | JSONResponse:
    """Pub/Sub's push subscription for the merchant's Real-time Developer Notifications points here."""
    body = await request.body()
    if len(body) > store_notifications.MAX_NOTIFICATION:
        return JSONResponse({"error": "The push is too large"}, status_code=413)
    authorization = request.headers.get("authorization") or ""
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    audience = base_url.of(request.app.state.settings.public_url) + request.url.path
    return await _answered(
        store_notifications.receive_google_notification(
            sessions, request.app.state.settings, merchant_uuid, body, bearer, audience
        )
    )


@router.post(
    "/webhooks/stores/apple/{merchant_uuid}",
    summary="Receive an App Store Server Notification for a merchant",
    response_model=None,
    responses={
        200: {"model": Received, "description": "Received, and queued for the worker to act on"},
        400: {"model": StoreRefusal, "description": "Not an App Store Server Notification"},
        403: {"model": StoreRefusal, "description": "Not signed by the App Store for the merchant's app"},
        404: {"model": StoreRefusal, "description": "No such merchant"},
        413: {"model": StoreRefusal, "description": "The notification is too large"},
    },
)
async def apple_notification(
    request: Request,
    sessions: OwnTransactions,
    merchant_uuid: str = Path(max_length=36, pattern=r"^[0-9a-fA-F-]{32,36}$"),
) -> Received | JSONResponse:
    """The App Store Server Notifications (V2) address a merchant sets in App Store Connect."""
    body = await request.body()
    if len(body) > store_notifications.MAX_NOTIFICATION:
        return JSONResponse({"error": "The notification is too large"}, status_code=413)
    return await _answered(
        store_notifications.receive_apple_notification(sessions, request.app.state.settings, merchant_uuid, body)
    )


async def _answered(receiving: Awaitable[bool]) -> Received | JSONResponse:
    """A store's notification received (and queued, or not), or refused in the status the store understands."""
    try:
        queued = await receiving
    except NotFound as error:
        return JSONResponse({"error": error.message}, status_code=404)
    except Forbidden as error:
        return JSONResponse({"error": error.message}, status_code=403)
    except DomainError as error:
        return JSONResponse({"error": error.message}, status_code=400)
    return {"received": True, "queued": queued}
