"""Donations by card: `POST /v2/payments/donation` (createDonationPayment) and `POST /v2/payments/donation:confirm`
(confirmDonationPayment), with the merchant's donation amounts or one of the viewer's own."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from boxoffice.access.models import Entitlement
from boxoffice.billing import ledger
from boxoffice.billing.models import LedgerEntry, Payment, PaymentProfile
from boxoffice.gateways.models import SandboxCharge
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.catalog import add_item
from tests.dialects.inplayer.conftest import (
    Merchant,
    Viewer,
    assert_error,
    count_rows,
    fetch_rows,
    make_merchant,
    sign_up,
)
from tests.dialects.inplayer.test_payments import (
    CHALLENGE,
    DECLINED,
    VISA,
    books_hold,
    card_form,
    pay,
    priced_item,
)


def donation_form(item_id: int, number: str = VISA, **extra: str) -> dict[str, str]:
    """The form the SDK's `createDonationPayment` sends."""
    return {
        "number": number,
        "card_name": "Vera Viewer",
        "exp_month": "12",
        "exp_year": str(clock.now().year + 2),
        "cvv": "123",
        "payment_method": "card",
        "referrer": "https://app.example.com/film",
        "branding_id": "undefined",
        "currency_iso": "EUR",
        "amount": "5",
        "item_id": str(item_id),
        "return_url": "https://app.example.com/film?ippwat=ppv",
    } | extra


async def donate(server: Server, viewer: Viewer, form: dict[str, str], key: str | None = None) -> httpx.Response:
    headers = viewer.auth | ({"Idempotency-Key": key} if key else {})
    return await server.http.post("/v2/payments/donation", headers=headers, data=form)


async def confirm(server: Server, viewer: Viewer, pi_id: str, **extra: str) -> httpx.Response:
    form = {"pi_id": pi_id, "branding_id": "undefined", "payment_method": "card"} | extra
    return await server.http.post("/v2/payments/donation:confirm", headers=viewer.auth, data=form)


async def add_option(
    server: Server, merchant: Merchant, item_id: int, amount: str = "5.00", description: str = "A coffee"
) -> dict[str, Any]:
    form = {"amount": amount, "currency": "EUR", "description": description}
    response = await server.http.post(f"/v2/items/{item_id}/donations", headers=merchant.auth, data=form)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def allow_own_amounts(server: Server, merchant: Merchant, item_id: int) -> None:
    response = await server.http.put(
        f"/v2/items/{item_id}/donation-options", headers=merchant.auth, data={"custom_price_enabled": "true"}
    )
    assert response.status_code == 200, response.text


async def nothing_written(server: Server, merchant: Merchant) -> None:
    for model in (Payment, SandboxCharge, LedgerEntry, Entitlement, PaymentProfile):
        assert await count_rows(server, model, merchant.id) == 0, model


async def test_a_donation_of_one_of_the_items_amounts_is_charged_booked_and_opens_nothing(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item = await add_item(server, merchant)
    option = await add_option(server, merchant, item["id"], amount="7.50")
    # The option's amount and currency win over what the form says.
    form = donation_form(item["id"], donation_id=str(option["id"]), amount="1.00", currency_iso="USD")
    given = await donate(server, viewer, form)
    assert given.status_code == 200, given.text
    assert given.json() == {"code": 200, "message": "Submitted for payment"}
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.kind, payment.status, payment.amount, payment.currency) == ("donation", "succeeded", 750, "EUR")
    assert (payment.product_id, payment.price_id, payment.donation_option_id) == (item["id"], None, option["id"])
    assert payment.entitlement_id is None and await count_rows(server, Entitlement, merchant.id) == 0
    assert (await server.http.get(f"/items/{item['id']}/access", headers=viewer.auth)).status_code == 402
    assert await books_hold(server, merchant) == {"EUR": 750}
    async with server.app.state.sessions() as session:
        assert await ledger.balance(session, merchant.id, "revenue", "EUR") == -750
    # The history names it, to the viewer and to the merchant, even once the option is gone.
    await server.http.delete(f"/v2/items/{item['id']}/donations/{option['id']}", headers=merchant.auth)
    [mine] = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()["collection"]
    assert (mine["action_type"], mine["donation_description"], mine["charged_amount"]) == ("donation", "A coffee", 7.5)
    assert mine["item_id"] == item["id"] and "gift" not in mine
    [theirs] = (await server.http.get("/payments/transactions", headers=merchant.auth)).json()["collection"]
    assert (theirs["action_type"], theirs["donation_description"]) == ("donation", "A coffee")


