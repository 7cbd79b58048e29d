"""A viewer's real-time notifications (§6): `GET /v2/notifications` as Server-Sent Events, and a WebSocket at the
same path. Where InPlayer's SDK fetches AWS IoT keys and subscribes to an MQTT topic, an app here connects with
its access token (the `Authorization` header, or `?token=` where a browser's EventSource or WebSocket cannot set
one) and receives its own account's messages, `{id, type, timestamp, resource}`, named and shaped as §6 says.

Resuming: each message's `id` is its event's uuid. An EventSource reconnects with `Last-Event-ID` by itself; any
client may pass `?since=<id>`. The stream then first sends every later message of the account, in order, then
the new ones. An id that is not one of the account's events is refused (422; on the WebSocket, close code 4422)
rather than silently skipping what the app missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.responses import StreamingResponse

from boxoffice.billing import charges, subscriptions
from boxoffice.dialects.inplayer import catalog_render, render
from boxoffice.dialects.inplayer.deps import AppSettings, Session
from boxoffice.dialects.inplayer.errors import render_domain_error, worded
from boxoffice.dialects.inplayer.payment_methods import method_name
from boxoffice.dialects.inplayer.routing import InPlayerRoute
from boxoffice.dialects.inplayer.subscriptions import subscription_token
from boxoffice.dialects.inplayer.transactions import charge_token
from boxoffice.events.models import Event
from boxoffice.identity.accounts import customer_of
from boxoffice.identity.merchants import merchant_of
from boxoffice.identity.models import Customer, Merchant
from boxoffice.identity.tokens import verify_access_token
from boxoffice.kit.errors import DomainError, Forbidden, InvalidInput, PaymentDeclined
from boxoffice.kit.money import Money
from boxoffice.kit.settings import Settings
from boxoffice.webhooks import notifications_feed as feed
from boxoffice.webhooks.hub import Hub, Subscription
from boxoffice.webhooks.subjects import Subjects

router = APIRouter(route_class=InPlayerRoute, tags=["notifications"])
PATH = "/v2/notifications"
# A quiet stream sends an SSE comment this often, so that proxies keep it open and a dead client is noticed
# (WebSocket connections have the server's protocol-level pings).
KEEP_ALIVE = 15.0


@dataclass(frozen=True, slots=True)
class Viewer:
    merchant: Merchant
    customer: Customer


def _token(headers: Headers, query_token: str | None) -> str:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return (query_token or "").strip()  # an empty token is refused as missing


async def _open(session: AsyncSession, settings: Settings, token: str, since: str | None) -> tuple[Viewer, int | None]:
    """The viewer a stream is for, and where in their events it resumes (None: from now on)."""
    principal = await verify_access_token(session, settings, token)
    if principal.is_merchant:
        raise Forbidden("Notifications are for customer tokens")
    viewer = Viewer(await merchant_of(session, principal.merchant_id), await customer_of(session, principal))
    if not since:
        return viewer, None
    try:
        event_id = str(uuid.UUID(since.strip()))
    except ValueError:
        raise InvalidInput({"since": "The since is the id of a notification, a uuid"}) from None
    after = await feed.position(session, viewer.merchant.id, viewer.customer.id, event_id)
    if after is None:
        raise InvalidInput({"since": "No notification of this account has this id"})
    return viewer, after


# The viewer's token comes in the header or, from an EventSource that sends none, as `?token=`.
@router.get(
    PATH,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events: `id:` and `data:` (a notification as JSON) lines; `: ping` comments",
        }
    },
    response_class=StreamingResponse,
    openapi_extra={"security": [{"viewerToken": []}]},
)
async def notifications_stream(
    request: Request,
    session: Session,
    settings: AppSettings,
    token: str | None = Query(None, max_length=4096, description="The viewer's token, when no header carries it"),
    since: str | None = Query(None, max_length=64),
) -> StreamingResponse:
    """The viewer's real-time notifications, as server-sent events (or a WebSocket at the same path).

    `since` (or the `Last-Event-ID` header) resumes after a message already received."""
    # An EventSource reconnecting names the last message it got, later than any `since` in its URL.
    resume = request.headers.get("last-event-id") or since
    viewer, after = await _open(session, settings, _token(request.headers, token), resume)
    return StreamingResponse(
        _server_sent_events(request.app, viewer, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},  # no proxy may hold messages back
    )


async def _server_sent_events(app: Any, viewer: Viewer, after: int | None) -> AsyncIterator[bytes]:
    with _subscribe(app, viewer) as subscription:
        async for batch in _follow(app, subscription, viewer, after):
            if not batch.events:
                yield b": ping\n\n"  # also the first thing sent: the stream is set up
                continue
            yield b"".join(
                b"id: %s\ndata: %s\n\n" % (message["id"].encode(), orjson.dumps(message))
                for message in messages(batch, viewer)
            )


@router.websocket(PATH)
async def notifications_socket(websocket: WebSocket) -> None:
    app = websocket.app
    try:
        async with app.state.sessions() as session:
            token = _token(websocket.headers, websocket.query_params.get("token"))
            viewer, after = await _open(session, app.state.settings, token, websocket.query_params.get("since"))
    except DomainError as error:
        # Accepted to be closed at once: a browser sees the close code, never a refused handshake's status.
        await websocket.accept()
        await websocket.close(code=4000 + render_domain_error(error).status_code, reason=worded(error)[0][:120])
        return
    # Subscribed before the handshake completes: whatever commits once the app is connected reaches it.
    with _subscribe(app, viewer) as subscription:
        await websocket.accept()
        sending = asyncio.create_task(_send(websocket, app, subscription, viewer, after))
        receiving = asyncio.create_task(_until_closed(websocket))
        try:
            done, _ = await asyncio.wait((sending, receiving), return_when=asyncio.FIRST_COMPLETED)
        finally:  # the other one, or both when the server gives up on this connection
            for task in (sending, receiving):
                task.cancel()
            await asyncio.gather(sending, receiving, return_exceptions=True)
        for task in done:
            with contextlib.suppress(WebSocketDisconnect):
                task.result()


async def _send(websocket: WebSocket, app: Any, subscription: Subscription, viewer: Viewer, after: int | None) -> None:
    async for batch in _follow(app, subscription, viewer, after):
        for message in messages(batch, viewer):
            await websocket.send_text(orjson.dumps(message).decode())


async def _until_closed(websocket: WebSocket) -> None:
    """What the app sends is not listened to; only its leaving is."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


