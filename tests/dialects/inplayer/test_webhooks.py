"""Webhooks through the InPlayer dialect: endpoints, what is posted and how it is signed, the delivery log,
retry and replay — against a real HTTP receiver on a local port."""

from __future__ import annotations

import pytest

from boxoffice.kit import clock
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import DECLINED, card_form, pay, priced_item
from tests.dialects.inplayer.webhook_helpers import (
    add_webhook,
    inplayer_signature_holds,
    sending,
    standard_signature_holds,
)
from tests.webhooks.receiver import receiving


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receivers are on this machine, which only the operator's setting lets webhooks reach."""
    return settings.model_copy(update={"webhooks_allow_private": True})


async def test_a_purchase_is_posted_as_inplayer_posts_it_and_signed_both_ways(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    async with receiving() as receiver, sending(server) as sender:
        hook = await add_webhook(server, merchant, receiver.url("/ok"))
        assert hook["events"] == [] and hook["enabled"] is True
        assert hook["secret_hint"] == "…" + merchant.secret[-4:]
        item_id, fee_id = await priced_item(server, merchant, amount="4.99", currency="EUR")
        assert (await pay(server, viewer, card_form(fee_id))).status_code == 200
        await sender.run_until_idle()

    # Deliveries go out side by side: their order is not promised, so they are told apart by type.
    posted = sorted(receiver.at("/ok"), key=lambda r: r.form["type"], reverse=True)
    assert [r.form["type"] for r in posted] == ["payment.card.success", "asset.access.granted"]
    paid = posted[0]
    assert paid.headers["content-type"] == "application/x-www-form-urlencoded"
    assert paid.headers["user-agent"] == "InPlayer/WHS-2.0"
    form = paid.form
    assert {"id", "created", "type", "version"} <= set(form)
    assert abs(int(form["created"]) - clock.unix(clock.now())) < 60
    assert form["resource[transaction]"].startswith("C-")
    assert form["resource[item_id]"] == str(item_id)
    assert form["resource[access_fee_id]"] == str(fee_id)
    assert (form["resource[amount]"], form["resource[currency_iso]"]) == ("4.99", "EUR")
    assert form["resource[email]"] == viewer.email
    assert form["resource[customer_id]"] == str(viewer.id)
    assert form["resource[status]"] == "success"
    granted = posted[1].form
    assert granted["resource[item_id]"] == str(item_id)
    assert granted["resource[customer_id]"] == str(viewer.id)
    assert granted["resource[item][title]"]
    for received in posted:
        assert received.headers["webhook-id"] == received.form["id"]
        assert abs(int(received.headers["webhook-timestamp"]) - clock.unix(clock.now())) < 60
        assert inplayer_signature_holds(received, merchant.secret)
        assert standard_signature_holds(received, merchant.secret)
        assert not inplayer_signature_holds(received, merchant.secret + "x")
        assert not standard_signature_holds(received, merchant.secret + "x")
    assert posted[0].form["id"] != posted[1].form["id"]

    log = await server.http.get(f"/webhooks/{hook['id']}/deliveries", headers=merchant.auth)
    assert log.status_code == 200, log.text
    rows = log.json()["collection"]
    assert log.json()["total"] == 2
    assert {(r["event_type"], r["status"], r["attempts"], r["last_status_code"]) for r in rows} == {
        ("payment.card.success", "delivered", 1, 200),
        ("asset.access.granted", "delivered", 1, 200),
    }
    one = await server.http.get(f"/webhooks/{hook['id']}/deliveries/{rows[0]['id']}", headers=merchant.auth)
    assert [(a["status_code"], a["response"]) for a in one.json()["attempt_log"]] == [(200, "ok")]


async def test_an_endpoint_gets_only_the_types_it_asked_for(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    async with receiving() as receiver, sending(server) as sender:
        await add_webhook(server, merchant, receiver.url("/ok"), "payment.card.failed", "customer.registered")
        _, fee_id = await priced_item(server, merchant)
        _, another_fee = await priced_item(server, merchant)
        await pay(server, viewer, card_form(fee_id))
        await pay(server, viewer, card_form(another_fee, DECLINED))
        await sign_up(server, merchant, "second@example.com")
        await sender.run_until_idle()
    forms = sorted((r.form for r in receiver.at("/ok")), key=lambda f: f["type"], reverse=True)
    assert [f["type"] for f in forms] == ["payment.card.failed", "customer.registered"]
    assert (forms[0]["resource[code]"], forms[0]["resource[explain]"]) == ("422", "card_declined")
    assert forms[0]["resource[account_id]"] == str(viewer.id)
    assert forms[1]["resource[email]"] == "second@example.com"


async def test_events_of_other_merchants_never_reach_an_endpoint(server: Server, merchant: Merchant) -> None:
    other = await make_merchant(server, "other@publisher.example.com")
    async with receiving() as receiver, sending(server) as sender:
        await add_webhook(server, merchant, receiver.url("/mine"))
        await add_webhook(server, other, receiver.url("/theirs"))
        await sign_up(server, other, "theirs@example.com")
        await sender.run_until_idle()
    assert receiver.at("/mine") == []
    assert [r.form["resource[email]"] for r in receiver.at("/theirs")] == ["theirs@example.com"]
    assert standard_signature_holds(receiver.at("/theirs")[0], other.secret)
    assert not standard_signature_holds(receiver.at("/theirs")[0], merchant.secret)


async def test_endpoints_are_listed_changed_and_removed(server: Server, merchant: Merchant) -> None:
    hook = await add_webhook(server, merchant, "https://hooks.publisher.example.com/boxoffice", "subscribe.success")
    changed = await server.http.put(
        f"/webhooks/{hook['id']}",
        data={"events[0]": "subscribe.expired", "events[1]": "subscribe.success", "enabled": "false"},
        headers=merchant.auth,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["subscribe.success", "subscribe.expired"]
    assert changed.json()["enabled"] is False
    listed = await server.http.get("/webhooks", headers=merchant.auth)
    assert [h["id"] for h in listed.json()] == [hook["id"]]
    assert (await server.http.delete(f"/webhooks/{hook['id']}", headers=merchant.auth)).status_code == 200
    assert_error(await server.http.get(f"/webhooks/{hook['id']}", headers=merchant.auth), 404)
    assert (await server.http.get("/webhooks", headers=merchant.auth)).json() == []


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "https://user:pass@hooks.example.com/x"}, "url"),
        ({"url": "https:///nohost"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://hooks.example.com/" + "x" * 2000}, "url"),
        ({"url": "https://hooks.example.com/x", "events[0]": "payment.card.stolen"}, "events"),
        ({"url": "https://hooks.example.com/x", "description": "d" * 1001}, "description"),
        ({"url": "https://hooks.example.com/x", "enabled": "maybe"}, "enabled"),
    ],
)
async def test_a_bad_endpoint_is_refused_and_nothing_is_written(
    server: Server, merchant: Merchant, form: dict[str, str], field: str
) -> None:
    assert_error(await server.http.post("/webhooks", data=form, headers=merchant.auth), 422, field)
    assert (await server.http.get("/webhooks", headers=merchant.auth)).json() == []


async def test_webhooks_are_the_merchants_alone(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    hook = await add_webhook(server, merchant, "https://hooks.publisher.example.com/x")
    await sign_up(server, merchant, "second@example.com")
    async with sending(server) as sender:
        await sender.run_until_idle()  # the host doesn't resolve here: a delivery, pending its retry
    [delivery] = (await server.http.get(f"/webhooks/{hook['id']}/deliveries", headers=merchant.auth)).json()[
        "collection"
    ]
    assert delivery["last_error"].startswith("connection failed: ")  # the name does not resolve here
    other = await make_merchant(server, "other@publisher.example.com")
    for method, path in [
        ("GET", f"/webhooks/{hook['id']}"),
        ("PUT", f"/webhooks/{hook['id']}"),
        ("DELETE", f"/webhooks/{hook['id']}"),
        ("GET", f"/webhooks/{hook['id']}/deliveries"),
        ("GET", f"/webhooks/{hook['id']}/deliveries/{delivery['id']}"),
        ("POST", f"/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry"),
        ("POST", f"/webhooks/{hook['id']}/replay"),
    ]:
        assert_error(await server.http.request(method, path, headers=other.auth), 404)
    other_hook = await add_webhook(server, other, "https://hooks.other.example.com/x")
    assert_error(
        await server.http.get(f"/webhooks/{other_hook['id']}/deliveries/{delivery['id']}", headers=other.auth), 404
    )
    assert (await server.http.get("/webhooks/events", headers=other.auth)).json()["total"] == 0
    assert_error(await server.http.get("/webhooks", headers=viewer.auth), 403)
    assert_error(await server.http.post("/webhooks", data={"url": "https://x.example.com"}), 401)


async def test_a_failed_delivery_is_retried_by_hand_and_past_events_replayed(
    server: Server, merchant: Merchant, viewer: Viewer, frozen: clock.FrozenClock
) -> None:
    frozen.advance(seconds=1)  # the viewer's own registration came before the endpoint
    async with receiving() as receiver, sending(server) as sender:
        hook = await add_webhook(server, merchant, receiver.url("/status/500"), "customer.registered")
        await sign_up(server, merchant, "late@example.com")
        await sender.run_until_idle()
        frozen.advance(hours=80)  # past the retry window: the next failure is the last
        await server.http.put(
            f"/webhooks/{hook['id']}", data={"url": receiver.url("/status/500")}, headers=merchant.auth
        )
        await sender.run_until_idle()
        log = (await server.http.get(f"/webhooks/{hook['id']}/deliveries", headers=merchant.auth)).json()
        [delivery] = log["collection"]
        assert (delivery["status"], delivery["last_status_code"], delivery["next_attempt_at"]) == ("failed", 500, None)

        await server.http.put(f"/webhooks/{hook['id']}", data={"url": receiver.url("/ok")}, headers=merchant.auth)
        retried = await server.http.post(
            f"/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry", headers=merchant.auth
        )
        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] == "pending"
        await sender.run_until_idle()
        [first] = receiver.at("/ok")

        replayed = await server.http.post(
            f"/webhooks/{hook['id']}/replay", data={"event_id": first.form["id"]}, headers=merchant.auth
        )
        assert replayed.json()["replayed"] == 1
        since = await server.http.post(
            f"/webhooks/{hook['id']}/replay",
            data={"since": first.form["created"]},
            headers=merchant.auth,
        )
        assert since.json()["replayed"] == 1
        await sender.run_until_idle()
    assert [r.form["id"] for r in receiver.at("/ok")] == [first.form["id"]] * 3
    shown = await server.http.get(f"/webhooks/{hook['id']}/deliveries/{delivery['id']}", headers=merchant.auth)
    assert [a["status_code"] for a in shown.json()["attempt_log"]] == [500, 500, 200]
    events = (await server.http.get("/webhooks/events?type=customer.registered", headers=merchant.auth)).json()
    assert first.form["id"] in [e["id"] for e in events["collection"]]
    bad = await server.http.post(f"/webhooks/{hook['id']}/replay", data={"event_id": "nope"}, headers=merchant.auth)
    assert_error(bad, 404)
    assert_error(await server.http.post(f"/webhooks/{hook['id']}/replay", headers=merchant.auth), 422, "event_id")
