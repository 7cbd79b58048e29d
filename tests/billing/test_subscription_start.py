"""Starting a subscription, through the sandbox gateway: its trial, its setup fee, a voucher, the card verified when
nothing is charged, and what stops one being started.

Use cases are called directly; each starts from rows committed as a merchant and a viewer would have left them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access.models import Entitlement
from boxoffice.access.service import period_end
from boxoffice.billing import payment_methods, subscriptions
from boxoffice.billing.models import Payment, Subscription
from boxoffice.catalog.models import Price, Product
from boxoffice.gateways.models import SandboxPaymentMethod
from boxoffice.gateways.protocol import Card
from boxoffice.gateways.sandbox import SandboxGateway
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device
from boxoffice.kit.errors import AlreadyHeld, Conflict, InvalidInput
from boxoffice.promotions import vouchers
from boxoffice.promotions.models import Voucher
from boxoffice.promotions.refusals import VoucherRefusal, VoucherRefused
from boxoffice.promotions.vouchers import VoucherFields
from tests import shop

CLIENT = ClientInfo("203.0.113.7", "GB", Device("desktop", "Linux", None, "Firefox"), "Firefox")
PAYS, DECLINED, CHALLENGED = "4242424242424242", "4000000000000002", "4000002500003155"


def card(number: str = PAYS) -> Card:
    return Card(number, 12, clock.now().year + 3, "123", "Ada Lovelace")


@dataclass
class Shop:
    sessions: async_sessionmaker[AsyncSession]
    gateway: SandboxGateway
    merchant: Merchant
    customer: Customer
    product: Product

    async def price(self, **terms: object) -> Price:
        """A monthly price of 9.99 EUR on the product (its terms changed by `terms`), committed."""
        async with self.sessions() as session, session.begin():
            return await shop.monthly_price(session, self.product, **terms)  # type: ignore[arg-type]

    async def voucher(self, **terms: object) -> Voucher:
        given = {"name": "Welcome", "code": "welcome", "percent_off": 50} | terms
        async with self.sessions() as session, session.begin():
            voucher, _ = await vouchers.create_voucher(session, self.merchant.id, VoucherFields(**given))  # type: ignore[arg-type]
        return voucher

    async def subscribe(
        self, price: Price, source: payment_methods.Source | None = None, *, key: str = "", voucher: str | None = None
    ) -> subscriptions.Started:
        return await subscriptions.subscribe(
            self.sessions,
            self.gateway,
            self.merchant,
            self.customer,
            price_id=price.id,
            source=source or card(),
            idempotency_key=key or uuid.uuid4().hex,
            return_url="https://app.example/done",
            client=CLIENT,
            voucher_code=voucher,
        )

    async def subscriptions(self) -> list[Subscription]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Subscription).where(Subscription.merchant_id == self.merchant.id).order_by(Subscription.id)
            )
            return list(rows)

    async def entitlements(self) -> list[Entitlement]:
        async with self.sessions() as session:
            rows = await session.scalars(select(Entitlement).where(Entitlement.merchant_id == self.merchant.id))
            return list(rows)

    async def default_card(self) -> str | None:
        async with self.sessions() as session:
            profile = await payment_methods.default_card(session, self.merchant.id, self.customer.id, self.gateway)
        return profile.card_last4 if profile else None

    async def cards_saved(self) -> int:
        async with self.sessions() as session:
            query = select(func.count()).where(SandboxPaymentMethod.merchant_id == self.merchant.id)
            return await session.scalar(query) or 0

    async def uses_of(self, voucher: Voucher) -> int:
        async with self.sessions() as session:
            found = await session.scalar(
                select(Voucher).where(Voucher.merchant_id == self.merchant.id, Voucher.id == voucher.id)
            )
        assert found is not None
        return found.usage_count


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock) -> AsyncIterator[Shop]:
    async with sessions() as session, session.begin():
        merchant = await shop.merchant(session)
        customer = await shop.customer(session, merchant.id)
        product = await shop.product(session, merchant.id, "Channel")
    yield Shop(sessions, SandboxGateway(sessions, "http://testserver"), merchant, customer, product)


# ----------------------------------------------------------------------------------------------------
# A paid start


async def test_a_first_period_paid_starts_the_subscription_and_opens_access(
    store: Shop, frozen: clock.FrozenClock
) -> None:
    price = await store.price()
    started = await store.subscribe(price)
    now = frozen.now()
    subscription, payment = started.subscription, started.payment
    assert (payment.status, payment.amount, payment.discount, payment.kind) == ("succeeded", 999, 0, "subscription")
    assert (subscription.status, subscription.cycle, subscription.period_paid) == ("active", 1, 999)
    assert (subscription.current_period_start, subscription.billing_anchor) == (now, now)
    assert subscription.current_period_end == subscription.due_at == period_end(now, "month", 1)
    assert subscription.trial_ends_at is None
    [entitlement] = await store.entitlements()
    assert (entitlement.is_trial, entitlement.expires_at) == (False, subscription.current_period_end)
    assert await store.default_card() == "4242"


async def test_a_declined_first_charge_leaves_it_incomplete_for_a_day(store: Shop, frozen: clock.FrozenClock) -> None:
    started = await store.subscribe(await store.price(), card(DECLINED))
    assert started.payment.status == "declined"
    assert started.subscription.status == "incomplete"
    assert started.subscription.due_at == frozen.now() + timedelta(hours=24)
    assert await store.entitlements() == []


async def test_only_a_recurring_price_is_subscribed_to(store: Shop) -> None:
    async with store.sessions() as session, session.begin():
        once = Price(
            merchant_id=store.merchant.id,
            product_id=store.product.id,
            access_type_id=1,
            kind="one_time",
            amount=499,
            currency="EUR",
            period_unit="hour",
            period_quantity=24,
            country_set=None,
        )
        session.add(once)
    with pytest.raises(InvalidInput):
        await store.subscribe(once)
    assert await store.subscriptions() == []


# ----------------------------------------------------------------------------------------------------
# Trials


async def test_a_trial_charges_nothing_but_verifies_the_card(store: Shop, frozen: clock.FrozenClock) -> None:
    started = await store.subscribe(await store.price(trial_days=7))
    subscription, payment = started.subscription, started.payment
    trial_end = frozen.now() + timedelta(days=7)
    assert (payment.status, payment.amount) == ("succeeded", 0)
    assert (subscription.status, subscription.trial_ends_at, subscription.current_period_end) == (
        "trialing",
        trial_end,
        trial_end,
    )
    assert (subscription.cycle, subscription.due_at) == (0, trial_end)
    [entitlement] = await store.entitlements()
    assert (entitlement.is_trial, entitlement.expires_at) == (True, trial_end)
    assert await store.default_card() == "4242"


async def test_a_trial_does_not_start_on_a_card_that_cannot_pay(store: Shop) -> None:
    started = await store.subscribe(await store.price(trial_days=7), card(DECLINED))
    assert (started.payment.status, started.subscription.status) == ("declined", "incomplete")
    assert await store.entitlements() == []
    assert await store.default_card() is None  # never made the default: it was refused


async def test_a_card_whose_bank_asks_for_a_challenge_awaits_it(store: Shop) -> None:
    started = await store.subscribe(await store.price(trial_days=7), card(CHALLENGED))
    assert (started.payment.status, started.subscription.status) == ("requires_action", "incomplete")
    assert await store.default_card() is None


async def test_a_trial_is_given_once_per_customer_and_item(store: Shop) -> None:
    price = await store.price(trial_days=7)
    first = await store.subscribe(price)
    async with store.sessions() as session, session.begin():
        ended = await subscriptions.subscription_of(session, store.merchant.id, first.subscription.id)
        await subscriptions.cancel(session, store.merchant.id, ended, immediately=True)
    again = await store.subscribe(price)
    assert (again.payment.amount, again.subscription.status, again.subscription.trial_ends_at) == (999, "active", None)


async def test_a_trial_that_never_started_is_still_owed(store: Shop) -> None:
    price = await store.price(trial_days=7)
    await store.subscribe(price, card(DECLINED))
    again = await store.subscribe(price)
    assert (again.payment.amount, again.subscription.status) == (0, "trialing")


# ----------------------------------------------------------------------------------------------------
# Setup fees


async def test_a_setup_fee_is_charged_with_the_first_period(store: Shop) -> None:
    started = await store.subscribe(await store.price(setup_fee=250))
    assert (started.payment.amount, started.payment.status) == (1249, "succeeded")
    assert started.subscription.period_paid == 999  # the fee pays for no period


async def test_a_setup_fee_is_charged_at_the_start_of_a_trial(store: Shop) -> None:
    started = await store.subscribe(await store.price(setup_fee=250, trial_days=7))
    assert (started.payment.amount, started.payment.status, started.subscription.status) == (
        250,
        "succeeded",
        "trialing",
    )


# ----------------------------------------------------------------------------------------------------
# Vouchers


@pytest.mark.parametrize(
    ("terms", "left"),
    [
        ({"discount_period": "once"}, 0),
        ({"discount_period": "repeating", "discount_duration": 3}, 2),
        ({"discount_period": "forever"}, None),
    ],
)
async def test_a_voucher_takes_its_part_off_the_first_charge_and_counts_the_rest(
    store: Shop, terms: dict[str, object], left: int | None
) -> None:
    voucher = await store.voucher(**terms)
    started = await store.subscribe(await store.price(), voucher="WELCOME")
    assert (started.payment.amount, started.payment.discount, started.payment.voucher_id) == (499, 500, voucher.id)
    assert (started.subscription.voucher_id, started.subscription.discounted_charges_left) == (voucher.id, left)
    assert started.subscription.period_paid == 499
    assert await store.uses_of(voucher) == 1


async def test_a_voucher_that_takes_all_of_it_verifies_the_card_instead(store: Shop) -> None:
    await store.voucher(percent_off=100)
    started = await store.subscribe(await store.price(), voucher="welcome")
    assert (started.payment.amount, started.payment.discount, started.payment.status) == (0, 999, "succeeded")
    assert (started.subscription.status, started.subscription.cycle) == ("active", 1)
    assert await store.default_card() == "4242"


async def test_a_voucher_refused_starts_nothing_and_saves_no_card(store: Shop) -> None:
    voucher = await store.voucher(usage_limit=1)
    async with store.sessions() as session, session.begin():
        await vouchers.use(session, store.merchant.id, voucher.id)
    with pytest.raises(VoucherRefused) as refused:
        await store.subscribe(await store.price(), voucher="welcome")
    assert refused.value.reason == VoucherRefusal.USED_UP
    assert (await store.subscriptions(), await store.cards_saved()) == ([], 0)


async def test_a_declined_first_charge_gives_its_voucher_use_back(store: Shop) -> None:
    voucher = await store.voucher()
    started = await store.subscribe(await store.price(), card(DECLINED), voucher="welcome")
    assert started.payment.status == "declined"
    assert await store.uses_of(voucher) == 0


# ----------------------------------------------------------------------------------------------------
# What stops a start, and what a start replaces


async def test_a_running_subscription_to_the_item_is_not_started_again(store: Shop) -> None:
    price = await store.price()
    await store.subscribe(price)
    saved = await store.cards_saved()
    with pytest.raises(AlreadyHeld):
        await store.subscribe(await store.price(amount=1999))
    assert await store.cards_saved() == saved  # refused before the card was saved
    assert len(await store.subscriptions()) == 1


async def test_a_cancelled_subscription_still_running_is_held(store: Shop) -> None:
    price = await store.price()
    first = await store.subscribe(price)
    async with store.sessions() as session, session.begin():
        running = await subscriptions.subscription_of(session, store.merchant.id, first.subscription.id)
        await subscriptions.cancel(session, store.merchant.id, running, immediately=False)
    with pytest.raises(AlreadyHeld):
        await store.subscribe(price)


async def test_an_earlier_attempt_that_was_declined_is_replaced(store: Shop) -> None:
    price = await store.price()
    declined = await store.subscribe(price, card(DECLINED))
    paid = await store.subscribe(price)
    assert paid.subscription.status == "active"
    statuses = {s.id: s.status for s in await store.subscriptions()}
    assert statuses == {declined.subscription.id: "incomplete_expired", paid.subscription.id: "active"}


async def test_an_attempt_awaiting_its_challenge_is_given_up_when_another_replaces_it(store: Shop) -> None:
    price = await store.price()
    challenged = await store.subscribe(price, card(CHALLENGED))
    await store.subscribe(price)
    async with store.sessions() as session:
        payment = await session.scalar(
            select(Payment).where(Payment.merchant_id == store.merchant.id, Payment.id == challenged.payment.id)
        )
    assert payment is not None and payment.status == "declined"


async def test_the_same_key_answers_with_the_same_subscription(store: Shop) -> None:
    price = await store.price()
    first = await store.subscribe(price, key="start-1")
    again = await store.subscribe(price, key="start-1")
    assert (again.subscription.id, again.payment.id) == (first.subscription.id, first.payment.id)
    assert len(await store.subscriptions()) == 1
    with pytest.raises(Conflict):
        await store.subscribe(await store.price(amount=1999), key="start-1")


async def test_a_subscription_is_charged_in_its_prices_currency(store: Shop) -> None:
    started = await store.subscribe(await store.price(amount=1099, currency="USD"))
    assert (started.payment.currency, started.subscription.currency, started.subscription.amount) == (
        "USD",
        "USD",
        1099,
    )
