"""Webhooks at the dashboard: the merchant's endpoints, each one's delivery log with what was sent and answered,
a failed delivery sent again, past events replayed, and a test event sent by hand."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.responses import Response

from boxoffice.events.event_types import WEBHOOK_TYPES
from boxoffice.kit.errors import Conflict, InvalidInput, LimitReached, NotFound
from boxoffice.kit.validation import whole_number
from boxoffice.team.roles import Permission
from boxoffice.web.dashboard.context import PATH, Dashboard, DashboardContext
from boxoffice.web.dashboard.developers_forms import moment, path_id
from boxoffice.web.dashboard.routing import dashboard_router
from boxoffice.webhooks import deliveries, endpoints
from boxoffice.webhooks.endpoints import EndpointChange
from boxoffice.webhooks.formats import DEFAULT_WIRE, WireFormats
from boxoffice.webhooks.models import DeliveryStatus

router = dashboard_router()
HERE = f"{PATH}/developers/webhooks"
PAGE = 25  # deliveries shown at a time
STATUSES = [("", "Any status"), *((status.value, status.value.capitalize()) for status in DeliveryStatus)]


def _change(form: dict[str, str]) -> EndpointChange:
    """The form's fields; each event type is a checkbox of its own (`event:<type>`), none ticked meaning every type.
    A topic's endpoint takes its topic's types, which aren't changed here: its form shows no checkboxes and says
    so (`topic_events`), and its types are left as they are."""
    return EndpointChange(
        url=form.get("url", ""),
        description=form.get("description", ""),
        events=None if form.get("topic_events") else [kind for kind in WEBHOOK_TYPES if form.get(f"event:{kind}")],
    )


def _values(form: dict[str, str]) -> dict[str, object]:
    return {
        "url": form.get("url", ""),
        "description": form.get("description", ""),
        "events": _change(form).events or [],
    }


async def _list(page: DashboardContext, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    return page.render(
        "developers_webhooks.html",
        status,
        endpoints=await endpoints.list_endpoints(page.session, me.merchant.id),
        types=WEBHOOK_TYPES,
        **values,
    )


async def _endpoint(page: DashboardContext, endpoint_id: int, status: int = 200, **values: object) -> Response:
    me = page.require(Permission.SETTINGS)
    endpoint = await endpoints.get_endpoint(page.session, me.merchant.id, endpoint_id)
    query = page.request.query_params
    wanted = query.get("status") or None
    number = whole_number(query.get("page")) or 0
    try:
        total, shown = await deliveries.list_deliveries(
            page.session, me.merchant.id, endpoint.id, wanted, number * PAGE, PAGE
        )
    except InvalidInput:  # an unknown status in the address: every delivery, as if none was asked for
        wanted = None
        total, shown = await deliveries.list_deliveries(page.session, me.merchant.id, endpoint.id, None, 0, PAGE)
    edit = values.pop("edit", None) or {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
    }
    return page.render(
        "developers_webhook.html",
        status,
        endpoint=endpoint,
        deliveries=shown,
        total=total,
        page=number,
        pages=(total + PAGE - 1) // PAGE,
        wanted=wanted or "",
        statuses=STATUSES,
        types=WEBHOOK_TYPES,
        edit=edit,
        secret_hint=me.merchant.client_secret[-4:],
        **values,
    )


@router.get(HERE)
async def webhooks(page: Dashboard) -> Response:
    return await _list(page, told=page.request.query_params.get("told"))


@router.post(HERE)
async def add_webhook(page: Dashboard) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        added = await endpoints.create_endpoint(
            page.session, me.merchant.id, _change(form), allow_private=page.settings.webhooks_allow_private
        )
    except InvalidInput as refused:
        return await _list(page, 422, errors=refused.errors, values=_values(form))
    except LimitReached as refused:
        return await _list(page, 409, errors={"url": refused.message}, values=_values(form))
    page.audit_as("Added a webhook endpoint", added.url)
    return page.redirect(f"{HERE}/{added.id}?told=added")


@router.get(f"{HERE}/{{endpoint_id}}")
async def webhook(page: Dashboard, endpoint_id: str) -> Response:
    query = page.request.query_params
    return await _endpoint(
        page, path_id(endpoint_id), told=query.get("told"), count=whole_number(query.get("count")) or 0
    )


@router.post(f"{HERE}/{{endpoint_id}}")
async def change_webhook(page: Dashboard, endpoint_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    try:
        changed = await endpoints.update_endpoint(
            page.session,
            me.merchant.id,
            path_id(endpoint_id),
            _change(form),
            allow_private=page.settings.webhooks_allow_private,
        )
    except InvalidInput as refused:
        return await _endpoint(page, path_id(endpoint_id), 422, errors=refused.errors, edit=_values(form))
    page.audit_as("Changed a webhook endpoint", changed.url)
    return page.redirect(f"{HERE}/{changed.id}?told=changed")


async def _switch(page: DashboardContext, endpoint_id: str, enabled: bool) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    changed = await endpoints.update_endpoint(
        page.session,
        me.merchant.id,
        path_id(endpoint_id),
        EndpointChange(enabled=enabled),
        allow_private=page.settings.webhooks_allow_private,
    )
    page.audit_as("Enabled a webhook endpoint" if enabled else "Disabled a webhook endpoint", changed.url)
    return page.redirect(f"{HERE}/{changed.id}?told={'enabled' if enabled else 'disabled'}")


@router.post(f"{HERE}/{{endpoint_id}}/enable")
async def enable_webhook(page: Dashboard, endpoint_id: str) -> Response:
    return await _switch(page, endpoint_id, True)


@router.post(f"{HERE}/{{endpoint_id}}/disable")
async def disable_webhook(page: Dashboard, endpoint_id: str) -> Response:
    return await _switch(page, endpoint_id, False)


@router.post(f"{HERE}/{{endpoint_id}}/remove")
async def remove_webhook(page: Dashboard, endpoint_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    removed = await endpoints.get_endpoint(page.session, me.merchant.id, path_id(endpoint_id))
    await endpoints.delete_endpoint(page.session, me.merchant.id, removed.id)
    page.audit_as("Removed a webhook endpoint", removed.url)
    return page.redirect(f"{HERE}?told=removed")


@router.post(f"{HERE}/{{endpoint_id}}/test")
async def send_test(page: Dashboard, endpoint_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    try:
        sent = await deliveries.send_test_event(page.session, me.merchant.id, path_id(endpoint_id))
    except Conflict as refused:
        return await _endpoint(page, path_id(endpoint_id), 409, errors={"test": refused.message})
    page.audit_as("Sent a test event to a webhook endpoint", f"endpoint {sent.endpoint_id}")
    return page.redirect(f"{HERE}/{sent.endpoint_id}?told=tested")


@router.post(f"{HERE}/{{endpoint_id}}/replay")
async def replay(page: Dashboard, endpoint_id: str) -> Response:
    """Every event since a time, or one event by its id (the use case asks for exactly one of the two)."""
    me = page.require(Permission.SETTINGS)
    form = await page.check_form()
    event_id = form.get("event_id", "").strip() or None
    try:
        since = moment(form.get("since", ""), "since")
        if since is None and event_id is None:
            raise InvalidInput({"since": "Give a date and time, or the id of one event"})
        count = await deliveries.replay_events(
            page.session, me.merchant.id, path_id(endpoint_id), event_id=event_id, since=since
        )
    except InvalidInput as refused:
        return await _endpoint(page, path_id(endpoint_id), 422, errors=refused.errors, values=form)
    except NotFound as refused:  # the event (a missing endpoint is refused again, as a page, by _endpoint)
        return await _endpoint(page, path_id(endpoint_id), 404, errors={"event_id": refused.message}, values=form)
    what = f"event {event_id}" if event_id else f"{count} events since {since.isoformat() if since else ''}"
    page.audit_as("Replayed webhook events", f"endpoint {path_id(endpoint_id)}: {what}")
    return page.redirect(f"{HERE}/{path_id(endpoint_id)}?told=replayed&count={count}")


@router.get(f"{HERE}/{{endpoint_id}}/deliveries/{{delivery_id}}")
async def delivery(page: Dashboard, endpoint_id: str, delivery_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    log = await deliveries.get_delivery(page.session, me.merchant.id, path_id(endpoint_id), path_id(delivery_id))
    wires: WireFormats = page.request.app.state.webhook_wires
    wire = wires.get(log.wire) or wires[DEFAULT_WIRE]  # the endpoint's format, as the sender posts it
    body = (await wire.bodies(page.session, [log.event])).get(log.event.id, b"")
    return page.render(
        "developers_delivery.html", log=log, sent=_readable(body), told=page.request.query_params.get("told")
    )


def _readable(body: bytes) -> str:
    """A JSON body indented; a form body a field a line, its values decoded: readable, and what the receiver
    parsed."""
    text = body.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return "\n".join(f"{name}={value}" for name, value in parse_qsl(text, keep_blank_values=True))


@router.post(f"{HERE}/{{endpoint_id}}/deliveries/{{delivery_id}}/retry")
async def retry(page: Dashboard, endpoint_id: str, delivery_id: str) -> Response:
    me = page.require(Permission.SETTINGS)
    await page.check_form()
    log = await deliveries.retry_delivery(page.session, me.merchant.id, path_id(endpoint_id), path_id(delivery_id))
    page.audit_as("Retried a webhook delivery", f"delivery {log.delivery.id} of endpoint {log.delivery.endpoint_id}")
    return page.redirect(f"{HERE}/{log.delivery.endpoint_id}/deliveries/{log.delivery.id}?told=retried")
