"""The sandbox gateway behaves like a real one: test cards, idempotency, challenges, refunds, signed events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.gateways.models import SandboxCharge
from boxoffice.gateways.protocol import Card, CardRejected, ChargeResult, GatewayError, PaymentGateway, SetupResult
from boxoffice.gateways.sandbox import IdempotencyMismatch, SandboxGateway
from boxoffice.identity.models import Merchant
from boxoffice.kit import clock

PUBLIC = "http://boxoffice.test"


@pytest.fixture
async def merchant(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session, session.begin():
        row = Merchant(email="pay@example.com", full_name="Pay", password_hash="x", client_secret="s", uuid="m-1")
        session.add(row)
    return row.id


@pytest.fixture
def gateway(sessions: async_sessionmaker[AsyncSession]) -> SandboxGateway:
    return SandboxGateway(sessions, PUBLIC)


def card(number: str, year: int | None = None, month: int = 12, cvv: str = "123") -> Card:
    return Card(number, month, year or clock.now().year + 2, cvv, "Vera Viewer")


async def charge(gateway: SandboxGateway, merchant: int, number: str, key: str, amount: int = 499) -> ChargeResult:
    customer = await gateway.create_customer(merchant, email="v@example.com", name="Vera")
    method = await gateway.save_payment_method(merchant, customer, card(number))
    return await gateway.charge(
        merchant, amount=amount, currency="EUR", customer_ref=customer, method_token=method.token, idempotency_key=key
    )


def test_the_sandbox_is_a_payment_gateway(gateway: SandboxGateway) -> None:
    assert isinstance(gateway.name, str)
    typed: PaymentGateway = gateway
    assert typed.name == "sandbox"


@pytest.mark.parametrize(
    ("number", "status", "decline"),
    [
        ("4242424242424242", "succeeded", None),
        ("5555555555554444", "succeeded", None),
        ("4000000000000002", "declined", "card_declined"),
        ("4000000000009995", "declined", "insufficient_funds"),
        ("4000002500003155", "requires_action", None),
    ],
)
async def test_test_cards_behave_as_their_numbers_say(
    gateway: SandboxGateway, merchant: int, number: str, status: str, decline: str | None
) -> None:
    result = await charge(gateway, merchant, number, f"key-{number}")
    assert (result.status, result.decline_code, result.amount, result.currency) == (status, decline, 499, "EUR")
    assert result.charge_id.startswith("pi_")
    if status == "requires_action":
        assert result.redirect_url == f"{PUBLIC}/sandbox/3ds/{merchant}/{result.charge_id}"
    else:
        assert result.redirect_url is None


async def test_a_saved_card_shows_only_what_may_be_shown(gateway: SandboxGateway, merchant: int) -> None:
    saved = await gateway.save_payment_method(merchant, "cus_1", card("4242 4242 4242 4242", month=7, year=2031))
    assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year) == ("visa", "4242", 7, 2031)
    assert saved.token.startswith("pm_") and "4242424242424242" not in saved.token


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (card("4242424242424241"), "incorrect_number"),
        (card("4242"), "incorrect_number"),
        (card("4242x42424242424"), "incorrect_number"),
        (card("4242424242424242", month=13), "invalid_expiry"),
        (card("4242424242424242", year=2001, month=1), "expired_card"),
        (card("4242424242424242", cvv="12"), "invalid_cvc"),
        (card("4242424242424242", cvv="abc"), "invalid_cvc"),
    ],
)
async def test_a_card_that_is_not_one_is_rejected_before_any_charge(
    gateway: SandboxGateway, merchant: int, bad: Card, code: str
) -> None:
    with pytest.raises(CardRejected) as rejected:
        await gateway.save_payment_method(merchant, "cus_1", bad)
    assert rejected.value.code == code


async def test_one_idempotency_key_charges_once_even_when_sent_at_once(
    gateway: SandboxGateway, merchant: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    customer = await gateway.create_customer(merchant, email="v@example.com", name="Vera")
    method = await gateway.save_payment_method(merchant, customer, card("4242424242424242"))

    async def attempt() -> str:
        result = await gateway.charge(
            merchant,
            amount=499,
            currency="EUR",
            customer_ref=customer,
            method_token=method.token,
            idempotency_key="order-1",
        )
        return result.charge_id

    charges = await asyncio.gather(*(attempt() for _ in range(20)))
    assert len(set(charges)) == 1
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(SandboxCharge).where(SandboxCharge.merchant_id == merchant)
        )
    assert count == 1
    with pytest.raises(IdempotencyMismatch):
        await gateway.charge(
            merchant,
            amount=999,
            currency="EUR",
            customer_ref=customer,
            method_token=method.token,
            idempotency_key="order-1",
        )


async def test_a_challenge_passed_or_failed_settles_the_charge_once(gateway: SandboxGateway, merchant: int) -> None:
    passed = await charge(gateway, merchant, "4000002500003155", "k1")
    failed = await charge(gateway, merchant, "4000002500003155", "k2")
    payload, signature = await gateway.complete_challenge(merchant, passed.charge_id, passed=True, signing_secret="s")
    assert (await gateway.confirm(merchant, passed.charge_id)).status == "succeeded"
    event = gateway.parse_webhook(payload, signature, "s")
    assert (event.kind, event.charge_id) == ("charge.succeeded", passed.charge_id)
    # Signed as a receiver would check it independently: HMAC-SHA256 of the raw body with the merchant's secret.
    assert signature == hmac.new(b"s", payload, hashlib.sha256).hexdigest()
    assert json.loads(payload)["type"] == "charge.succeeded"

    await gateway.complete_challenge(merchant, failed.charge_id, passed=False, signing_secret="s")
    settled = await gateway.confirm(merchant, failed.charge_id)
    assert (settled.status, settled.decline_code) == ("declined", "authentication_failed")
    # A second answer changes nothing.
    payload, signature = await gateway.complete_challenge(merchant, failed.charge_id, passed=True, signing_secret="s")
    assert (await gateway.confirm(merchant, failed.charge_id)).status == "declined"
    assert gateway.parse_webhook(payload, signature, "s").kind == "charge.failed"
    for forged in (None, "", signature[:-1] + ("0" if signature[-1] != "0" else "1")):
        with pytest.raises(ValueError, match="signature"):
            gateway.parse_webhook(payload, forged, "s")
    with pytest.raises(ValueError, match="signature"):
        gateway.parse_webhook(payload, signature, "another secret")


async def test_refunds_never_exceed_the_charge_and_are_idempotent(gateway: SandboxGateway, merchant: int) -> None:
    paid = await charge(gateway, merchant, "4242424242424242", "k1", amount=1000)
    first = await gateway.refund(merchant, paid.charge_id, 400, "refund-1")
    assert (await gateway.refund(merchant, paid.charge_id, 400, "refund-1")) == first
    with pytest.raises(IdempotencyMismatch):
        await gateway.refund(merchant, paid.charge_id, 500, "refund-1")
    with pytest.raises(GatewayError, match="more than"):
        await gateway.refund(merchant, paid.charge_id, 601, "refund-2")
    assert (await gateway.refund(merchant, paid.charge_id, 600, "refund-3")).amount == 600
    with pytest.raises(GatewayError, match="more than"):
        await gateway.refund(merchant, paid.charge_id, 1, "refund-4")
    declined = await charge(gateway, merchant, "4000000000000002", "k2")
    with pytest.raises(GatewayError, match="succeeded"):
        await gateway.refund(merchant, declined.charge_id, 1, "refund-5")


async def test_charges_belong_to_their_merchant(
    gateway: SandboxGateway, merchant: int, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        other = Merchant(email="rival@example.com", full_name="R", password_hash="x", client_secret="t", uuid="m-2")
        session.add(other)
    paid = await charge(gateway, merchant, "4242424242424242", "k1")
    with pytest.raises(GatewayError):
        await gateway.confirm(other.id, paid.charge_id)
    with pytest.raises(GatewayError):
        await gateway.refund(other.id, paid.charge_id, 1, "r")
    method = await gateway.save_payment_method(merchant, "cus_1", card("4242424242424242"))
    with pytest.raises(GatewayError, match="payment method"):
        await gateway.charge(
            other.id, amount=1, currency="EUR", customer_ref="cus_1", method_token=method.token, idempotency_key="x"
        )


async def set_up(gateway: SandboxGateway, merchant: int, number: str, key: str = "setup-1") -> SetupResult:
    customer = await gateway.create_customer(merchant, email="v@example.com", name="Vera")
    method = await gateway.save_payment_method(merchant, customer, card(number))
    return await gateway.set_up(
        merchant, customer_ref=customer, method_token=method.token, idempotency_key=key, return_url="https://a.test/"
    )


@pytest.mark.parametrize(
    ("number", "status", "decline"),
    [
        ("4242424242424242", "succeeded", None),
        ("4000000000009995", "succeeded", None),  # a verification asks nothing of the card's funds
        ("4000000000000002", "declined", "card_declined"),
        ("4000002500003155", "requires_action", None),
    ],
)
async def test_a_setup_verifies_a_card_charging_nothing(
    gateway: SandboxGateway, merchant: int, number: str, status: str, decline: str | None
) -> None:
    result = await set_up(gateway, merchant, number)
    assert (result.status, result.decline_code, result.method.last4) == (status, decline, number[-4:])
    assert (result.redirect_url is not None) == (status == "requires_action")
    assert await gateway.confirm_setup(merchant, result.setup_id) == result


async def test_a_challenged_setup_is_answered_on_the_page_and_returns_with_its_id(
    gateway: SandboxGateway, merchant: int
) -> None:
    result = await set_up(gateway, merchant, "4000002500003155")
    payload, _ = await gateway.complete_challenge(merchant, result.setup_id, passed=True, signing_secret="s")
    assert json.loads(payload)["type"] == "setup.succeeded"  # no payment is settled by it
    assert (await gateway.confirm_setup(merchant, result.setup_id)).status == "succeeded"
    assert await gateway.return_url_of(merchant, result.setup_id) == f"https://a.test/?setup_intent={result.setup_id}"


async def test_a_setup_is_known_only_to_its_merchant_and_not_as_a_charge(
    gateway: SandboxGateway, merchant: int
) -> None:
    result = await set_up(gateway, merchant, "4242424242424242")
    with pytest.raises(GatewayError):
        await gateway.confirm_setup(merchant + 1, result.setup_id)
    paid = await charge(gateway, merchant, "4242424242424242", "order-9")
    with pytest.raises(GatewayError):
        await gateway.confirm_setup(merchant, paid.charge_id)
    with pytest.raises(GatewayError):
        await gateway.refund(merchant, result.setup_id, 1, "refund-1")
