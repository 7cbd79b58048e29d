"""A merchant's payment gateway: the settings (`PUT /payments/gateway`, secrets sealed and masked), and payments,
refunds, subscriptions, renewals and 3-D Secure through Stripe — Stripe's servers played by a local fake that
speaks its wire format — with its signed webhook events settling payments through the worker."""

from __future__ import annotations

import pytest

from boxoffice.billing.models import Payment
from boxoffice.gateways.models import MerchantGateway
from boxoffice.kit import clock
from boxoffice.kit.sealing import new_key
from boxoffice.kit.settings import Settings
from tests.conftest import Server
from tests.dialects.inplayer.conftest import Merchant, Viewer, assert_error, fetch_rows
from tests.dialects.inplayer.test_payments import CHALLENGE, books_hold, card_form, pay, priced_item
from tests.dialects.inplayer.test_subscriptions import (
    access_expiry,
    monthly_fee,
    only_subscription,
    renew,
    subscribe,
)
from tests.gateways.fake_stripe import FakeStripe, event, sign_webhook

SECRET_KEY, WEBHOOK_SECRET = "sk_test_" + "a1B2c3D4" * 3, "whsec_" + "Zx9" * 10


@pytest.fixture
def settings(settings: Settings, stripe: FakeStripe) -> Settings:
    """Stripe's API at the fake; secrets sealed with an encryption key; tokens that outlive a renewal."""
    return settings.model_copy(
        update={
            "stripe_api_base": stripe.base_url,
            "encryption_keys": [new_key()],
            "access_token_ttl": 400 * 86400,
        }
    )