def _subscribe(app: Any, viewer: Viewer) -> contextlib.AbstractContextManager[Subscription]:
    hub: Hub = app.state.notifications.hub
    return hub.subscribe(viewer.merchant.id, viewer.customer.id)


def _follow(app: Any, subscription: Subscription, viewer: Viewer, after: int | None) -> AsyncIterator[feed.Batch]:
    return feed.follow(
        app.state.sessions,
        subscription,
        viewer.merchant.id,
        viewer.customer.id,
        types=TOLD,
        after=after,
        idle=KEEP_ALIVE,
    )


def messages(batch: feed.Batch, viewer: Viewer) -> list[dict[str, Any]]:
    return [
        {
            "id": event.event_id,
            "type": CLIENT_NAMES.get(event.type, event.type),
            "timestamp": render.ts(event.created_at),
            "resource": RENDERERS[event.type](event, batch.subjects, viewer),
        }
        for event in batch.events
    ]


# --- resources, by what happened ------------------------------------------------------------------------------


def _transaction(event: Event, subjects: Subjects) -> str | None:
    """A subscription's events name it (`S-…`), a payment's the charge (`C-…`), as §5.4's tokens do."""
    if "subscribe." in event.type:
        subscription = subjects.of(subjects.subscriptions, event, "subscription_id")
        if subscription is not None:
            return subscription_token(subscription)
    payment = subjects.of(subjects.payments, event, "payment_id")
    return charge_token(payment) if payment is not None else None


