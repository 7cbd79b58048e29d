"""The sandbox's 3-D Secure page, as a viewer sent there by `redirect_to_url` uses it."""

from __future__ import annotations

import pytest

from boxoffice.gateways.protocol import Card
from boxoffice.gateways.sandbox import SandboxGateway
from boxoffice.kit import clock
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, make_merchant, sign_up
from tests.dialects.inplayer.test_payments import card_form, pay, priced_item
from tests.dialects.inplayer.test_receipts import set_locale

CHALLENGE = "4000002500003155"


@pytest.fixture
async def merchant(server: Server) -> Merchant:
    return await make_merchant(server)


async def challenged(server: Server, merchant: Merchant, key: str, return_url: str | None) -> str:
    gateway: SandboxGateway = server.app.state.sandbox
    customer = await gateway.create_customer(merchant.id, email="v@example.com", name="Vera")
    method = await gateway.save_payment_method(
        merchant.id, customer, Card(CHALLENGE, 12, clock.now().year + 1, "123", "Vera")
    )
    result = await gateway.charge(
        merchant.id,
        amount=499,
        currency="EUR",
        customer_ref=customer,
        method_token=method.token,
        idempotency_key=key,
        return_url=return_url,
    )
    assert result.status == "requires_action" and result.redirect_url is not None
    assert result.redirect_url.startswith("http://testserver/sandbox/3ds/")
    return result.redirect_url.removeprefix("http://testserver")


async def test_passing_the_challenge_settles_the_charge_and_returns_to_the_app(
    server: Server, merchant: Merchant
) -> None:
    page = await challenged(server, merchant, "k1", "https://app.example.com/done?ippwat=ppv")
    shown = await server.http.get(page)
    assert shown.status_code == 200 and "text/html" in shown.headers["content-type"]
    assert "?result=success" in shown.text and "?result=fail" in shown.text
    assert "a payment of 4.99 EUR." in shown.text
    answered = await server.http.get(page, params={"result": "success"})
    charge_id = page.rsplit("/", 1)[1]
    assert answered.status_code == 303
    assert answered.headers["location"] == f"https://app.example.com/done?ippwat=ppv&payment_intent={charge_id}"
    settled = await server.app.state.sandbox.confirm(merchant.id, charge_id)
    assert settled.status == "succeeded"
    again = await server.http.get(page)
    assert again.status_code == 200 and "Already answered" in again.text


async def test_failing_the_challenge_declines_the_charge(server: Server, merchant: Merchant) -> None:
    page = await challenged(server, merchant, "k2", None)
    answered = await server.http.get(page, params={"result": "fail"})
    assert answered.status_code == 200 and "return to the app" in answered.text
    settled = await server.app.state.sandbox.confirm(merchant.id, page.rsplit("/", 1)[1])
    assert (settled.status, settled.decline_code) == ("declined", "authentication_failed")


async def test_a_page_for_nothing_is_a_clear_refusal(server: Server, merchant: Merchant) -> None:
    page = await challenged(server, merchant, "k3", None)
    charge_id = page.rsplit("/", 1)[1]
    unknown = await server.http.get(f"/sandbox/3ds/{merchant.id}/pi_{'0' * 24}")
    assert unknown.status_code == 404
    # Another merchant's id in the path finds nothing of this one's.
    assert (await server.http.get(f"/sandbox/3ds/{merchant.id + 1}/{charge_id}")).status_code == 404
    for bad in (f"/sandbox/3ds/0/{charge_id}", f"/sandbox/3ds/{merchant.id}/not-a-charge", "/sandbox/3ds/x/pi_1"):
        assert (await server.http.get(bad)).status_code == 422, bad
    assert (await server.app.state.sandbox.confirm(merchant.id, charge_id)).status == "requires_action"


@pytest.mark.parametrize(("locale", "amount"), [("de_DE", "4,99\u00a0€"), ("fr", "4,99\u00a0€"), ("ja", "€4.99")])
async def test_the_page_shows_the_amount_in_the_payers_locale(
    server: Server, merchant: Merchant, locale: str, amount: str
) -> None:
    viewer = await sign_up(server, merchant)
    await set_locale(server, merchant, viewer, locale)
    _, fee_id = await priced_item(server, merchant)
    submitted = await pay(server, viewer, card_form(fee_id, CHALLENGE))
    assert submitted.status_code == 200, submitted.text
    shown = await server.http.get(submitted.json()["redirect_to_url"].removeprefix("http://testserver"))
    assert shown.status_code == 200
    assert f"a payment of {amount}." in shown.text
