"""Webhooks at the dashboard, against a real HTTP receiver on a local port: an endpoint added, a real event's
delivery in its log with what was sent and answered, the failed delivery retried, past events replayed, a test
event sent; bad input refused with nothing written; the area closed to roles without the settings."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from boxoffice.webhooks import endpoints
from boxoffice.webhooks.endpoints import TopicEndpoint
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up
from tests.dialects.inplayer.webhook_helpers import inplayer_signature_holds, sending
from tests.web.dashboard.desk import Desk, invite, owner
from tests.webhooks.receiver import receiving

HOOKS = "/dashboard/developers/webhooks"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receivers are on this machine, which only the operator's setting lets webhooks reach."""
    return settings.model_copy(update={"webhooks_allow_private": True})


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


def delivery_ids(page: str) -> list[str]:
    return re.findall(r'data-delivery="(\d+)"', page)


async def add(boss: Desk, url: str, *events: str) -> str:
    answer = await boss.post(HOOKS, {"url": url, "description": "orders"} | {f"event:{e}": "on" for e in events})
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(rf"{HOOKS}/(\d+)\?told=added", answer.headers["location"])
    assert found, answer.headers["location"]
    return f"{HOOKS}/{found.group(1)}"


async def test_a_delivery_is_logged_retried_replayed_and_a_test_event_sent(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    async with receiving() as receiver, sending(server) as sender:
        hook = await add(boss, receiver.url("/status/500"), "customer.registered")
        frozen.advance(seconds=1)
        await sign_up(server, merchant, "late@example.com")
        await sender.run_until_idle()
        [refused] = receiver.at("/status/500")
        assert refused.form["type"] == "customer.registered"

        page = (await boss.get(hook)).text
        [delivery] = delivery_ids(page)
        assert "customer.registered" in page and "pending" in page
        shown = (await boss.get(f"{hook}/deliveries/{delivery}")).text
        request = html.unescape(shown.split("data-request>")[1].split("</pre>")[0])
        # The body as it went out: every field the receiver read, a line each.
        assert request.splitlines() == [f"{name}={value}" for name, value in refused.form.items()]
        assert "500" in shown and "{&#34;error&#34;: &#34;as configured&#34;}" in shown

        changed = await boss.post(hook, {"url": receiver.url("/ok"), "description": "orders"})
        assert changed.status_code == 303
        assert "every type" in (await boss.get(HOOKS)).text  # no box ticked: every type
        retried = await boss.post(f"{hook}/deliveries/{delivery}/retry")
        assert retried.headers["location"] == f"{hook}/deliveries/{delivery}?told=retried"
        await sender.run_until_idle()
        [first] = receiver.at("/ok")
        assert first.form["id"] == refused.form["id"] and inplayer_signature_holds(first, merchant.secret)
        shown = (await boss.get(f"{hook}/deliveries/{delivery}")).text
        assert "data-status>delivered<" in shown and shown.index(">500<") < shown.index(">200<")

        since = (frozen.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
        replayed = await boss.post(f"{hook}/replay", {"since": since})
        assert replayed.headers["location"] == f"{hook}?told=replayed&count=1"
        assert "(1 event)" in (await boss.get(replayed.headers["location"])).text
        one = await boss.post(f"{hook}/replay", {"event_id": first.form["id"]})
        assert one.headers["location"] == f"{hook}?told=replayed&count=1"
        await sender.run_until_idle()
        assert [r.form["id"] for r in receiver.at("/ok")] == [first.form["id"]] * 3

        tested = await boss.post(f"{hook}/test")
        assert tested.status_code == 303, tested.text
        await sender.run_until_idle()
        test = receiver.at("/ok")[-1]
        assert test.form["type"] == "webhook.test" and inplayer_signature_holds(test, merchant.secret)
        assert len(delivery_ids((await boss.get(hook)).text)) == 4

    log = (await boss.get("/dashboard/audit", q="webhook")).text
    for action in ("Added a webhook endpoint", "Retried a webhook delivery", "Replayed webhook events"):
        assert action in log, action
    assert "Sent a test event to a webhook endpoint" in log


async def test_bad_input_is_shown_and_nothing_written(
    server: Server, merchant: Merchant, frozen: clock.FrozenClock
) -> None:
    boss = await owner(server, merchant)
    bad = await boss.post(HOOKS, {"url": "ftp://files.example.com", "description": "x"})
    assert bad.status_code == 422 and "must start with http:// or https://" in bad.text
    assert 'value="ftp://files.example.com"' in bad.text  # what was typed is kept
    assert "data-endpoint=" not in (await boss.get(HOOKS)).text

    hook = await add(boss, "https://hooks.example.com/in")
    assert (await boss.post(hook, {"url": "", "description": ""})).status_code == 422
    assert 'value="https://hooks.example.com/in"' in (await boss.get(hook)).text
    late = await boss.post(f"{hook}/replay", {"since": "yesterday"})
    assert late.status_code == 422 and "Give a date and time" in late.text
    assert (await boss.post(f"{hook}/replay", {"since": "", "event_id": ""})).status_code == 422
    unknown = await boss.post(f"{hook}/replay", {"event_id": "no-such-event"})
    assert unknown.status_code == 404 and "problem-event_id" in unknown.text
    both = await boss.post(f"{hook}/replay", {"since": "2026-01-01T00:00", "event_id": "no-such-event"})
    assert both.status_code == 422

    assert (await boss.post(f"{hook}/disable")).headers["location"] == f"{hook}?told=disabled"
    assert "data-status>disabled<" in (await boss.get(hook)).text
    refused = await boss.post(f"{hook}/test")
    assert refused.status_code == 409 and "enable it" in refused.text
    assert not delivery_ids((await boss.get(hook)).text)
    await boss.post(f"{hook}/enable")
    assert "data-status>enabled<" in (await boss.get(hook)).text

    for missing in (f"{HOOKS}/999999", f"{HOOKS}/abc", f"{hook}/deliveries/999999"):
        assert (await boss.get(missing)).status_code == 404, missing
    assert (await boss.post(f"{HOOKS}/999999/remove")).status_code == 404
    assert (await boss.post(f"{hook}/remove")).headers["location"] == f"{HOOKS}?told=removed"
    assert "data-endpoint=" not in (await boss.get(HOOKS)).text


async def test_only_roles_with_the_settings_reach_webhooks(
    server: Server, mailbox: Mailbox, merchant: Merchant
) -> None:
    boss = await owner(server, merchant)
    hook = await add(boss, "https://hooks.example.com/in")
    other = await owner(server, await make_merchant(server, "other@publisher.example.com"))
    assert (await other.get(hook)).status_code == 404  # another merchant's endpoint is not found
    assert (await other.post(f"{hook}/remove")).status_code == 404

    admin = await invite(server, mailbox, boss, "ada@publisher.example.com", "admin")
    assert (await admin.get(hook)).status_code == 200
    for role in ("support", "analyst"):
        member = await invite(server, mailbox, boss, f"{role}@publisher.example.com", role)
        for path in ("/dashboard/developers", HOOKS, hook):
            assert (await member.get(path)).status_code == 403, (role, path)
        assert (await member.post(HOOKS, {"url": "https://evil.example.com"})).status_code == 403
        assert (await member.post(f"{hook}/remove")).status_code == 403
    assert (await boss.get(hook)).status_code == 200


async def test_a_topics_endpoint_is_changed_keeping_its_topics_types(server: Server, merchant: Merchant) -> None:
    async with server.app.state.sessions() as session, session.begin():
        [made] = await endpoints.replace_topic_endpoints(
            session,
            merchant.id,
            wire="cleeng",
            topic="subscriptionReadyForPaymentCapture",
            events=["subscription.payment.capture.due"],
            wanted=[TopicEndpoint("https://hooks.example.com/capture", filters={"payment_method_id": 7})],
            allow_private=True,
        )
    boss = await owner(server, merchant)
    hook = f"{HOOKS}/{made.id}"
    shown = (await boss.get(hook)).text
    assert "data-topic-events" in shown and 'name="event:' not in shown  # its types aren't offered to change
    form = {"url": "https://hooks.example.com/moved", "description": "the connector", "topic_events": "on"}
    changed = await boss.post(hook, form)
    assert changed.headers["location"] == f"{hook}?told=changed", changed.text
    assert (await boss.post(f"{hook}/disable")).headers["location"] == f"{hook}?told=disabled"
    async with server.app.state.sessions() as session:
        after = await endpoints.get_endpoint(session, merchant.id, made.id)
    assert (after.url, after.description, after.enabled) == ("https://hooks.example.com/moved", "the connector", False)
    assert (after.topic, after.events, after.filters) == (
        "subscriptionReadyForPaymentCapture",
        ["subscription.payment.capture.due"],
        {"payment_method_id": 7},
    )
    # Types ticked by hand on a topic's endpoint are still refused by the rule that keeps them.
    ticked = await boss.post(hook, {"url": "https://hooks.example.com/moved", "event:customer.registered": "on"})
    assert ticked.status_code == 422