def _paid(event: Event, subjects: Subjects, viewer: Viewer) -> dict[str, Any]:
    resource = event.resource
    money = Money(resource["amount"], resource["currency"])
    product = subjects.of(subjects.products, event, "product_id")
    price = subjects.of(subjects.prices, event, "price_id")
    subscription = subjects.of(subjects.subscriptions, event, "subscription_id")
    next_charge = subscriptions.renews_at(subscription) if subscription is not None else None
    return {
        "transaction": _transaction(event, subjects),
        "description": price.description if price is not None else "",
        "email": viewer.customer.email,
        "customer_id": viewer.customer.id,
        "item_id": resource.get("product_id"),
        "previewTitle": product.title if product is not None else "",
        "formatted_amount": f"{money.as_decimal()} {money.currency}",
        "amount": str(money.as_decimal()),  # a string, as InPlayer's notifications send it: "3.00"
        "currency_iso": money.currency,
        "status": "success",
        "timestamp": render.ts(event.created_at),
        "code": 200,
        "access_fee_id": resource.get("price_id"),
        "payment_method": method_name(resource.get("method") or ""),
        "next_rebill_date": render.ts(next_charge),
    }


def _declined(event: Event, subjects: Subjects, viewer: Viewer) -> dict[str, Any]:
    resource = event.resource
    code = resource.get("decline_code") or "card_declined"
    words = charges.DECLINES.get(code, PaymentDeclined.default_message)
    return {
        "transaction": _transaction(event, subjects),
        "account_id": viewer.customer.id,
        "item_id": resource.get("product_id"),
        "access_fee_id": resource.get("price_id"),
        "code": 422,
        "message": words,
        "explain": {"422": words},
        "extras": {"decline_code": code},
        "timestamp": render.ts(event.created_at),
    }


def _challenged(event: Event, subjects: Subjects, viewer: Viewer) -> dict[str, Any]:
    """Where the payer authenticates the payment (3-D Secure, a bank, a wallet)."""
    payment = subjects.of(subjects.payments, event, "payment_id")
    redirect = payment.redirect_url if payment is not None else None
    return _paid(event, subjects, viewer) | {"status": "requires_action", "redirect_to_url": redirect}


def _cancelled(event: Event, subjects: Subjects, _viewer: Viewer) -> dict[str, Any]:
    resource = event.resource
    return {
        "transaction": _transaction(event, subjects),
        "item_id": resource.get("product_id"),
        "access_fee_id": resource.get("price_id"),
        "code": 200,
        "status": "success",
        "timestamp": render.ts(event.created_at),
    }


def _granted(event: Event, subjects: Subjects, viewer: Viewer) -> dict[str, Any]:
    """The item access, as `GET /items/{id}/access` shows it."""
    product = subjects.of(subjects.products, event, "product_id")
    if product is None:
        return {"item_id": event.resource.get("product_id")}
    entitlement = subjects.of(subjects.entitlements, event, "entitlement_id")
    item = catalog_render.item(product, viewer.merchant, with_content=True)
    return dict(render.item_access(entitlement, product.id, viewer.customer, viewer.merchant, item))


def _revoked(event: Event, _subjects: Subjects, _viewer: Viewer) -> dict[str, Any]:
    return {"item_id": event.resource.get("product_id")}


def _account(event: Event, _subjects: Subjects, _viewer: Viewer) -> dict[str, Any]:
    """`account.logout` says why (`sessions_limit` …); the others carry nothing."""
    reason = event.resource.get("reason")
    return {"reason": reason} if reason else {}


Renderer = Callable[[Event, Subjects, Viewer], dict[str, Any]]
# The core's events a viewer's app is told of, and how; the rest (customer.updated, subscribe.updated …) are
# for the merchant's webhooks only.
RENDERERS: dict[str, Renderer] = {
    "payment.card.success": _paid,
    "external.payment.success": _paid,
    "subscribe.success": _paid,
    "payment.card.failed": _declined,
    "external.payment.failed": _declined,
    "subscribe.failed": _declined,
    "payment.card.requires.action": _challenged,
    "subscribe.requires.action": _challenged,
    "external.subscribe.cancel.success": _cancelled,
    "asset.access.granted": _granted,
    "asset.access.revoked": _revoked,
    "account.logout": _account,
    "account.erased": _account,
    "account.deactivated": _account,
}
TOLD = tuple(RENDERERS)  # what a stream reads from the outbox; other events are never loaded
# The client names that differ from the webhook names the core writes.
CLIENT_NAMES = {"asset.access.granted": "access.granted", "asset.access.revoked": "access.revoked"}