async def use_stripe(server: Server, merchant: Merchant) -> dict[str, object]:
    form = {"gateway": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": WEBHOOK_SECRET}
    chosen = await server.http.put("/payments/gateway", headers=merchant.auth, data=form)
    assert chosen.status_code == 200, chosen.text
    return dict(chosen.json())


async def test_a_merchant_chooses_stripe_and_its_secrets_are_sealed_and_masked(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    first = await server.http.get("/payments/gateway", headers=merchant.auth)
    assert first.status_code == 200 and first.json()["gateway"] == "sandbox"
    assert first.json()["stripe"]["secret_key"] is None
    bad_forms = [
        ({"gateway": "paypal"}, "gateway"),
        ({"gateway": "stripe"}, "stripe_secret_key"),
        ({"gateway": "stripe", "stripe_secret_key": "pk_test_abcdefgh1234"}, "stripe_secret_key"),
        (
            {"gateway": "stripe", "stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": "nope"},
            "stripe_webhook_secret",
        ),
    ]
    for form, field in bad_forms:
        assert_error(await server.http.put("/payments/gateway", headers=merchant.auth, data=form), 422, field)
    assert await fetch_rows(server, MerchantGateway, merchant.id) == []
    assert_error(await server.http.put("/payments/gateway", headers=viewer.auth, data={"gateway": "sandbox"}), 403)
    shown = await use_stripe(server, merchant)
    assert shown["gateway"] == "stripe"
    stripe_shown = shown["stripe"]
    assert isinstance(stripe_shown, dict)
    assert stripe_shown["secret_key"] == SECRET_KEY[:8] + "****" + SECRET_KEY[-4:]
    assert stripe_shown["webhook_secret_set"] is True
    assert stripe_shown["webhook_url"] == f"http://testserver/webhooks/gateways/stripe/{merchant.uuid}"
    [row] = await fetch_rows(server, MerchantGateway, merchant.id)
    assert SECRET_KEY not in (row.stripe_secret_key or "") and WEBHOOK_SECRET not in (row.stripe_webhook_secret or "")
    # Back to the sandbox, keeping the Stripe key for later.
    back = await server.http.put("/payments/gateway", headers=merchant.auth, data={"gateway": "sandbox"})
    assert back.json()["gateway"] == "sandbox" and back.json()["stripe"]["secret_key"] is not None


async def test_payments_refunds_and_renewals_go_through_stripe(
    server: Server, merchant: Merchant, viewer: Viewer, stripe: FakeStripe, frozen: clock.FrozenClock
) -> None:
    await use_stripe(server, merchant)
    item_id, fee_id = await priced_item(server, merchant)
    methods = (await server.http.get("/payments/methods", headers=viewer.auth)).json()
    assert [m["method_name"] for m in methods] == ["Card"]  # the others need Stripe.js on the page
    ideal = {"payment_method": "ideal", "access_fee_id": str(fee_id), "bank": "ing", "return_url": "https://a.example"}
    assert_error(await server.http.post("/v2/payments", headers=viewer.auth, data=ideal), 422, "payment_method")
    assert await fetch_rows(server, Payment, merchant.id) == []
    paid = await pay(server, viewer, card_form(fee_id))
    assert paid.status_code == 200, paid.text
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.gateway == "stripe" and payment.gateway_charge_id in stripe.intents
    assert stripe.intents[payment.gateway_charge_id]["amount"] == 499
    history = (await server.http.get("/v2/accounting/payment-history", headers=viewer.auth)).json()
    token = history["collection"][0]["transaction_token"]
    assert token == f"C-{payment.id}-ST"
    # A subscription through Stripe renews through Stripe, off-session, once.
    _, monthly = await monthly_fee(server, merchant)
    assert (await subscribe(server, viewer, monthly)).status_code == 200
    frozen.advance(days=32)
    assert (await renew(server)).renewed == 1
    assert (await renew(server)).handled == 0
    intents = [i for i in stripe.intents.values() if i["amount"] == 999]
    assert [i["status"] for i in intents] == ["succeeded", "succeeded"]
    assert (await only_subscription(server, viewer))["subscription_id"].endswith("-ST")
    assert await books_hold(server, merchant) == {"EUR": 499 + 999 + 999}
    refunded = await server.http.post(
        "/v2/payments/refunds", headers=merchant.auth, data={"transaction_token": token, "amount": "1.99"}
    )
    assert refunded.status_code == 200, refunded.text
    assert stripe.refunded(payment.gateway_charge_id) == 199


async def test_a_signed_stripe_event_settles_a_challenged_payment_through_the_worker(
    server: Server, merchant: Merchant, viewer: Viewer, stripe: FakeStripe
) -> None:
    await use_stripe(server, merchant)
    item_id, fee_id = await priced_item(server, merchant)
    body = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    await server.run_jobs()  # what signing up queued (the welcome e-mail)
    intent_id = body["pi_id"]
    assert stripe.intents[intent_id]["status"] == "requires_action"
    stripe.complete_challenge(intent_id, passed=True)
    payload = event("payment_intent.succeeded", stripe.intents[intent_id])
    endpoint = f"/webhooks/gateways/stripe/{merchant.uuid}"
    forged = await server.http.post(
        endpoint, content=payload, headers={"Stripe-Signature": sign_webhook(payload, "whsec_" + "wrong" * 6)}
    )
    assert forged.status_code == 400
    assert await server.run_jobs() == 0
    signed = await server.http.post(
        endpoint, content=payload, headers={"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)}
    )
    assert signed.status_code == 200 and signed.json() == {"received": True, "queued": True}
    # Told twice, as Stripe may: settled once.
    await server.http.post(
        endpoint, content=payload, headers={"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)}
    )
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    assert await server.run_jobs() == 2
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == "succeeded"
    assert await books_hold(server, merchant) == {"EUR": 499}
    other = event("customer.created", {"id": "cus_x", "object": "customer"})
    ignored = await server.http.post(
        endpoint, content=other, headers={"Stripe-Signature": sign_webhook(other, WEBHOOK_SECRET)}
    )
    assert ignored.json() == {"received": True, "queued": False}
    unknown = await server.http.post(
        "/webhooks/gateways/stripe/00000000-0000-0000-0000-000000000000",
        content=payload,
        headers={"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)},
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("passed", "stripe_type", "shown"),
    [(True, "setup_intent.succeeded", "free-trial"), (False, "setup_intent.setup_failed", "incomplete")],
)
async def test_a_signed_stripe_setup_event_settles_a_challenged_trial_through_the_worker(
    server: Server,
    merchant: Merchant,
    viewer: Viewer,
    stripe: FakeStripe,
    frozen: clock.FrozenClock,
    passed: bool,
    stripe_type: str,
    shown: str,
) -> None:
    await use_stripe(server, merchant)
    item_id, fee_id = await monthly_fee(server, merchant, trial_period_quantity="7", trial_period_period="day")
    body = (await subscribe(server, viewer, fee_id, CHALLENGE)).json()
    await server.run_jobs()  # what signing up queued (the welcome e-mail)
    setup_id = body["pi_id"]
    assert stripe.setup_intents[setup_id]["status"] == "requires_action"
    stripe.complete_challenge(setup_id, passed=passed)
    payload = event(stripe_type, stripe.setup_intents[setup_id])
    endpoint = f"/webhooks/gateways/stripe/{merchant.uuid}"
    told = await server.http.post(
        endpoint, content=payload, headers={"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET)}
    )
    assert told.status_code == 200 and told.json() == {"received": True, "queued": True}
    assert await server.run_jobs() == 1
    assert (await only_subscription(server, viewer))["action_type"] == shown
    assert (await access_expiry(server, viewer, item_id) is not None) is passed
    [payment] = await fetch_rows(server, Payment, merchant.id)
    assert payment.status == ("succeeded" if passed else "declined")
    assert stripe.intents == {}  # a trial: nobody was charged


async def test_the_sandbox_settles_a_challenge_through_the_worker_if_the_app_never_confirms(
    server: Server, merchant: Merchant, viewer: Viewer
) -> None:
    item_id, fee_id = await priced_item(server, merchant)
    body = (await pay(server, viewer, card_form(fee_id, CHALLENGE))).json()
    await server.run_jobs()  # what signing up queued (the welcome e-mail)
    await server.http.get(body["redirect_to_url"].removeprefix("http://testserver"), params={"result": "success"})
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 402
    assert await server.run_jobs() == 1
    assert (await server.http.get(f"/items/{item_id}/access", headers=viewer.auth)).status_code == 200
    # The app's confirmPayment afterwards finds it done.
    assert (await server.http.post("/payments", headers=viewer.auth, data={"pi_id": body["pi_id"]})).status_code == 200
    assert await books_hold(server, merchant) == {"EUR": 499}
    # A failed challenge, told by the event, is a decline: no access, nothing in the books.
    _, other_fee = await priced_item(server, merchant)
    failed = (await pay(server, viewer, card_form(other_fee, CHALLENGE))).json()
    await server.http.get(failed["redirect_to_url"].removeprefix("http://testserver"), params={"result": "fail"})
    assert await server.run_jobs() == 1
    declined = [p for p in await fetch_rows(server, Payment, merchant.id) if p.status == "declined"]
    assert [p.decline_code for p in declined] == ["authentication_failed"]
