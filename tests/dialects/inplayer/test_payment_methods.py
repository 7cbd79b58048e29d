"""Ways to pay besides a typed card, through the sandbox gateway, each with its approve and decline path:
iDEAL, Google Pay and Apple Pay (approved on a page, as the bank or the wallet would), SEPA Direct Debit (a
mandate, then a debit whose outcome arrives later through the worker) and PayPal (`POST /external-payments`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from boxoffice.billing.models import Payment, Subscription
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, count_rows, fetch_rows
from tests.dialects.inplayer.test_payments import books_hold, priced_item
from tests.dialects.inplayer.test_subscriptions import monthly_fee

GOOD_IBAN, FAILING_IBAN = "DE89370400440532013000", "DE62370400440532013001"


async def pay_v2(server: Server, viewer: Viewer, fee_id: int, method: str, **extra: str) -> httpx.Response:
    form = {"payment_method": method, "access_fee_id": str(fee_id), "referrer": "https://app.example.com/film"}
    return await server.http.post("/v2/payments", headers=viewer.auth, data=form | extra)


async def answer_page(server: Server, url: str, result: str) -> httpx.Response:
    return await server.http.get(url.removeprefix("http://testserver"), params={"result": result})


async def has_access(server: Server, viewer: Viewer, item_id: int) -> bool:
    return (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200


@pytest.mark.parametrize("method", ["ideal", "google pay on web", "apple pay on web"])
async def test_a_method_approved_on_a_page_opens_the_item_once_approved(
    server: Server, merchant: Merchant, viewer: Viewer, method: str
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    extra = {"bank": "ing", "return_url": "https://app.example.com/film?ippwat=ppv"} if method == "ideal" else {}
    started = await pay_v2(server, viewer, fee_id, method, **extra)
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["message"] == "Submitted for payment" and body["redirect_to_url"].startswith("http://testserver/")
    assert not await has_access(server, viewer, item_id)
    back = await answer_page(server, body["redirect_to_url"], "success")
    assert back.status_code in (200, 303)
    if method == "ideal":
        assert back.headers["location"] == f"https://app.example.com/film?ippwat=ppv&payment_intent={body['pi_id']}"
    confirmed = await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})
    assert confirmed.status_code == 200, confirmed.text
    assert await has_access(server, viewer, item_id)
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == "succeeded"
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    assert (
        history["collection"][0]["payment_method_name"]
        == {
            "ideal": "iDEAL",
            "google pay on web": "Google Pay",
            "apple pay on web": "Apple Pay",
        }[method]
    )
    assert await books_hold(server, merchant) == {"EUR": 499}


@pytest.mark.parametrize("method", ["ideal", "google pay on web"])
async def test_a_method_declined_on_its_page_opens_nothing(
    server: Server, merchant: Merchant, viewer: Viewer, method: str
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    extra = {"bank": "rabobank", "return_url": "https://app.example.com/film"} if method == "ideal" else {}
    body = (await pay_v2(server, viewer, fee_id, method, **extra)).json()
    await answer_page(server, body["redirect_to_url"], "fail")
    refused = await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})
    assert_error(refused, 402)
    assert not await has_access(server, viewer, item_id)
    assert await books_hold(server, merchant) == {}


async def test_direct_debit_needs_a_mandate_and_clears_later_through_the_worker(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    assert_error(await server.http.get("/v2/payments/direct-debit/mandate", headers=viewer.auth), 404)
    assert_error(await pay_v2(server, viewer, fee_id, "Direct Debit", item_id=str(item_id)), 422, "payment_method")
    for iban in ("DE89370400440532013001", "XX00", ""):
        bad = await server.http.post(
            "/v2/payments/direct-debit/mandate", headers=viewer.auth, data={"name": "Vera Viewer", "iban": iban}
        )
        assert_error(bad, 422, "iban")
    made = await server.http.post(
        "/v2/payments/direct-debit/mandate",
        headers=viewer.auth,
        data={"name": "Vera Viewer", "iban": GOOD_IBAN.lower(), "address": "Main St 1, Berlin"},
    )
    assert made.status_code == 200, made.text
    source = made.json()
    assert (source["full_name"], source["status"], source["type_data"]["last4"]) == (
        "Vera Viewer",
        "chargeable",
        "3000",
    )
    assert source["type_data"]["country"] == "DE" and source["type_data"]["bank_code"] == "37040044"
    shown = (await server.http.get("/v2/payments/direct-debit/mandate", headers=viewer.auth)).json()
    assert shown["is_approved"] is True and shown["mandate"]["last4"] == "3000"
    assert shown["mandate"]["mandate_reference"] == source["type_data"]["mandate_reference"]
    await server.run_jobs()  # what signing up queued
    debit = await pay_v2(server, viewer, fee_id, "Direct Debit", item_id=str(item_id))
    assert debit.status_code == 200, debit.text
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == "processing" and not await has_access(server, viewer, item_id)
    while await server.run_jobs():
        pass
    assert await has_access(server, viewer, item_id)
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == "succeeded"
    assert await books_hold(server, merchant) == {"EUR": 499}


async def test_a_failing_direct_debit_is_declined_later(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    await server.http.post(
        "/v2/payments/direct-debit/mandate", headers=viewer.auth, data={"name": "Vera", "iban": FAILING_IBAN}
    )
    assert (await pay_v2(server, viewer, fee_id, "Direct Debit", item_id=str(item_id))).status_code == 200
    while await server.run_jobs():
        pass
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.status, payment.decline_code) == ("declined", "debit_declined")
    assert not await has_access(server, viewer, item_id)


async def test_subscriptions_start_with_other_methods_too(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, fee_id = await monthly_fee(server, merchant)
    await server.http.post(
        "/v2/payments/direct-debit/mandate", headers=viewer.auth, data={"name": "Vera", "iban": GOOD_IBAN}
    )
    started = await server.http.post(
        "/v2/subscriptions",
        headers=viewer.auth,
        data={"payment_method": "Direct Debit", "access_fee_id": str(fee_id), "item_id": str(item_id)},
    )
    assert started.status_code == 200, started.text
    while await server.run_jobs():
        pass
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert subscription.status == "active" and await has_access(server, viewer, item_id)
    _, other_fee = await monthly_fee(server, merchant)
    ideal = await server.http.post(
        "/v2/subscriptions",
        headers=viewer.auth,
        data={
            "payment_method": "ideal",
            "access_fee_id": str(other_fee),
            "bank": "ing",
            "return_url": "https://a.example/x",
        },
    )
    body = ideal.json()
    await answer_page(server, body["redirect_to_url"], "success")
    assert (await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})).status_code == 200
    assert [s.status for s in await fetch_rows(server, Subscription, merchant.id)] == ["active", "active"]


@pytest.mark.parametrize("result", ["success", "fail"])
async def test_a_free_trial_by_wallet_starts_once_the_payer_approves_it(
    server: Server, merchant: Merchant, viewer: Viewer, result: str
) -> None:
    """The approval answers the wallet's verification; the gateway's event settles it even if the app never
    confirms."""
    item_id, fee_id = await monthly_fee(server, merchant, trial_period_quantity="7", trial_period_period="day")
    form = {"payment_method": "google pay on web", "access_fee_id": str(fee_id), "return_url": "https://a.example/x"}
    started = await server.http.post("/v2/subscriptions", headers=viewer.auth, data=form)
    assert started.status_code == 200, started.text
    assert not await has_access(server, viewer, item_id)
    await answer_page(server, started.json()["redirect_to_url"], result)
    while await server.run_jobs():
        pass
    [subscription] = await fetch_rows(server, Subscription, merchant.id)
    assert subscription.status == ("trialing" if result == "success" else "incomplete")
    assert await has_access(server, viewer, item_id) is (result == "success")


async def test_paypal_parameters_lead_to_an_approval_page(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    form = {
        "origin": "https://app.example.com/film",
        "access_fee": str(fee_id),
        "payment_method": "2",
        "branding_id": "undefined",
    }
    params = await server.http.post("/external-payments", headers=viewer.auth, data=form)
    assert params.status_code == 200, params.text
    body: dict[str, Any] = params.json()
    assert body["endpoint"].startswith("http://testserver/sandbox/") and "id" not in body
    assert (body["currency_code"], body["cancel_return"]) == ("EUR", "https://app.example.com/film")
    assert body["return"].startswith("https://app.example.com/film?ippwat=ppv&payment_intent=")
    assert body["item_name"]
    back = await answer_page(server, body["endpoint"], "success")
    assert back.status_code == 303 and back.headers["location"] == body["return"]
    while await server.run_jobs():
        pass
    assert await has_access(server, viewer, item_id)
    # Asked again with access already bought: the answer says so with an `id`.
    again = (await server.http.post("/external-payments", headers=viewer.auth, data=form)).json()
    assert again["id"]
    assert await count_rows(server, Payment, merchant.id) == 1
    assert_error(
        await server.http.post("/external-payments", headers=viewer.auth, data=form | {"payment_method": "1"}), 422
    )
    assert_error(await server.http.post("/external-payments", headers=viewer.auth, data=form | {"origin": "nope"}), 422)


async def test_bad_method_requests_write_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    cases: list[tuple[dict[str, str], int, tuple[str, ...]]] = [
        ({"payment_method": "bitcoin"}, 422, ("payment_method",)),
        ({"payment_method": "ideal", "bank": "nope", "return_url": "https://a.example"}, 422, ("bank",)),
        ({"payment_method": "ideal", "bank": "ing"}, 422, ("return_url",)),
        ({"payment_method": "apple pay on web", "access_fee_id": "999999"}, 404, ()),
        ({"payment_method": "apple pay on web", "access_fee_id": "x"}, 422, ("access_fee_id",)),
    ]
    for change, status, fields in cases:
        form = {"access_fee_id": str(fee_id), "referrer": "https://app.example.com"} | change
        assert_error(await server.http.post("/v2/payments", headers=viewer.auth, data=form), status, *fields)
    assert await count_rows(server, Payment, merchant.id) == 0
    methods = (await server.http.get("/payments/methods", headers=viewer.auth)).json()
    assert [m["method_name"] for m in methods] == ["Card", "Paypal", "Direct Debit", "iDEAL", "Google Pay", "Apple Pay"]
    assert item_id
