"""A customer's subscriptions and rentals as a publisher's back end reads and changes them over JSON-RPC:
`listCustomerSubscriptions`, `updateCustomerSubscription`, `updateCustomerRental`, `listCustomerLibrary`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boxoffice.billing.models import Subscription
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import fetch_rows, sign_up
from tests.dialects.jsonrpc.client import JsonRpc
from tests.dialects.jsonrpc.conftest import customer_token
from tests.dialects.jsonrpc.test_access import Shop, buy_pass, other_shop, shop, subscribe

__all__ = ["shop"]  # the shop fixture, used here too


def _as(shop: Shop, **params: Any) -> dict[str, Any]:
    return {"publisherToken": shop.publisher.token, "customerEmail": shop.viewer.email} | params


async def _access(rpc: JsonRpc, shop: Shop, offer: str) -> dict[str, Any]:
    token = await customer_token(rpc, shop.publisher, shop.viewer.email)
    return await rpc.call("getAccessStatus", customerToken=token, offerId=offer)


async def test_a_running_subscription_is_listed_with_its_next_payment(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    assert await rpc.items("listCustomerSubscriptions", **_as(shop)) == ([], 0)
    await subscribe(server, shop)
    [row] = await fetch_rows(server, Subscription, shop.publisher.merchant.id)
    items, total = await rpc.items("listCustomerSubscriptions", **_as(shop, offset=0, limit=10))
    assert total == 1
    assert items == [
        {
            "subscriptionId": row.id,
            "offerId": shop.monthly_id,
            "status": "active",
            "startedAt": clock.unix(row.created_at),
            "expiresAt": clock.unix(row.current_period_end),
            "nextPaymentPrice": 9.99,
            "nextPaymentCurrency": "EUR",
            "nextPaymentAt": clock.unix(row.current_period_end),
            "paymentGateway": row.gateway,
            "paymentMethod": row.method,
            "externalPaymentId": None,
            "inTrial": True,
        }
    ]
    assert await rpc.items("listCustomerSubscriptions", **_as(shop, offset=1, limit=10)) == ([], 1)


async def test_a_subscription_is_cancelled_resumed_and_its_period_moved(
    server: Server, rpc: JsonRpc, shop: Shop
) -> None:
    await subscribe(server, shop)
    cancelled = await rpc.call(
        "updateCustomerSubscription", **_as(shop, offerId=shop.monthly_id, subscriptionData={"status": "cancelled"})
    )
    [row] = await fetch_rows(server, Subscription, shop.publisher.merchant.id)
    assert cancelled == {
        "offerId": shop.monthly_id,
        "status": "cancelled",
        "expiresAt": clock.unix(row.current_period_end),
        "paymentMethod": row.method,
    }
    [listed], _ = await rpc.items("listCustomerSubscriptions", **_as(shop))
    assert (listed["status"], listed["nextPaymentAt"]) == ("cancelled", None)
    assert (await _access(rpc, shop, shop.monthly_id))["accessGranted"] is True  # until the period's end
    short = shop.monthly_id.partition("_")[0]
    resumed = await rpc.call(
        "updateCustomerSubscription", **_as(shop, offerId=short, subscriptionData={"status": "active"})
    )
    assert (resumed["offerId"], resumed["status"]) == (short, "active")
    later = clock.unix(clock.now() + timedelta(days=40))
    moved = await rpc.call(
        "updateCustomerSubscription", **_as(shop, offerId=shop.monthly_id, subscriptionData={"expiresAt": later})
    )
    assert (moved["status"], moved["expiresAt"]) == ("active", later)
    [listed], _ = await rpc.items("listCustomerSubscriptions", **_as(shop))
    assert (listed["expiresAt"], listed["nextPaymentAt"]) == (later, later)
    assert (await _access(rpc, shop, shop.monthly_id))["expiresAt"] == later


async def test_subscription_calls_refuse_bad_tokens_customers_offers_and_params(
    server: Server, rpc: JsonRpc, shop: Shop
) -> None:
    await subscribe(server, shop)
    theirs = await other_shop(server)
    await subscribe(server, theirs)
    stranger = await sign_up(server, theirs.publisher.merchant, "only-theirs@example.com")
    change = {"offerId": shop.monthly_id, "subscriptionData": {"status": "cancelled"}}
    for method, params in (("listCustomerSubscriptions", {}), ("updateCustomerSubscription", change)):
        await rpc.refused(3, method, **_as(shop, publisherToken="not-a-token", **params))
        await rpc.refused(3, method, customerEmail=shop.viewer.email, **params)
        await rpc.refused(10, method, **_as(shop, customerEmail=stranger.email, **params))
        await rpc.refused(10, method, **_as(shop, customerEmail="nobody@example.com", **params))
        await rpc.refused(11, method, **_as(shop, customerEmail=None, **params))
        await rpc.refused(11, method, **_as(shop, customerEmail=["a@b.c"], **params))
    for paging in ({"offset": -1}, {"limit": 0}, {"limit": 101}, {"offset": "x"}, {"limit": 1.5}):
        await rpc.refused(11, "listCustomerSubscriptions", **_as(shop, **paging))
    other_viewer = await sign_up(server, shop.publisher.merchant, "other@example.com")
    for offer in (theirs.monthly_id, shop.pass_id, f"P{shop.monthly_fee:09d}_EU", "S999999999_EU", "nonsense"):
        await rpc.refused(4, "updateCustomerSubscription", **_as(shop, **(change | {"offerId": offer})))
    await rpc.refused(4, "updateCustomerSubscription", **_as(shop, customerEmail=other_viewer.email, **change))
    past = clock.unix(clock.now() - timedelta(days=1))
    for data in (None, {}, {"status": "paused"}, {"status": 1}, {"expiresAt": past}, {"expiresAt": "soon"}, "x"):
        await rpc.refused(11, "updateCustomerSubscription", **_as(shop, offerId=shop.monthly_id, subscriptionData=data))
    await rpc.refused(11, "updateCustomerSubscription", **_as(shop, subscriptionData={"status": "cancelled"}))
    # Nothing changed: theirs and this customer's still run uncancelled.
    rows = await fetch_rows(server, Subscription, shop.publisher.merchant.id)
    rows += await fetch_rows(server, Subscription, theirs.publisher.merchant.id)
    assert [row.canceled_at for row in rows] == [None, None]


async def test_a_rentals_end_is_moved(server: Server, rpc: JsonRpc, shop: Shop, frozen: clock.FrozenClock) -> None:
    await buy_pass(server, shop)
    later = clock.unix(clock.now() + timedelta(days=30))
    moved = await rpc.call("updateCustomerRental", **_as(shop, offerId=shop.pass_id, rentalData={"expiresAt": later}))
    assert moved == {"offerId": shop.pass_id, "expiresAt": later}
    assert (await _access(rpc, shop, shop.pass_id))["expiresAt"] == later
    # An end moved to the past, though not before the access began (which the core refuses).
    frozen.advance(minutes=5)
    ended = clock.unix(clock.now() - timedelta(seconds=1))
    await rpc.call("updateCustomerRental", **_as(shop, offerId=shop.pass_id, rentalData={"expiresAt": ended}))
    assert (await _access(rpc, shop, shop.pass_id))["accessGranted"] is False


async def test_rental_changes_refuse_bad_tokens_customers_offers_and_params(
    server: Server, rpc: JsonRpc, shop: Shop
) -> None:
    await buy_pass(server, shop)
    await subscribe(server, shop)
    theirs = await other_shop(server)
    await buy_pass(server, theirs)
    stranger = await sign_up(server, theirs.publisher.merchant, "only-theirs@example.com")
    later = clock.unix(clock.now() + timedelta(days=30))
    change = {"offerId": shop.pass_id, "rentalData": {"expiresAt": later}}
    await rpc.refused(3, "updateCustomerRental", **_as(shop, publisherToken="nope", **change))
    await rpc.refused(10, "updateCustomerRental", **_as(shop, customerEmail=stranger.email, **change))
    await rpc.refused(10, "updateCustomerRental", **_as(shop, customerEmail="nobody@example.com", **change))
    wrong_letter = f"R{shop.pass_fee:09d}_EU"
    for offer in (theirs.pass_id, "P999999999_EU", wrong_letter, "P-1"):
        await rpc.refused(4, "updateCustomerRental", **_as(shop, **(change | {"offerId": offer})))
    other_viewer = await sign_up(server, shop.publisher.merchant, "other@example.com")
    await rpc.refused(4, "updateCustomerRental", **_as(shop, customerEmail=other_viewer.email, **change))
    await rpc.refused(11, "updateCustomerRental", **_as(shop, **(change | {"offerId": shop.monthly_id})))
    long_ago = clock.unix(clock.now() - timedelta(days=400))
    for data in (None, {}, {"expiresAt": "tomorrow"}, {"expiresAt": long_ago}, [later]):
        await rpc.refused(11, "updateCustomerRental", **_as(shop, offerId=shop.pass_id, rentalData=data))
    assert (await _access(rpc, shop, shop.pass_id))["expiresAt"] != later


async def test_the_library_lists_what_was_paid_for_within_the_dates(
    server: Server, rpc: JsonRpc, shop: Shop, frozen: clock.FrozenClock
) -> None:
    assert await rpc.items("listCustomerLibrary", **_as(shop)) == ([], 0)
    bought_at = clock.unix(frozen.now())
    await buy_pass(server, shop)
    frozen.advance(days=1)
    subscribed_at = clock.unix(frozen.now())
    await subscribe(server, shop)
    items, total = await rpc.items("listCustomerLibrary", **_as(shop))
    assert total == len(items) >= 2
    first = items[-1]  # newest first
    pass_access = await _access(rpc, shop, shop.pass_id)
    assert first == {
        "transactionId": first["transactionId"],
        "transactionDate": bought_at,
        "transactionPrice": 12.3,
        "transactionCurrency": "EUR",
        "transactionExternalData": None,
        "publisherName": "Publisher",
        "publisherSiteUrl": None,
        "offerId": shop.pass_id,
        "offerType": "P",
        "offerTitle": "Cup final",
        "offerDescription": "A week",
        "offerUrl": None,
        "invoicePrice": 12.3,
        "invoiceCurrency": "EUR",
        "expiresAt": pass_access["expiresAt"],
        "cancelled": False,
        "pending": False,
    }
    assert first["transactionId"].startswith("T")
    subscription = items[0]
    assert (subscription["offerId"], subscription["offerType"], subscription["cancelled"]) == (
        shop.monthly_id,
        "S",
        False,
    )
    change = {"offerId": shop.monthly_id, "subscriptionData": {"status": "cancelled"}}
    await rpc.call("updateCustomerSubscription", **_as(shop, **change))
    after, _ = await rpc.items("listCustomerLibrary", **_as(shop))
    assert [item["cancelled"] for item in after] == [True] * (total - 1) + [False]
    # Within dates, both ends included; a page at a time.
    before = await rpc.items("listCustomerLibrary", **_as(shop, criteria={"dateTo": subscribed_at - 1}))
    assert [item["offerId"] for item in before[0]] == [shop.pass_id] and before[1] == 1
    since = await rpc.items("listCustomerLibrary", **_as(shop, criteria={"dateFrom": subscribed_at}))
    assert {item["offerId"] for item in since[0]} == {shop.monthly_id} and since[1] == total - 1
    exactly = await rpc.items("listCustomerLibrary", **_as(shop, criteria={"dateFrom": bought_at, "dateTo": bought_at}))
    assert exactly[1] == 1
    paged = await rpc.items("listCustomerLibrary", **_as(shop, offset=total - 1, limit=1))
    assert paged == ([after[-1]], total)


async def test_the_library_refuses_bad_tokens_customers_and_params(server: Server, rpc: JsonRpc, shop: Shop) -> None:
    await buy_pass(server, shop)
    theirs = await other_shop(server)
    await buy_pass(server, theirs)
    stranger = await sign_up(server, theirs.publisher.merchant, "only-theirs@example.com")
    await rpc.refused(3, "listCustomerLibrary", **_as(shop, publisherToken="nope"))
    await rpc.refused(10, "listCustomerLibrary", **_as(shop, customerEmail=stranger.email))
    await rpc.refused(10, "listCustomerLibrary", **_as(shop, customerEmail="nobody@example.com"))
    await rpc.refused(11, "listCustomerLibrary", **_as(shop, customerEmail=None))
    now = clock.unix(clock.now())
    for bad in (
        {"criteria": "recent"},
        {"criteria": {"dateFrom": "yesterday"}},
        {"criteria": {"dateFrom": now, "dateTo": now - 10}},
        {"criteria": {"dateTo": -1}},
        {"offset": -1},
        {"limit": 0},
        {"limit": 101},
    ):
        await rpc.refused(11, "listCustomerLibrary", **_as(shop, **bad))
    # The other publisher's customer of the same e-mail sees only their own.
    items, total = await rpc.items("listCustomerLibrary", **_as(theirs, publisherToken=theirs.publisher.token))
    assert total == 1 and items[0]["offerId"] == theirs.pass_id
