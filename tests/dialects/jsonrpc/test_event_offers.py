"""An event offer's `startTime` is when the event begins, not when its sale does: it is sold before the event, and
access through it lasts until its `endTime`. JSON-RPC and MediaStore show the same start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.test_payments import VISA
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, customer_token
from tests.dialects.mediastore import conftest as mediastore
from tests.dialects.mediastore.conftest import call, data, register
from tests.dialects.mediastore.test_connectors import pay
from tests.dialects.mediastore.test_orders import order


def in_days(days: float) -> int:
    return clock.unix(clock.now() + timedelta(days=days))


async def event_offer(rpc: JsonRpc, publisher: Publisher, **times: Any) -> dict[str, Any]:
    offer_data = {"title": "Cup final", "price": 7.5, "currency": "EUR"} | times
    return await rpc.call("createEventOffer", publisherToken=publisher.token, offerData=offer_data)


async def test_an_event_starting_tomorrow_is_sold_today_and_watched_until_its_end(
    server: Server, rpc: JsonRpc, publisher: Publisher, frozen: clock.FrozenClock
) -> None:
    tomorrow, ends = in_days(1), in_days(3)
    offer = await event_offer(rpc, publisher, startTime=tomorrow, endTime=ends)
    assert (offer["startTime"], offer["endTime"]) == (tomorrow, ends)
    assert (await rpc.call("getEventOffer", offerId=offer["id"]))["startTime"] == tomorrow
    shown = data(await call(server, "GET", f"/offers/{offer['id']}"))
    assert (shown["startTime"], shown["endTime"]) == (tomorrow, ends)

    buyer = await register(server, mediastore.Publisher(publisher.merchant, publisher.id))
    made = await order(server, buyer, offer["id"])
    assert made["totalPrice"] == 7.5
    assert data(await pay(server, buyer, made["id"], VISA))["payment"]["status"] == "captured"
    token = await customer_token(rpc, publisher, buyer.email)
    access = await rpc.call("getAccessStatus", customerToken=token, offerId=offer["id"], ipAddress="1.2.3.4")
    assert (access["accessGranted"], access["expiresAt"]) == (True, ends)

    frozen.advance(days=2)  # the event is on
    during = await rpc.call("getAccessStatus", customerToken=token, offerId=offer["id"], ipAddress="1.2.3.4")
    assert during["accessGranted"] is True
    frozen.advance(days=1, minutes=1)  # and over
    after = await rpc.call("getAccessStatus", customerToken=token, offerId=offer["id"], ipAddress="1.2.3.4")
    assert after["accessGranted"] is False


async def test_an_events_start_changes_without_changing_its_sale(rpc: JsonRpc, publisher: Publisher) -> None:
    token = {"publisherToken": publisher.token}
    offer = await event_offer(rpc, publisher, startTime=in_days(1), endTime=in_days(3))
    later = in_days(2)
    moved = await rpc.call("updateEventOffer", **token, offerId=offer["id"], offerData={"startTime": later})
    assert (moved["startTime"], moved["endTime"], moved["active"]) == (later, offer["endTime"], True)
    kept = await rpc.call("updateEventOffer", **token, offerId=offer["id"], offerData={"title": "Cup final, live"})
    assert (kept["startTime"], kept["title"]) == (later, "Cup final, live")
    undated = await event_offer(rpc, publisher, endTime=in_days(3))
    assert undated["startTime"] is None


async def test_an_event_must_begin_before_its_end(rpc: JsonRpc, publisher: Publisher) -> None:
    token = {"publisherToken": publisher.token}
    ends = in_days(3)
    for starts in (ends, in_days(4)):
        late = {"title": "Late", "price": 7.5, "currency": "EUR", "startTime": starts, "endTime": ends}
        message = await rpc.refused(11, "createEventOffer", **token, offerData=late)
        assert "begin before" in message
    offer = await event_offer(rpc, publisher, startTime=in_days(1), endTime=ends)
    await rpc.refused(11, "updateEventOffer", **token, offerId=offer["id"], offerData={"startTime": in_days(5)})
    # An end before the start it has.
    await rpc.refused(11, "updateEventOffer", **token, offerId=offer["id"], offerData={"endTime": in_days(0.5)})
    await rpc.refused(11, "updateEventOffer", **token, offerId=offer["id"], offerData={"startTime": "tomorrow"})
    assert (await rpc.call("getEventOffer", offerId=offer["id"]))["startTime"] == offer["startTime"]
