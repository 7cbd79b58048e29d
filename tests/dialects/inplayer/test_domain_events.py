"""Identity's and access's domain events: written to the outbox in the transaction of the change they tell of, in
the core's terms, and not at all by a request that was refused."""

from __future__ import annotations

from datetime import datetime

from boxoffice.events.models import Event
from tests.conftest import Mailbox, Server
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    bearer,
    fetch_rows,
    sign_in,
    sign_up,
    sign_up_form,
)
from tests.dialects.inplayer.test_access import add_product, grant
from tests.dialects.inplayer.test_account import reset_token
from tests.dialects.inplayer.test_gifts import FRIEND, bought_gift, gift_token, redeem
from tests.dialects.inplayer.test_refunds import refund

CUSTOMER_KEYS = {"customer_id", "uuid", "email", "full_name", "register_source", "metadata", "date_of_birth"}
ENTITLEMENT_KEYS = {"entitlement_id", "product_id", "customer_id", "price_id", "source", "starts_at", "expires_at"}


async def told(server: Server, merchant: Merchant, *types: str) -> list[Event]:
    """The merchant's events, oldest first; only those of `types` when given."""
    where = [Event.type.in_(types)] if types else []
    return await fetch_rows(server, Event, merchant.id, *where)


def types_of(events: list[Event]) -> list[str]:
    return [event.type for event in events]


async def test_every_way_an_account_opens_tells_of_a_registration(server: Server, merchant: Merchant) -> None:
    viewer = await sign_up(server, merchant, **{"metadata[team]": "blue"})
    made = await server.http.post(
        "/v2/accounts/customers", headers=merchant.auth, data={"email": "made@example.com", "full_name": "Made For"}
    )
    assert made.status_code == 201, made.text
    sso = await server.http.post("/v2/accounts", headers=merchant.auth, data={"username": "sso@example.com"})
    assert sso.status_code == 200, sso.text
    events = await told(server, merchant)
    assert types_of(events) == ["customer.registered"] * 3
    assert all(set(e.resource) == CUSTOMER_KEYS for e in events)
    first = events[0]
    assert first.customer_id == first.resource["customer_id"] == viewer.id
    assert (first.resource["email"], first.resource["full_name"]) == (viewer.email, "Vera Viewer")
    assert (first.resource["register_source"], first.resource["metadata"]) == ("signup", {"team": "blue"})
    assert [e.resource["customer_id"] for e in events[1:]] == [made.json()["id"], sso.json()["account"]["id"]]
    assert [e.resource["register_source"] for e in events[1:]] == ["merchant", "merchant"]

    # Refused sign-ups open nothing and tell of nothing.
    duplicate = await server.http.post("/accounts", data=sign_up_form(merchant, email="VIEWER@example.com"))
    assert_error(duplicate, 409)
    mismatch = sign_up_form(merchant, email="new@example.com") | {"password_confirmation": "something-else"}
    assert_error(await server.http.post("/accounts", data=mismatch), 422, "password_confirmation")
    assert len(await told(server, merchant)) == 3


