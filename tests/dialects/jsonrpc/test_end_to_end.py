"""One engine under three APIs: an offer made by a publisher's back end over JSON-RPC, a customer it registers,
the purchase through MediaStore's checkout, and the access JSON-RPC then reads, MediaStore and InPlayer agreeing."""

from __future__ import annotations

from datetime import timedelta

from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import sign_in
from tests.dialects.inplayer.test_payments import VISA
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher
from tests.dialects.mediastore.conftest import Customer, call, data
from tests.dialects.mediastore.test_connectors import pay
from tests.dialects.mediastore.test_orders import order

PASSWORD = "viewer-pass-1"


async def test_an_offer_made_over_json_rpc_sold_through_mediastore_grants_what_json_rpc_reads(
    server: Server, rpc: JsonRpc, publisher: Publisher, frozen: clock.FrozenClock
) -> None:
    token = {"publisherToken": publisher.token}
    offer = await rpc.call(
        "createPassOffer",
        **token,
        offerData={"title": "Festival week", "price": 12.3, "currency": "EUR", "period": "week"},
    )
    registered = await rpc.call(
        "registerCustomer",
        **token,
        customerData={
            "email": "vera@example.com",
            "password": PASSWORD,
            "locale": "en_US",
            "country": "DE",
            "currency": "EUR",
        },
    )
    customer_token = registered["token"]
    before = await rpc.call("getAccessStatus", customerToken=customer_token, offerId=offer["id"], ipAddress="1.2.3.4")
    assert before["accessGranted"] is False

    # The customer signs in to MediaStore with the password given at registration, and buys the offer by card.
    credentials = {"email": "vera@example.com", "password": PASSWORD, "publisherId": publisher.id}
    signed_in = data(await call(server, "POST", "/auths", credentials))
    buyer = Customer("vera@example.com", signed_in["jwt"], signed_in["refreshToken"], int(signed_in["customerId"]))
    made = await order(server, buyer, offer["id"])
    assert made["totalPrice"] == 12.3
    assert data(await pay(server, buyer, made["id"], VISA))["payment"]["status"] == "captured"

    after = await rpc.call("getAccessStatus", customerToken=customer_token, offerId=offer["id"], ipAddress="1.2.3.4")
    week_from_now = clock.unix(clock.now() + timedelta(days=7))
    assert after["accessGranted"] is True and abs(after["expiresAt"] - week_from_now) <= 60, after
    # The same answer by the short id, from Cleeng's cookie, and through MediaStore.
    short = offer["id"].split("_")[0]
    server.http.cookies.set("CleengClientAccessToken", customer_token)
    try:
        by_cookie = await rpc.call("getAccessStatus", offerId=short, ipAddress="1.2.3.4")
    finally:
        server.http.cookies.clear()
    assert by_cookie["accessGranted"] is True and by_cookie["expiresAt"] == after["expiresAt"]
    entitled = data(await call(server, "GET", f"/entitlements/{offer['id']}", headers=buyer.auth))
    assert entitled == {"accessGranted": True, "expiresAt": after["expiresAt"]}

    # InPlayer: the same customer signs in with the same password and has access to the item the offer sells.
    viewer = await sign_in(server, publisher.merchant, "vera@example.com", PASSWORD)
    assert viewer.status_code == 200, viewer.text
    bearer = {"Authorization": f"Bearer {viewer.json()['access_token']}"}
    items = (await server.http.get("/v2/items", headers=publisher.merchant.auth)).json()["collection"]
    (item,) = [item for item in items if item["title"] == "Festival week"]
    access = await server.http.get(f"/items/{item['id']}/access", headers=bearer)
    assert access.status_code == 200, access.text

    # A week on, JSON-RPC reads it ended.
    frozen.advance(days=7, minutes=2)
    ended = await rpc.call("getAccessStatus", customerToken=customer_token, offerId=offer["id"], ipAddress="1.2.3.4")
    assert ended["accessGranted"] is False
