"""The publisher over JSON-RPC: its account, and its transactions and cancellations a page at a time, newest first,
within a period; never another merchant's."""

from __future__ import annotations

from typing import Any

import pytest

from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_fee, add_item
from tests.dialects.inplayer.conftest import Viewer, make_merchant, sign_up
from tests.dialects.inplayer.test_branding import create as create_look
from tests.dialects.inplayer.test_payments import card_form
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher, publisher_of
from tests.dialects.mediastore.conftest import Publisher as MediaStorePublisher
from tests.dialects.mediastore.conftest import call, data, log_in


class Shop:
    """A pass at 12.30 EUR and a monthly subscription at 9.99 EUR."""

    def __init__(self, pass_fee: dict[str, Any], monthly_fee: dict[str, Any]) -> None:
        self.pass_fee, self.monthly_fee = pass_fee, monthly_fee
        self.pass_id, self.monthly_id = f"P{pass_fee['id']:09d}_EU", f"S{monthly_fee['id']:09d}_EU"


async def open_shop(server: Server, publisher: Publisher) -> Shop:
    merchant = publisher.merchant
    item = await add_item(server, merchant, title="Cup final")
    week = await add_fee(server, merchant, item["id"], access_type_id="3", amount="12.30", description="A week")
    season = await add_item(server, merchant, title="Season")
    monthly = await add_fee(server, merchant, season["id"], access_type_id="7", amount="9.99", description="Monthly")
    return Shop(week, monthly)


async def buy(server: Server, viewer: Viewer, fee: dict[str, Any]) -> None:
    bought = await server.http.post("/payments", headers=viewer.auth, data=card_form(fee["id"]))
    assert bought.status_code == 200, bought.text


async def subscribe(server: Server, viewer: Viewer, fee: dict[str, Any]) -> int:
    started = await server.http.post("/subscriptions", headers=viewer.auth, data=card_form(fee["id"]))
    assert started.status_code == 200, started.text
    listed = (await server.http.get("/subscriptions", headers=viewer.auth)).json()
    return int(listed["collection"][0]["id"])


async def take_cancel_back(server: Server, publisher: Publisher, viewer: Viewer, shop: Shop) -> None:
    """As My Account does, through MediaStore."""
    signed = await log_in(server, MediaStorePublisher(publisher.merchant, publisher.id), viewer.email, viewer.password)
    jwt = data(signed)["jwt"]
    body = {"offerId": shop.monthly_id, "status": "active"}
    path = f"/customers/{viewer.id}/subscriptions"
    taken_back = await call(server, "PATCH", path, body, headers={"Authorization": f"Bearer {jwt}"})
    assert data(taken_back)["status"] == "active"


@pytest.fixture
async def rival(server: Server) -> Publisher:
    return await publisher_of(server, await make_merchant(server, "rival@publisher.example.com"))


async def test_the_publisher_is_the_merchant_with_its_brand_as_site_name(
    server: Server, rpc: JsonRpc, publisher: Publisher, rival: Publisher
) -> None:
    shown = await rpc.call("getPublisher", publisherToken=publisher.token)
    assert (shown["id"], shown["email"], shown["firstName"], shown["lastName"]) == (
        publisher.id,
        publisher.merchant.email,
        "Publisher",
        "",
    )
    assert shown["siteName"] == "Publisher" and shown["publisherData"] == {} and shown["licenseType"]
    assert {"currency", "locale", "country"} <= shown.keys()
    await create_look(server, publisher.merchant, brand_name="Acme Video")
    assert (await rpc.call("getPublisher", publisherToken=publisher.token))["siteName"] == "Acme Video"
    other = await rpc.call("getPublisher", publisherToken=rival.token)
    assert (other["id"], other["email"], other["siteName"]) == (rival.id, rival.merchant.email, "Publisher")


async def test_get_publisher_asks_for_a_publisher_token(rpc: JsonRpc) -> None:
    await rpc.refused(3, "getPublisher")
    await rpc.refused(3, "getPublisher", publisherToken="0" * 48)
    await rpc.refused(3, "getPublisher", publisherToken={"token": "x"})


async def test_transactions_newest_first_a_page_at_a_time_within_a_period(
    server: Server, rpc: JsonRpc, publisher: Publisher, rival: Publisher, frozen: clock.FrozenClock
) -> None:
    shop = await open_shop(server, publisher)
    vera = await sign_up(server, publisher.merchant)
    ned = await sign_up(server, publisher.merchant, "ned@example.com")
    started = clock.unix(clock.now())
    await buy(server, vera, shop.pass_fee)
    frozen.advance(hours=1)
    await subscribe(server, ned, shop.monthly_fee)
    frozen.advance(hours=1)
    declined = card_form(shop.pass_fee["id"], number="4000000000000002")
    assert (await server.http.post("/payments", headers=ned.auth, data=declined)).status_code != 200
    rival_shop = await open_shop(server, rival)
    await buy(server, await sign_up(server, rival.merchant, "rival.viewer@example.com"), rival_shop.pass_fee)

    items, total = await rpc.items("listTransactions", publisherToken=publisher.token)
    assert total == 2  # a declined payment is no transaction, the rival's are not ours
    assert [(t["offerId"], t["customerEmail"], t["transactionPrice"], t["transactionCurrency"]) for t in items] == [
        (shop.monthly_id, "ned@example.com", 9.99, "EUR"),
        (shop.pass_id, vera.email, 12.3, "EUR"),
    ]
    newest, oldest = items
    assert newest["transactionDate"] == started + 3600 and oldest["transactionDate"] == started
    assert (newest["offerType"], oldest["offerType"], newest["offerTitle"]) == ("S", "P", "Season")
    assert (newest["customerId"], oldest["customerId"]) == (str(ned.id), str(vera.id))
    assert all(t["transactionId"].startswith("T") and t["paymentMethod"] == "card" for t in items)

    second, total = await rpc.items("listTransactions", publisherToken=publisher.token, offset=1, limit=1)
    assert (second, total) == ([oldest], 2)
    none, total = await rpc.items("listTransactions", publisherToken=publisher.token, offset=2, limit=1)
    assert (none, total) == ([], 2)
    criteria = {"dateFrom": started + 1, "dateTo": started + 3600}
    within, total = await rpc.items("listTransactions", publisherToken=publisher.token, criteria=criteria)
    assert (within, total) == ([newest], 1)  # both ends included
    before, total = await rpc.items("listTransactions", publisherToken=publisher.token, criteria={"dateTo": started})
    assert (before, total) == ([oldest], 1)
    theirs, total = await rpc.items("listTransactions", publisherToken=rival.token)
    assert total == 1 and theirs[0]["customerEmail"] == "rival.viewer@example.com"