async def test_an_update_tells_what_changed_and_a_refused_or_empty_one_nothing(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    form = {"full_name": "Vera Voss", "metadata[team]": "red"}
    assert (await server.http.put("/accounts", headers=viewer.auth, data=form)).status_code == 200
    assert (await server.http.put("/accounts", headers=viewer.auth, data=form)).status_code == 200  # no change
    refused = await server.http.put("/accounts", headers=viewer.auth, data=form | {"date_of_birth": "1990-02-30"})
    assert_error(refused, 422, "date_of_birth")
    [updated] = await told(server, merchant, "customer.updated")
    assert set(updated.resource) == CUSTOMER_KEYS | {"changed"}
    assert updated.resource["changed"] == ["full_name", "metadata"]
    assert (updated.resource["full_name"], updated.resource["metadata"]) == ("Vera Voss", {"team": "red"})
    assert updated.customer_id == viewer.id


async def test_a_new_password_tells_of_itself_and_of_the_sessions_it_ended(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    await sign_in(server, merchant, viewer.email, viewer.password)  # a second device
    change = {
        "old_password": "not-my-password",
        "password": "brand-new-pass",
        "password_confirmation": "brand-new-pass",
    }
    assert_error(await server.http.post("/accounts/change-password", headers=viewer.auth, data=change), 422)
    assert types_of(await told(server, merchant)) == ["customer.registered"]

    change["old_password"] = viewer.password
    assert (await server.http.post("/accounts/change-password", headers=viewer.auth, data=change)).status_code == 200
    await sign_in(server, merchant, viewer.email, "brand-new-pass")
    await server.http.post("/accounts/forgot-password", data={"email": viewer.email, "merchant_uuid": merchant.uuid})
    await server.run_jobs()
    reset = await server.http.put(
        f"/accounts/forgot-password/{reset_token(mailbox, viewer.email)}",
        data={"password": "reset-pass-99", "password_confirmation": "reset-pass-99"},
    )
    assert reset.status_code == 200, reset.text
    events = (await told(server, merchant))[1:]
    # The reset asked for is an event of its own (Cleeng's webhooks tell of it), before the new password.
    [asked] = [e for e in events if e.type == "customer.password.reset.requested"]
    assert (asked.customer_id, asked.resource["email"]) == (viewer.id, viewer.email)
    assert events.index(asked) == 2
    events.remove(asked)
    assert types_of(events) == [
        "customer.password.updated",
        "account.logout",
        "customer.password.updated",
        "account.logout",
    ]
    assert [e.resource["how"] for e in events[::2]] == ["changed", "reset"]
    assert all(set(e.resource) == {"customer_id", "email", "how"} for e in events[::2])
    assert [e.resource["reason"] for e in events[1::2]] == ["password_changed", "password_reset"]
    assert [len(e.resource["session_ids"]) for e in events[1::2]] == [2, 1]
    assert all(e.customer_id == viewer.id for e in events)


async def test_sessions_ended_by_boxoffice_are_told_and_a_logout_is_not(server: Server, merchant: Merchant) -> None:
    await server.http.put("/restrictions/settings", headers=merchant.auth, data={"max_concurrent_sessions": "1"})
    viewer = await sign_up(server, merchant)
    second = (await sign_in(server, merchant, viewer.email, viewer.password)).json()
    [limited] = await told(server, merchant, "account.logout")
    assert limited.customer_id == viewer.id
    assert limited.resource["reason"] == "sessions_limit" and len(limited.resource["session_ids"]) == 1

    # A refresh token presented twice ends its session: only a stolen copy would be.
    again = {"client_id": merchant.uuid, "grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    assert (await server.http.post("/accounts/authenticate", data=again)).status_code == 200
    assert_error(await server.http.post("/accounts/authenticate", data=again), 401)
    third = (await sign_in(server, merchant, viewer.email, viewer.password)).json()
    assert (await server.http.get("/accounts/logout", headers=bearer(third["access_token"]))).status_code == 200
    reasons = [e.resource["reason"] for e in await told(server, merchant, "account.logout")]
    assert reasons == ["sessions_limit", "refresh_token_reused"]


async def test_erasure_tells_the_merchant_and_the_apps_without_personal_data(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    wrong = {"password": "wrong-password"}
    assert_error(await server.http.request("DELETE", "/accounts/erase", headers=viewer.auth, data=wrong), 403)
    assert types_of(await told(server, merchant)) == ["customer.registered"]
    erase = {"password": viewer.password}
    assert (await server.http.request("DELETE", "/accounts/erase", headers=viewer.auth, data=erase)).status_code == 200
    events = (await told(server, merchant))[1:]
    assert types_of(events) == ["account.logout", "customer.erased", "account.erased"]
    assert events[0].resource["reason"] == "account_erased"
    for event in events[1:]:
        assert event.resource == {"customer_id": viewer.id, "uuid": viewer.account["uuid"]}


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_merchants_grant_and_revoke_tell_of_the_entitlement(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    film = await add_product(server, merchant)
    assert_error(await grant(server, merchant, viewer, film.id, days=-1), 422)
    assert (await grant(server, merchant, viewer, film.id)).status_code == 200
    revoke = f"/items/{film.id}/access?consumer_id={viewer.id}"
    assert (await server.http.delete(revoke, headers=merchant.auth)).status_code == 200
    assert_error(await server.http.delete(revoke, headers=merchant.auth), 404)
    granted, revoked = await told(server, merchant, "asset.access.granted", "asset.access.revoked")
    assert (granted.type, revoked.type) == ("asset.access.granted", "asset.access.revoked")
    assert set(granted.resource) == ENTITLEMENT_KEYS and set(revoked.resource) == ENTITLEMENT_KEYS | {"reason"}
    assert granted.resource["entitlement_id"] == revoked.resource["entitlement_id"]
    assert (granted.resource["product_id"], granted.resource["customer_id"]) == (film.id, viewer.id)
    assert (granted.resource["source"], revoked.resource["reason"]) == ("grant", "revoked")
    assert _iso(granted.resource["expires_at"]) > _iso(granted.resource["starts_at"])
    assert granted.customer_id == revoked.customer_id == viewer.id


async def test_a_redeemed_gift_tells_of_the_receivers_access_and_its_refund_of_the_end(
    server: Server, merchant: Merchant, viewer: Viewer, mailbox: Mailbox
) -> None:
    item_id, code = await bought_gift(server, merchant, viewer, mailbox)
    friend = await sign_up(server, merchant, email=FRIEND)
    assert (await redeem(server, friend, code)).status_code == 200
    assert_error(await redeem(server, friend, code), 409)
    assert (await refund(server, merchant, await gift_token(server, viewer))).status_code == 200
    granted, revoked = await told(server, merchant, "asset.access.granted", "asset.access.revoked")
    assert (granted.type, revoked.type) == ("asset.access.granted", "asset.access.revoked")
    assert granted.customer_id == revoked.customer_id == friend.id
    assert (granted.resource["source"], granted.resource["product_id"]) == ("gift", item_id)
    assert revoked.resource["entitlement_id"] == granted.resource["entitlement_id"]
    assert revoked.resource["reason"] == "refunded"
