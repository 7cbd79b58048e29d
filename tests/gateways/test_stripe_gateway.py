"""The Stripe gateway, driven through Stripe's own library against a fake Stripe that speaks its wire format: test
cards, declines as answers, 3-D Secure, idempotency keys, refunds, setups, failures of unknown outcome, signed
events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from boxoffice.gateways.protocol import (
    Card,
    CardRejected,
    ChargeResult,
    GatewayError,
    PaymentGateway,
    SavedMethod,
    SetupResult,
)
from boxoffice.gateways.sandbox import IdempotencyMismatch
from boxoffice.gateways.stripe_gateway import StripeGateway
from tests.conftest import free_port
from tests.gateways.fake_stripe import FakeStripe, event, sign_webhook

MERCHANT, RIVAL = 7, 8
SECRET = "whsec_test_secret"
RETURN = "https://shop.example/paid"
NEXT_YEAR = time.gmtime().tm_year + 1

# The stripe library hands httpx its encoded form as raw `data`, which httpx deprecates: theirs, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server


def gateway_for(fake: FakeStripe, *, timeout: float = 10.0, api_key: str = "sk_test_fake") -> StripeGateway:
    # No retries: a failure must surface as one, at once, and every request must reach the fake and nothing else.
    return StripeGateway(api_key, api_base=fake.base_url, webhook_secret=SECRET, timeout=timeout, max_network_retries=0)


@pytest.fixture
async def gateway(fake: FakeStripe) -> AsyncIterator[StripeGateway]:
    gateway = gateway_for(fake)
    yield gateway
    await gateway.aclose()


def card(number: str, *, month: int = 12, year: int = NEXT_YEAR) -> Card:
    return Card(number, month, year, "123", "Vera Viewer")


async def customer_with(gateway: StripeGateway, number: str, merchant: int = MERCHANT) -> tuple[str, str]:
    customer = await gateway.create_customer(merchant, email="vera@example.com", name="Vera")
    method = await gateway.save_payment_method(merchant, customer, card(number))
    return customer, method.token


async def charge(
    gateway: StripeGateway,
    number: str,
    *,
    key: str = "order-1",
    amount: int = 499,
    return_url: str | None = None,
    merchant: int = MERCHANT,
) -> ChargeResult:
    customer, method = await customer_with(gateway, number, merchant)
    return await gateway.charge(
        merchant,
        amount=amount,
        currency="EUR",
        customer_ref=customer,
        method_token=method,
        idempotency_key=key,
        return_url=return_url,
    )


async def set_up(
    gateway: StripeGateway,
    number: str,
    *,
    key: str = "setup-1",
    return_url: str | None = RETURN,
    merchant: int = MERCHANT,
) -> SetupResult:
    customer, method = await customer_with(gateway, number, merchant)
    return await gateway.set_up(
        merchant, customer_ref=customer, method_token=method, idempotency_key=key, return_url=return_url
    )


def nothing_charged(fake: FakeStripe) -> bool:
    return fake.intents == {} and fake.count("POST", "/v1/payment_intents") == 0


def test_the_stripe_gateway_is_a_payment_gateway(fake: FakeStripe) -> None:
    typed: PaymentGateway = gateway_for(fake)
    assert typed.name == "stripe"
    assert "sk_test_fake" not in repr(typed) and "sk_test_fake" not in repr(vars(typed))


async def test_a_customer_and_a_card_are_kept_by_stripe(gateway: StripeGateway, fake: FakeStripe) -> None:
    customer = await gateway.create_customer(MERCHANT, email="vera@example.com", name="Vera")
    saved = await gateway.save_payment_method(MERCHANT, customer, card("4242 4242 4242 4242", month=7, year=2031))

    assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year) == ("visa", "4242", 7, 2031)
    assert saved.token.startswith("pm_") and "4242424242424242" not in saved.token
    kept = fake.customers[customer]
    assert (kept["email"], kept["name"], kept["metadata"]) == ("vera@example.com", "Vera", {"merchant_id": "7"})
    assert fake.methods[saved.token]["customer"] == customer
    assert kept["invoice_settings"]["default_payment_method"] == saved.token


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (card("4242424242424242", month=1, year=2001), "expired_card"),
        (card("4242424242424241"), "incorrect_number"),
    ],
)
async def test_a_card_stripe_refuses_is_rejected_and_never_attached(
    gateway: StripeGateway, fake: FakeStripe, bad: Card, code: str
) -> None:
    customer = await gateway.create_customer(MERCHANT, email="vera@example.com", name="Vera")
    with pytest.raises(CardRejected) as rejected:
        await gateway.save_payment_method(MERCHANT, customer, bad)
    assert rejected.value.code == code and rejected.value.message
    assert fake.methods == {} and fake.count("POST", f"/v1/customers/{customer}") == 0


@pytest.mark.parametrize(
    ("number", "status", "decline"),
    [
        ("4242424242424242", "succeeded", None),
        ("5555555555554444", "succeeded", None),
        ("4000000000000002", "declined", "card_declined"),
        ("4000000000009995", "declined", "insufficient_funds"),
        ("4000000000000069", "declined", "expired_card"),
    ],
)
async def test_test_cards_charge_as_their_numbers_say(
    gateway: StripeGateway, fake: FakeStripe, number: str, status: str, decline: str | None
) -> None:
    result = await charge(gateway, number)

    assert (result.status, result.decline_code, result.amount, result.currency) == (status, decline, 499, "EUR")
    assert result.redirect_url is None
    # A decline still names the intent Stripe made, read from the 402's error body.
    intent = fake.intents[result.charge_id]
    assert (intent["amount"], intent["currency"], intent["metadata"]) == (499, "eur", {"merchant_id": "7"})
    assert intent["status"] == ("succeeded" if status == "succeeded" else "requires_payment_method")
    assert (await gateway.confirm(MERCHANT, result.charge_id)) == result


@pytest.mark.parametrize(
    ("passed", "status", "decline"), [(True, "succeeded", None), (False, "declined", "authentication_failed")]
)
async def test_a_3ds_challenge_redirects_then_settles(
    gateway: StripeGateway, fake: FakeStripe, passed: bool, status: str, decline: str | None
) -> None:
    challenged = await charge(gateway, "4000002500003155", return_url=RETURN)
    assert challenged.status == "requires_action"
    assert challenged.redirect_url == fake.intents[challenged.charge_id]["next_action"]["redirect_to_url"]["url"]
    assert fake.intents[challenged.charge_id]["next_action"]["redirect_to_url"]["return_url"] == RETURN
    assert (await gateway.confirm(MERCHANT, challenged.charge_id)).status == "requires_action"

    fake.complete_challenge(challenged.charge_id, passed=passed)
    settled = await gateway.confirm(MERCHANT, challenged.charge_id)
    assert (settled.charge_id, settled.status, settled.decline_code) == (challenged.charge_id, status, decline)
    assert settled.redirect_url is None


async def test_a_card_needing_3ds_is_declined_when_nobody_is_there_to_pass_it(gateway: StripeGateway) -> None:
    result = await charge(gateway, "4000002500003155", return_url=None)
    assert (result.status, result.decline_code) == ("declined", "authentication_required")


async def test_one_idempotency_key_makes_one_intent_even_when_sent_at_once(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    customer, method = await customer_with(gateway, "4242424242424242")

    async def attempt(amount: int = 499) -> ChargeResult:
        return await gateway.charge(
            MERCHANT,
            amount=amount,
            currency="EUR",
            customer_ref=customer,
            method_token=method,
            idempotency_key="order-1",
        )

    results = await asyncio.gather(*(attempt() for _ in range(10)))
    assert len({r.charge_id for r in results}) == 1 and results[0].status == "succeeded"
    assert fake.count("POST", "/v1/payment_intents") == 10
    assert len(fake.intents) == 1

    with pytest.raises(IdempotencyMismatch, match="same parameters"):
        await attempt(amount=999)
    assert len(fake.intents) == 1


async def test_a_declined_charge_asked_again_is_the_same_decline(gateway: StripeGateway, fake: FakeStripe) -> None:
    first = await charge(gateway, "4000000000009995", key="order-1")
    intent = fake.intents[first.charge_id]
    again = await gateway.charge(
        MERCHANT,
        amount=499,
        currency="EUR",
        customer_ref=intent["customer"],
        method_token=intent["payment_method"],
        idempotency_key="order-1",
    )
    assert first == again and first.status == "declined"
    assert len(fake.intents) == 1


async def test_idempotency_keys_belong_to_their_merchant(gateway: StripeGateway, fake: FakeStripe) -> None:
    ours = await charge(gateway, "4242424242424242", key="order-1")
    theirs = await charge(gateway, "4242424242424242", key="order-1", merchant=RIVAL)
    assert ours.charge_id != theirs.charge_id and len(fake.intents) == 2


async def test_refunds_never_exceed_the_charge_and_are_idempotent(gateway: StripeGateway, fake: FakeStripe) -> None:
    paid = await charge(gateway, "4242424242424242", amount=1000)

    first = await gateway.refund(MERCHANT, paid.charge_id, 400, "refund-1")
    assert (first.charge_id, first.amount) == (paid.charge_id, 400) and first.refund_id.startswith("re_")
    assert (await gateway.refund(MERCHANT, paid.charge_id, 400, "refund-1")) == first
    with pytest.raises(IdempotencyMismatch):
        await gateway.refund(MERCHANT, paid.charge_id, 500, "refund-1")
    with pytest.raises(GatewayError, match="greater than unrefunded"):
        await gateway.refund(MERCHANT, paid.charge_id, 601, "refund-2")
    assert fake.refunded(paid.charge_id) == 400

    assert (await gateway.refund(MERCHANT, paid.charge_id, 600, "refund-3")).amount == 600
    with pytest.raises(GatewayError, match="already been refunded"):
        await gateway.refund(MERCHANT, paid.charge_id, 1, "refund-4")
    assert fake.refunded(paid.charge_id) == 1000 and len(fake.refunds) == 2


async def test_a_whole_refund_and_a_declined_charge(gateway: StripeGateway, fake: FakeStripe) -> None:
    paid = await charge(gateway, "4242424242424242", amount=1000)
    assert (await gateway.refund(MERCHANT, paid.charge_id, 1000, "refund-1")).amount == 1000
    declined = await charge(gateway, "4000000000000002", key="order-2")
    with pytest.raises(GatewayError, match="successful charge"):
        await gateway.refund(MERCHANT, declined.charge_id, 1, "refund-2")
    assert fake.refunded(declined.charge_id) == 0


async def test_charges_belong_to_their_merchant(gateway: StripeGateway, fake: FakeStripe) -> None:
    paid = await charge(gateway, "4242424242424242")
    with pytest.raises(GatewayError, match="no such charge"):
        await gateway.confirm(RIVAL, paid.charge_id)
    with pytest.raises(GatewayError, match="no such charge"):
        await gateway.refund(RIVAL, paid.charge_id, 1, "r")
    assert fake.refunds == {}
    with pytest.raises(GatewayError, match="No such payment_intent"):
        await gateway.confirm(MERCHANT, "pi_missing")


@pytest.mark.parametrize(("number", "brand"), [("4242424242424242", "visa"), ("5555555555554444", "mastercard")])
async def test_a_setup_keeps_the_card_for_later_and_charges_nothing(
    gateway: StripeGateway, fake: FakeStripe, number: str, brand: str
) -> None:
    customer = await gateway.create_customer(MERCHANT, email="vera@example.com", name="Vera")
    saved = await gateway.save_payment_method(MERCHANT, customer, card(number, month=7, year=NEXT_YEAR))
    result = await gateway.set_up(
        MERCHANT, customer_ref=customer, method_token=saved.token, idempotency_key="setup-1", return_url=RETURN
    )

    assert (result.status, result.decline_code, result.redirect_url) == ("succeeded", None, None)
    assert result.customer_ref == customer
    assert result.method == SavedMethod(saved.token, brand, number[-4:], 7, NEXT_YEAR)
    setup = fake.setup_intents[result.setup_id]
    assert (setup["usage"], setup["payment_method_types"], setup["metadata"]) == (
        "off_session",
        ["card"],
        {"merchant_id": "7"},
    )
    assert nothing_charged(fake)
    assert (await gateway.confirm_setup(MERCHANT, result.setup_id)) == result


@pytest.mark.parametrize(
    ("number", "decline"), [("4000000000000002", "card_declined"), ("4000000000000069", "expired_card")]
)
async def test_a_card_the_bank_refuses_fails_its_setup(
    gateway: StripeGateway, fake: FakeStripe, number: str, decline: str
) -> None:
    result = await set_up(gateway, number)

    # An answer, as the sandbox gives it, naming the card tried, which Stripe keeps only in the setup's error.
    assert (result.status, result.decline_code, result.redirect_url) == ("declined", decline, None)
    assert result.method.last4 == number[-4:]
    setup = fake.setup_intents[result.setup_id]
    assert (setup["status"], setup["payment_method"]) == ("requires_payment_method", None)
    assert nothing_charged(fake)
    assert (await gateway.confirm_setup(MERCHANT, result.setup_id)) == result
    again = await gateway.set_up(
        MERCHANT,
        customer_ref=result.customer_ref,
        method_token=result.method.token,
        idempotency_key="setup-1",
        return_url=RETURN,
    )
    assert again == result and len(fake.setup_intents) == 1


@pytest.mark.parametrize(
    ("passed", "status", "decline"), [(True, "succeeded", None), (False, "declined", "authentication_failed")]
)
async def test_a_3ds_setup_redirects_then_settles(
    gateway: StripeGateway, fake: FakeStripe, passed: bool, status: str, decline: str | None
) -> None:
    challenged = await set_up(gateway, "4000002500003155")
    assert challenged.status == "requires_action" and challenged.redirect_url
    redirect = fake.setup_intents[challenged.setup_id]["next_action"]["redirect_to_url"]
    assert (challenged.redirect_url, redirect["return_url"]) == (redirect["url"], RETURN)
    assert (await gateway.confirm_setup(MERCHANT, challenged.setup_id)) == challenged

    fake.complete_challenge(challenged.setup_id, passed=passed)
    settled = await gateway.confirm_setup(MERCHANT, challenged.setup_id)
    assert (settled.setup_id, settled.status, settled.decline_code) == (challenged.setup_id, status, decline)
    assert (settled.method, settled.customer_ref, settled.redirect_url) == (
        challenged.method,
        challenged.customer_ref,
        None,
    )
    assert nothing_charged(fake)


async def test_a_3ds_setup_without_a_return_url_has_nowhere_to_send_the_payer(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    result = await set_up(gateway, "4000002500003155", return_url=None)
    assert (result.status, result.redirect_url) == ("requires_action", None)
    assert fake.setup_intents[result.setup_id]["next_action"]["type"] == "use_stripe_sdk"


async def test_a_card_set_up_through_3ds_is_charged_off_session_without_a_challenge(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    challenged = await set_up(gateway, "4000002500003155")
    fake.complete_challenge(challenged.setup_id, passed=True)
    renewal = await gateway.charge(
        MERCHANT,
        amount=499,
        currency="EUR",
        customer_ref=challenged.customer_ref,
        method_token=challenged.method.token,
        idempotency_key="renewal-1",
        off_session=True,
    )
    assert (renewal.status, renewal.decline_code) == ("succeeded", None)


async def test_one_idempotency_key_makes_one_setup_intent(gateway: StripeGateway, fake: FakeStripe) -> None:
    customer, method = await customer_with(gateway, "4242424242424242")

    async def attempt(token: str = method) -> SetupResult:
        return await gateway.set_up(MERCHANT, customer_ref=customer, method_token=token, idempotency_key="setup-1")

    results = await asyncio.gather(*(attempt() for _ in range(5)))
    assert len(set(results)) == 1 and results[0].status == "succeeded"
    assert fake.count("POST", "/v1/setup_intents") == 5 and len(fake.setup_intents) == 1

    other = await gateway.save_payment_method(MERCHANT, customer, card("5555555555554444"))
    with pytest.raises(IdempotencyMismatch, match="same parameters"):
        await attempt(other.token)
    # Keys are the merchant's own: another's same key is another setup.
    theirs = await set_up(gateway, "4242424242424242", merchant=RIVAL)
    assert theirs.setup_id != results[0].setup_id and len(fake.setup_intents) == 2


async def test_setups_are_found_only_by_their_merchant(gateway: StripeGateway) -> None:
    ours = await set_up(gateway, "4242424242424242")
    with pytest.raises(GatewayError, match="no such setup"):
        await gateway.confirm_setup(RIVAL, ours.setup_id)
    with pytest.raises(GatewayError, match="No such setupintent"):
        await gateway.confirm_setup(MERCHANT, "seti_missing")
    paid = await charge(gateway, "4242424242424242")
    with pytest.raises(GatewayError):
        await gateway.confirm_setup(MERCHANT, paid.charge_id)
    # Another customer's setup of the same merchant names that customer, by which billing refuses it.
    theirs = await set_up(gateway, "4242424242424242", key="setup-2")
    assert theirs.customer_ref != ours.customer_ref
    assert (await gateway.confirm_setup(MERCHANT, theirs.setup_id)).customer_ref == theirs.customer_ref


async def test_a_charge_or_setup_awaiting_its_challenge_is_cancelled_unless_it_went_through(
    gateway: StripeGateway, fake: FakeStripe
) -> None:
    waiting = await charge(gateway, "4000002500003155", return_url=RETURN)
    with pytest.raises(GatewayError):
        await gateway.cancel(RIVAL, waiting.charge_id)
    cancelled = await gateway.cancel(MERCHANT, waiting.charge_id)
    assert (cancelled.charge_id, cancelled.status, cancelled.decline_code) == (
        waiting.charge_id,
        "declined",
        "canceled",
    )
    assert fake.intents[waiting.charge_id]["status"] == "canceled"
    fake.complete_challenge(waiting.charge_id, passed=True)  # its page can no longer pass it
    assert (await gateway.confirm(MERCHANT, waiting.charge_id)).status == "declined"
    # The payer passed the challenge first: Stripe refuses to cancel, and the answer is the charge as it stands.
    passed = await charge(gateway, "4000002500003155", key="order-2", return_url=RETURN)
    fake.complete_challenge(passed.charge_id, passed=True)
    assert (await gateway.cancel(MERCHANT, passed.charge_id)).status == "succeeded"
    assert fake.intents[passed.charge_id]["status"] == "succeeded"
    # A setup likewise.
    setup = await set_up(gateway, "4000002500003155")
    given_up = await gateway.cancel(MERCHANT, setup.setup_id)
    assert (given_up.charge_id, given_up.status, given_up.decline_code) == (setup.setup_id, "declined", "canceled")
    assert fake.setup_intents[setup.setup_id]["status"] == "canceled"
    assert fake.count("POST", f"/v1/setup_intents/{setup.setup_id}/cancel") == 1


async def test_a_server_error_is_an_unknown_outcome(gateway: StripeGateway, fake: FakeStripe) -> None:
    customer, method = await customer_with(gateway, "4242424242424242")
    fake.fail_next(1, "500")
    with pytest.raises(GatewayError):
        await gateway.charge(
            MERCHANT, amount=499, currency="EUR", customer_ref=customer, method_token=method, idempotency_key="k"
        )
    assert fake.count("POST", "/v1/payment_intents") == 1  # asked once, not retried
    assert fake.intents == {}
    fake.fail_next(1, "500")
    with pytest.raises(GatewayError):
        await gateway.create_customer(MERCHANT, email="v@example.com", name="V")


async def test_a_charge_that_timed_out_is_found_again_by_its_key(fake: FakeStripe) -> None:
    impatient = gateway_for(fake, timeout=0.5)
    try:
        customer, method = await customer_with(impatient, "4242424242424242")

        async def attempt() -> ChargeResult:
            return await impatient.charge(
                MERCHANT, amount=499, currency="EUR", customer_ref=customer, method_token=method, idempotency_key="k"
            )

        fake.fail_next(1, "timeout")
        with pytest.raises(GatewayError):
            await attempt()
        # Stripe did charge; asking again with the same key tells so, and charges nobody twice.
        (made,) = fake.intents
        again = await attempt()
        assert (again.charge_id, again.status) == (made, "succeeded")
        assert len(fake.intents) == 1 and fake.count("POST", "/v1/payment_intents") == 2
    finally:
        await impatient.aclose()


async def test_unreachable_stripe_and_a_wrong_key_are_gateway_errors(fake: FakeStripe) -> None:
    wrong = gateway_for(fake, api_key="sk_live_wrong_key")
    try:
        with pytest.raises(GatewayError) as failed:
            await wrong.create_customer(MERCHANT, email="v@example.com", name="V")
        assert "sk_live_wrong_key" not in str(failed.value)
    finally:
        await wrong.aclose()
    nowhere = StripeGateway(
        "sk_test_fake", api_base=f"http://127.0.0.1:{free_port()}", timeout=2, max_network_retries=0
    )
    try:
        with pytest.raises(GatewayError):
            await nowhere.confirm(MERCHANT, "pi_1")
    finally:
        await nowhere.aclose()


@pytest.mark.parametrize(
    ("stripe_type", "subject", "kind"),
    [
        ("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"}, "charge.succeeded"),
        ("payment_intent.payment_failed", {"id": "pi_1", "object": "payment_intent"}, "charge.failed"),
        ("charge.refunded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}, "charge.refunded"),
        # Stripe's own charge.succeeded is about a Charge: not to be taken for ours.
        ("charge.succeeded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}, "stripe.charge.succeeded"),
        ("payment_intent.created", {"id": "pi_1", "object": "payment_intent"}, "stripe.payment_intent.created"),
    ],
)
def test_a_signed_event_is_read(gateway: StripeGateway, stripe_type: str, subject: dict[str, str], kind: str) -> None:
    payload = event(stripe_type, subject)
    parsed = gateway.parse_webhook(payload, sign_webhook(payload, SECRET), SECRET)
    assert (parsed.event_id, parsed.kind, parsed.charge_id) == (json.loads(payload)["id"], kind, "pi_1")


def test_an_event_not_signed_by_stripe_now_is_refused(gateway: StripeGateway) -> None:
    payload = event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})
    signature = sign_webhook(payload, SECRET)
    tampered = payload.replace(b"pi_1", b"pi_2")
    forgeries = [
        (tampered, signature, SECRET),
        (payload, sign_webhook(payload, "whsec_another"), SECRET),
        (payload, signature, "whsec_another"),
        (payload, sign_webhook(payload, SECRET, timestamp=int(time.time()) - 301), SECRET),
        (payload, None, SECRET),
        (payload, "", SECRET),
        (payload, "v1=" + signature.split("v1=")[1], SECRET),
        (payload, signature.replace("v1=", "v0="), SECRET),
    ]
    for body, header, secret in forgeries:
        with pytest.raises(ValueError, match="signature"):
            gateway.parse_webhook(body, header, secret)
    # The secret given at construction stands in for none given.
    assert gateway.parse_webhook(payload, signature, "").charge_id == "pi_1"
