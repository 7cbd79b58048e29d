"""A batch as Cleeng's PHP SDK posts its most: 25 calls of every area in one round trip, answered in order, each
with its own outcome, a call seeing what an earlier one in the same batch wrote."""

from __future__ import annotations

import json
from typing import Any

import httpx

from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.jsonrpc.client import FORM, JsonRpc
from tests.dialects.jsonrpc.conftest import Publisher

EMAIL = "vera@example.com"


async def test_twenty_five_mixed_calls_answer_in_one_round_trip(
    server: Server, rpc: JsonRpc, publisher: Publisher, frozen: clock.FrozenClock
) -> None:
    pt = {"publisherToken": publisher.token}
    week = await rpc.call(
        "createPassOffer", **pt, offerData={"title": "Week", "price": 5, "currency": "EUR", "period": "week"}
    )
    monthly = await rpc.call(
        "createSubscriptionOffer",
        **pt,
        offerData={"title": "Monthly", "price": 9.99, "currency": "EUR", "period": "month", "freeDays": 7},
    )
    customer = {"email": EMAIL, "password": "viewer-pass-1", "locale": "en_US", "country": "DE", "currency": "EUR"}
    ct = {"customerToken": (await rpc.call("registerCustomer", **pt, customerData=customer))["token"]}
    by_email = pt | {"customerEmail": EMAIL}
    until = clock.unix(clock.now()) + 30 * 86400
    calls: list[tuple[str, dict[str, Any]]] = [
        ("getPublisher", pt),
        ("getCustomer", ct),
        ("getCustomerEmail", pt | ct),
        ("getAccessStatus", ct | {"offerId": week["id"], "ipAddress": "10.0.0.1"}),
        ("getAccessStatusForDevice", ct | {"offerId": week["id"], "deviceId": "tv-1", "deviceType": "tv"}),
        ("isTrialAllowed", by_email | {"offerId": monthly["id"]}),
        ("getPassOffer", {"offerId": week["id"]}),
        ("listPassOffers", pt | {"offset": 0, "limit": 10}),
        ("getSubscriptionOffer", {"offerId": monthly["id"]}),
        ("listSubscriptionOffers", pt),
        ("listCustomerSubscriptions", by_email | {"offset": 0, "limit": 10}),
        ("listCustomerLibrary", by_email | {"offset": 0, "limit": 10}),
        ("listTransactions", pt | {"offset": 0, "limit": 10}),
        ("listCancellations", pt | {"offset": 0, "limit": 10}),
        ("listPaymentDetails", pt | {"userEmail": EMAIL}),
        ("fetchCaptureQuestions", pt),
        ("getLocaleDataFromIp", pt | {"ipAddress": "81.2.69.160"}),
        ("generateMyAccountUrl", by_email | {"modules": []}),
        ("generateCheckoutUrl", by_email | {"flowDescription": {"offerId": week["id"]}}),
        ("getAccessibleTags", pt | ct),
        # Written by one call, read by the next: the batch runs in order.
        ("registerSubscription", by_email | {"offerId": week["id"], "expirationDate": until}),
        ("getAccessStatus", ct | {"offerId": week["id"], "ipAddress": "10.0.0.1"}),
        ("generateCustomerToken", by_email),
        ("getAccessStatus", ct | {"offerId": "S999999999_EU", "ipAddress": "10.0.0.1"}),
        ("getPassOffer", {"offerId": monthly["id"]}),  # a subscription asked as a pass: not found
    ]
    assert len(calls) == 25
    sent: list[str] = []

    async def count(request: httpx.Request) -> None:
        sent.append(request.url.path)

    server.http.event_hooks["request"].append(count)
    try:
        answers = await rpc.batch(*calls)
    finally:
        server.http.event_hooks["request"].pop()
    assert sent == ["/3.0/json-rpc"]  # one round trip

    by_position = dict(enumerate(answers))
    failed = {n: (calls[n][0], a.code) for n, a in by_position.items() if not isinstance(a, dict)}
    assert failed == {23: ("getAccessStatus", 4), 24: ("getPassOffer", 4)}, failed
    ok: dict[int, dict[str, Any]] = {n: a for n, a in by_position.items() if isinstance(a, dict)}
    assert ok[0]["id"] == str(publisher.id) or ok[0]["id"] == publisher.id
    assert ok[1]["email"] == EMAIL and ok[2] == {"email": EMAIL}
    assert ok[3]["accessGranted"] is False and ok[4]["accessGranted"] is False
    assert ok[5] == {"success": True}  # the monthly plan's trial is still the customer's to take
    assert ok[6]["id"] == week["id"] and ok[8]["id"] == monthly["id"]
    assert [o["id"] for o in ok[7]["items"]] == [week["id"]] and ok[7]["totalItemCount"] == 1
    assert [o["id"] for o in ok[9]["items"]] == [monthly["id"]]
    for listed in (10, 11, 12, 13, 14):
        assert ok[listed]["items"] == [] and ok[listed]["totalItemCount"] == 0, (calls[listed][0], ok[listed])
    assert isinstance(ok[15]["questions"], list)
    assert ok[16]["country"] == "GB"
    assert ok[17]["url"].startswith("http") and ok[18]["url"].startswith("http")
    assert ok[19] == {"tags": []}
    assert ok[20] == {"success": True}
    assert ok[21]["accessGranted"] is True and ok[21]["expiresAt"] == until
    assert ok[22]["token"]


async def test_a_batch_of_more_than_25_calls_is_refused_whole(server: Server, publisher: Publisher) -> None:
    calls = [{"method": "getPublisher", "params": {"publisherToken": publisher.token}, "id": n} for n in range(26)]
    response = await server.http.post("/3.0/json-rpc", content=json.dumps(calls), headers=FORM)
    assert response.status_code == 200 and response.json()["error"]["code"] == -32600