async def test_a_donation_of_the_viewers_own_amount_where_the_item_allows_it(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item = await add_item(server, merchant)
    await allow_own_amounts(server, merchant, item["id"])
    given = await donate(server, viewer, donation_form(item["id"], amount="12.34", currency_iso="usd"))
    assert given.status_code == 200, given.text
    yen = await donate(server, viewer, donation_form(item["id"], amount="500", currency_iso="JPY"))
    assert yen.status_code == 200, yen.text
    payments = await fetch_rows(server, Payment, merchant.id)
    assert [(p.kind, p.amount, p.currency, p.donation_option_id) for p in payments] == [
        ("donation", 1234, "USD", None),
        ("donation", 500, "JPY", None),
    ]
    assert await books_hold(server, merchant) == {"USD": 1234, "JPY": 500}
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()["collection"]
    assert [(row["charged_amount"], row["donation_description"]) for row in history] == [(500, ""), (12.34, "")]


async def test_an_amount_of_ones_own_is_refused_where_the_item_takes_only_its_amounts(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item = await add_item(server, merchant)
    await add_option(server, merchant, item["id"])
    assert_error(await donate(server, viewer, donation_form(item["id"], amount="5.00")), 422, "donation_id")
    await nothing_written(server, merchant)


async def test_another_items_or_merchants_donation_amount_is_refused(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item, other = await add_item(server, merchant), await add_item(server, merchant, title="Semi final")
    await allow_own_amounts(server, merchant, item["id"])
    others_option = await add_option(server, merchant, other["id"])
    rival = await make_merchant(server, "owner@rival.example.com")
    rival_item = await add_item(server, rival)
    rival_option = await add_option(server, rival, rival_item["id"])
    for option_id in (others_option["id"], rival_option["id"], 999_999):
        form = donation_form(item["id"], donation_id=str(option_id))
        assert_error(await donate(server, viewer, form), 422, "donation_id")
    # Another merchant's item is as unknown as one that doesn't exist.
    for item_id in (rival_item["id"], 999_999):
        form = donation_form(item_id, donation_id=str(rival_option["id"]))
        assert_error(await donate(server, viewer, form), 404)
    await nothing_written(server, merchant)
    await nothing_written(server, rival)


async def test_bad_donations_are_refused_and_write_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_item(server, merchant)
    await allow_own_amounts(server, merchant, item["id"])
    item_id = item["id"]
    cases: list[tuple[dict[str, str], int, tuple[str, ...]]] = [
        (donation_form(item_id, amount="abc"), 422, ("amount",)),
        (donation_form(item_id, amount="0"), 422, ("amount",)),
        (donation_form(item_id, amount="-5"), 422, ("amount",)),
        (donation_form(item_id, amount="1.234"), 422, ("amount",)),
        (donation_form(item_id, amount="1000000.00"), 422, ("amount",)),  # over what a gateway takes at once
        (donation_form(item_id, amount=""), 422, ("amount",)),
        (donation_form(item_id, currency_iso="XYZ"), 422, ("currency_iso",)),
        (donation_form(item_id, currency_iso=""), 422, ("currency_iso",)),
        (donation_form(item_id) | {"item_id": ""}, 422, ("item_id",)),
        (donation_form(item_id) | {"item_id": "film"}, 422, ("item_id",)),
        (donation_form(item_id, donation_id="first"), 422, ("donation_id",)),
        (donation_form(item_id, payment_method="2"), 422, ("payment_method",)),
        (donation_form(item_id, number=""), 422, ("number",)),
        (donation_form(item_id, number="4242424242424241"), 422, ("number",)),
        (donation_form(item_id, cvv=""), 422, ("cvv",)),
        (donation_form(item_id, exp_year=str(clock.now().year - 1)), 422, ("exp_year",)),
    ]
    for form, status, fields in cases:
        assert_error(await donate(server, viewer, form), status, *fields)
    assert_error(await donate(server, viewer, donation_form(item_id), key="k" * 151), 422, "idempotency_key")
    assert_error(await server.http.post("/v2/payments/donation", data=donation_form(item_id)), 401)
    assert_error(
        await server.http.post("/v2/payments/donation", headers=merchant.auth, data=donation_form(item_id)), 403
    )
    await nothing_written(server, merchant)


async def test_a_declined_card_gives_nothing(server: Server, merchant: Merchant, viewer: Viewer) -> None:
    item = await add_item(server, merchant)
    option = await add_option(server, merchant, item["id"])
    form = donation_form(item["id"], DECLINED, donation_id=str(option["id"]))
    refused = assert_error(await donate(server, viewer, form), 402, "decline_code")
    assert refused["errors"]["decline_code"] == "card_declined"
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.kind, payment.status) == ("donation", "declined")
    assert await count_rows(server, LedgerEntry, merchant.id) == 0
    [row] = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()["collection"]
    assert (row["action_type"], row["note"]) == ("failed", "card_declined")


async def test_a_3d_secure_donation_is_settled_by_its_confirm(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item = await add_item(server, merchant)
    option = await add_option(server, merchant, item["id"])
    submitted = await donate(server, viewer, donation_form(item["id"], CHALLENGE, donation_id=str(option["id"])))
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["message"] == "Submitted for payment" and body["pi_id"].startswith("pi_")
    assert await count_rows(server, LedgerEntry, merchant.id) == 0
    page = body["redirect_to_url"].removeprefix("http://testserver")
    back = await server.http.get(page, params={"result": "success"})
    assert back.status_code == 303
    assert back.headers["location"] == f"https://app.example.com/film?ippwat=ppv&payment_intent={body['pi_id']}"
    confirmed = await confirm(server, viewer, body["pi_id"], donation_id=str(option["id"]))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"code": 200, "message": "Submitted for payment"}
    # Confirming again changes nothing.
    assert (await confirm(server, viewer, body["pi_id"])).status_code == 200
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert (payment.kind, payment.status) == ("donation", "succeeded")
    assert await count_rows(server, Entitlement, merchant.id) == 0
    assert await books_hold(server, merchant) == {"EUR": 500}


async def test_a_failed_challenge_is_a_decline_and_confirm_takes_only_donations(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item = await add_item(server, merchant)
    await allow_own_amounts(server, merchant, item["id"])
    body = (await donate(server, viewer, donation_form(item["id"], CHALLENGE))).json()
    await server.http.get(body["redirect_to_url"].removeprefix("http://testserver"), params={"result": "fail"})
    refused = assert_error(await confirm(server, viewer, body["pi_id"]), 402)
    assert refused["errors"] == {"decline_code": "authentication_failed"}
    assert await count_rows(server, LedgerEntry, merchant.id) == 0
    # A purchase's challenge is confirmed where it was made; someone else's donation is not found.
    _, fee_id = await priced_item(server, merchant)
    purchase = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    assert_error(await confirm(server, viewer, purchase["pi_id"]), 404)
    other = (await donate(server, viewer, donation_form(item["id"], CHALLENGE))).json()
    rival = await make_merchant(server, "owner@rival.example.com")
    outsider = await sign_up(server, rival, email="fan@rival.example.com")
    assert_error(await confirm(server, outsider, other["pi_id"]), 404)
    assert_error(await confirm(server, viewer, "pi_unknown"), 404)
    assert_error(await confirm(server, viewer, ""), 422, "pi_id")
    assert_error(await server.http.post("/v2/payments/donation:confirm", data={"pi_id": other["pi_id"]}), 401)
    statuses = [p.status for p in await fetch_rows(server, Payment, merchant.id)]
    assert statuses == ["declined", "requires_action", "requires_action"]


async def test_one_idempotency_key_sent_ten_times_at_once_charges_once(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item = await add_item(server, merchant)
    await allow_own_amounts(server, merchant, item["id"])
    form = donation_form(item["id"], amount="3.00")
    answers = await asyncio.gather(*(donate(server, viewer, form, key="gift-1") for _ in range(10)))
    assert {a.status_code for a in answers} <= {200, 409}
    assert any(a.status_code == 200 for a in answers)
    assert await count_rows(server, Payment, merchant.id) == 1
    assert await count_rows(server, SandboxCharge, merchant.id) == 1
    assert await books_hold(server, merchant) == {"EUR": 300}
    assert (await donate(server, viewer, form, key="gift-1")).status_code == 200
    assert_error(await donate(server, viewer, donation_form(item["id"], amount="4.00"), key="gift-1"), 409)
    assert await count_rows(server, Payment, merchant.id) == 1