@pytest.mark.parametrize("method", ["listTransactions", "listCancellations"])
@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": [1]},
        {"criteria": "recent"},
        {"criteria": {"dateFrom": "yesterday"}},
        {"criteria": {"dateTo": -5}},
        {"criteria": {"dateFrom": 1_700_000_000, "dateTo": 1_600_000_000}},
    ],
)
async def test_bad_paging_and_criteria_are_invalid_arguments(
    rpc: JsonRpc, publisher: Publisher, method: str, params: dict[str, Any]
) -> None:
    await rpc.refused(11, method, publisherToken=publisher.token, **params)


@pytest.mark.parametrize("method", ["listTransactions", "listCancellations"])
async def test_the_lists_ask_for_a_publisher_token(rpc: JsonRpc, method: str) -> None:
    await rpc.refused(3, method)
    await rpc.refused(3, method, publisherToken="not-a-token", offset=0, limit=10)


async def test_cancellations_latest_first_and_a_cancel_taken_back_is_none(
    server: Server, rpc: JsonRpc, publisher: Publisher, rival: Publisher, frozen: clock.FrozenClock
) -> None:
    shop = await open_shop(server, publisher)
    viewers = [await sign_up(server, publisher.merchant, f"viewer{n}@example.com") for n in range(3)]
    ids = [await subscribe(server, viewer, shop.monthly_fee) for viewer in viewers]
    auth = publisher.merchant.auth
    assert (await rpc.items("listCancellations", publisherToken=publisher.token)) == ([], 0)

    at_period_end = clock.unix(frozen.advance(hours=1))
    ended = await server.http.post(f"/subscriptions/{ids[0]}/cancel", headers=auth)
    assert ended.status_code == 200, ended.text
    at_once = clock.unix(frozen.advance(hours=1))
    ended = await server.http.post(f"/subscriptions/{ids[1]}/cancel", headers=auth, data={"immediately": "true"})
    assert ended.status_code == 200, ended.text
    frozen.advance(hours=1)
    ended = await server.http.post(f"/subscriptions/{ids[2]}/cancel", headers=auth)
    assert ended.status_code == 200, ended.text
    await take_cancel_back(server, publisher, viewers[2], shop)
    rival_shop = await open_shop(server, rival)
    rival_viewer = await sign_up(server, rival.merchant, "rival.viewer@example.com")
    rival_id = await subscribe(server, rival_viewer, rival_shop.monthly_fee)
    assert (await server.http.post(f"/subscriptions/{rival_id}/cancel", headers=rival.merchant.auth)).status_code == 200

    items, total = await rpc.items("listCancellations", publisherToken=publisher.token)
    assert total == 2
    assert [(c["subscriptionId"], c["customerEmail"], c["offerId"]) for c in items] == [
        (str(ids[1]), viewers[1].email, shop.monthly_id),
        (str(ids[0]), viewers[0].email, shop.monthly_id),
    ]
    by_id = {c["subscriptionId"]: c for c in items}
    assert by_id[str(ids[0])]["cancellationDate"] == at_period_end
    assert by_id[str(ids[0])]["expiresAt"] > at_period_end  # runs to the end of the month paid for
    assert by_id[str(ids[1])]["cancellationDate"] == by_id[str(ids[1])]["expiresAt"] == at_once
    assert by_id[str(ids[1])]["customerId"] == str(viewers[1].id)

    page, total = await rpc.items("listCancellations", publisherToken=publisher.token, offset=1, limit=1)
    assert (page, total) == ([items[1]], 2)
    criteria = {"dateFrom": at_period_end + 1, "dateTo": at_once}
    within, total = await rpc.items("listCancellations", publisherToken=publisher.token, criteria=criteria)
    assert [c["subscriptionId"] for c in within] == [str(ids[1])] and total == 1
    earlier = {"dateTo": at_once - 1}
    before, total = await rpc.items("listCancellations", publisherToken=publisher.token, criteria=earlier)
    assert [c["subscriptionId"] for c in before] == [str(ids[0])] and total == 1
    theirs, total = await rpc.items("listCancellations", publisherToken=rival.token)
    assert total == 1 and theirs[0]["customerEmail"] == "rival.viewer@example.com"
