"""The merchant's back end managing subscriptions by id: ones it bills itself (registered, renewed, ended by the
renewal engine when not renewed), pauses (skipped cycles without charge or access, resumed), transfers to another
customer, revivals, and every transition a state doesn't allow refused with its reason."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as access_repo
from boxoffice.access import service as access
from boxoffice.access.models import Entitlement
from boxoffice.billing import merchant_billed, pauses, renewals, subscription_moves
from boxoffice.billing.merchant_billed import MerchantBilled
from boxoffice.billing.models import MERCHANT_BILLED, Payment, PaymentProfile, Subscription, SubscriptionStatus
from boxoffice.billing.refusals import NotOnSale, SubscriptionRefusal, SubscriptionRefused
from boxoffice.billing.subscription_moves import SubscriptionUpdate
from boxoffice.billing.subscription_search import SubscriptionFilter, find_subscriptions, subscription_details
from boxoffice.catalog.models import Price, Product
from boxoffice.gateways.registry import Gateways
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.errors import AlreadyHeld, InvalidInput, NotFound
from tests import shop


async def _shop(session: AsyncSession) -> tuple[Merchant, Customer, Price]:
    merchant = await shop.merchant(session)
    customer = await shop.customer(session, merchant.id)
    price = await shop.monthly_price(session, await shop.product(session, merchant.id))
    return merchant, customer, price


async def _entitlement(session: AsyncSession, subscription: Subscription) -> Entitlement:
    assert subscription.entitlement_id is not None
    found = await access_repo.entitlements_by_ids(session, subscription.merchant_id, [subscription.entitlement_id])
    return found[subscription.entitlement_id]


async def _charged(session: AsyncSession, merchant: Merchant, customer: Customer, price: Price) -> Subscription:
    """A monthly subscription Boxoffice charges, begun now, with its access."""
    product_id, now = price.product_id, clock.now()
    ends = access.period_end(now, "month", 1)
    product = await session.scalar(select(Product).where(Product.merchant_id == merchant.id, Product.id == product_id))
    assert product is not None
    entitlement = await access.grant_access(
        session, merchant, customer, product, source="subscription", price=price, expires_at=ends, starts_at=now
    )
    subscription = Subscription(
        merchant_id=merchant.id,
        customer_id=customer.id,
        product_id=product_id,
        price_id=price.id,
        status=SubscriptionStatus.ACTIVE,
        amount=price.amount,
        currency=price.currency,
        period_unit="month",
        period_quantity=1,
        cycle=1,
        current_period_start=now,
        current_period_end=ends,
        billing_anchor=now,
        due_at=ends,
        entitlement_id=entitlement.id,
        gateway="sandbox",
        gateway_customer_ref="cus",
        gateway_method="pm",
        cancel_token=secrets.token_hex(8),
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def _reload(session: AsyncSession, merchant_id: int, subscription_id: int) -> Subscription:
    found = await session.scalar(
        select(Subscription).where(Subscription.merchant_id == merchant_id, Subscription.id == subscription_id)
    )
    assert found is not None
    return found


async def _renew(sessions: async_sessionmaker[AsyncSession], as_of: datetime) -> renewals.PassReport:
    # Nothing these tests leave due is charged: no gateway is asked.
    return await renewals.renew_due_subscriptions(sessions, cast(Gateways, None), as_of=as_of, retry_days=[1])


async def test_a_subscription_the_merchant_bills_runs_until_it_is_renewed_or_its_period_ends(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        ends = frozen.now() + timedelta(days=10)
        method = await shop.payment_method(session, merchant.id)
        given = MerchantBilled(customer.id, price.id, method, "store-1", expires_at=ends, in_trial=True)
        subscription = await merchant_billed.register_subscription(session, merchant, given)
        assert (subscription.status, subscription.gateway, subscription.gateway_method) == (
            SubscriptionStatus.TRIALING,
            MERCHANT_BILLED,
            str(method),
        )
        trial = await _entitlement(session, subscription)
        assert (trial.expires_at, trial.is_trial) == (ends, True)
        with pytest.raises(SubscriptionRefused) as taken:
            await merchant_billed.register_subscription(session, merchant, given)
        assert taken.value.reason == SubscriptionRefusal.EXTERNAL_ID_TAKEN
        with pytest.raises(AlreadyHeld):
            await merchant_billed.register_subscription(
                session,
                merchant,
                MerchantBilled(customer.id, price.id, await shop.payment_method(session, merchant.id), "store-2"),
            )
        with pytest.raises(InvalidInput):
            await merchant_billed.register_subscription(
                session,
                merchant,
                MerchantBilled(
                    customer.id,
                    price.id,
                    await shop.payment_method(session, merchant.id),
                    "store-3",
                    expires_at=frozen.now(),
                ),
            )
        with pytest.raises(NotFound):
            await merchant_billed.register_subscription(
                session, merchant, MerchantBilled(customer.id, 10**9, method, "x")
            )
        other = await shop.merchant(session, "Other")
        for not_its_method in (await shop.payment_method(session, other.id), 10**9):
            with pytest.raises(NotFound):
                unknown = MerchantBilled(customer.id, price.id, not_its_method, "store-4")
                await merchant_billed.register_subscription(session, merchant, unknown)
        # Renewed out of its trial: a paid entitlement opens where the trial's ends.
        later = ends + timedelta(days=30)
        await merchant_billed.renew_subscription(
            session, merchant, subscription.id, expires_at=later, payment_ref="pay-2", convert_trial=True
        )
        assert (subscription.status, subscription.current_period_end, subscription.gateway_customer_ref) == (
            SubscriptionStatus.ACTIVE,
            later,
            "pay-2",
        )
        paid = await _entitlement(session, subscription)
        assert (paid.starts_at, paid.expires_at, paid.is_trial) == (ends, later, False)
        subscription_id, merchant_id = subscription.id, merchant.id
    # Not renewed again: it ends with its period, and nothing is ever charged for it.
    report = await _renew(sessions, later)
    assert report.ended == 1
    async with sessions() as session:
        ended = await _reload(session, merchant_id, subscription_id)
        assert (ended.status, ended.due_at) == (SubscriptionStatus.ENDED, None)
        assert (
            await session.scalar(select(func.count()).select_from(Payment).where(Payment.merchant_id == merchant_id))
            == 0
        )


async def test_a_one_time_price_is_no_subscription_the_merchant_bills(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        price.kind = "purchase"
        with pytest.raises(NotOnSale):
            await merchant_billed.register_subscription(
                session,
                merchant,
                MerchantBilled(customer.id, price.id, await shop.payment_method(session, merchant.id), "x"),
            )
        charged = await _charged(
            session, merchant, customer, await shop.monthly_price(session, await shop.product(session, merchant.id))
        )
        with pytest.raises(SubscriptionRefused) as charged_renewal:
            await merchant_billed.renew_subscription(
                session, merchant, charged.id, expires_at=None, payment_ref=None, convert_trial=False
            )
        assert charged_renewal.value.reason == SubscriptionRefusal.NOT_MERCHANT_BILLED


async def test_a_pause_skips_cycles_without_charge_or_access_and_resumes(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        subscription = await _charged(session, merchant, customer, price)
        period_end = subscription.current_period_end
        for cycles in (0, 13):
            with pytest.raises(InvalidInput):
                await pauses.pause_subscription(session, merchant.id, subscription.id, cycles=cycles)
        with pytest.raises(SubscriptionRefused) as not_paused:
            await pauses.resume_subscription(session, merchant.id, subscription.id)
        assert not_paused.value.reason == SubscriptionRefusal.NOT_PAUSED
        await pauses.pause_subscription(session, merchant.id, subscription.id, cycles=2)
        resumes = access.period_end(period_end, "month", 2)
        assert (subscription.pause_starts_at, subscription.resumes_at) == (period_end, resumes)
        with pytest.raises(SubscriptionRefused) as twice:
            await pauses.pause_subscription(session, merchant.id, subscription.id, cycles=1)
        assert twice.value.reason == SubscriptionRefusal.PAUSED
        subscription_id, merchant_id = subscription.id, merchant.id
    # At the period's end the pause begins: no charge, and the access ends with the period paid for.
    assert (await _renew(sessions, period_end)).handled == 0
    async with sessions() as session, session.begin():
        paused = await _reload(session, merchant_id, subscription_id)
        assert (paused.status, paused.due_at) == (SubscriptionStatus.PAUSED, resumes)
        assert (await _entitlement(session, paused)).expires_at == period_end
        count = select(func.count()).select_from(Payment).where(Payment.merchant_id == merchant_id)
        assert await session.scalar(count) == 0
        with pytest.raises(SubscriptionRefused) as activated:
            await subscription_moves.activate_subscription(session, merchant_id, subscription_id)
        assert activated.value.reason == SubscriptionRefusal.PAUSED
        # Resumed early: renewed from now by the next pass.
        frozen.advance(seconds=(period_end - frozen.now()).total_seconds() + 3 * 86400)
        await pauses.resume_subscription(session, merchant_id, subscription_id)
        assert (paused.status, paused.due_at, paused.resumes_at) == (SubscriptionStatus.ACTIVE, frozen.now(), None)


async def test_only_an_active_subscription_boxoffice_charges_is_paused(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        billed = await merchant_billed.register_subscription(
            session,
            merchant,
            MerchantBilled(customer.id, price.id, await shop.payment_method(session, merchant.id), "ext"),
        )
        with pytest.raises(SubscriptionRefused) as refused:
            await pauses.pause_subscription(session, merchant.id, billed.id, cycles=1)
        assert refused.value.reason == SubscriptionRefusal.MERCHANT_BILLED
        other = await shop.customer(session, merchant.id, "other@example.com")
        charged = await _charged(
            session, merchant, other, await shop.monthly_price(session, await shop.product(session, merchant.id))
        )
        await subscription_moves.cancel_subscription(session, merchant.id, charged.id)
        with pytest.raises(SubscriptionRefused) as cancelled:
            await pauses.pause_subscription(session, merchant.id, charged.id, cycles=1)
        assert cancelled.value.reason == SubscriptionRefusal.NOT_PAUSABLE


async def test_a_transfer_moves_the_access_and_a_revival_brings_it_back(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        other = await shop.customer(session, merchant.id, "heir@example.com")
        billed = await merchant_billed.register_subscription(
            session,
            merchant,
            MerchantBilled(customer.id, price.id, await shop.payment_method(session, merchant.id), "ext"),
        )
        first = await _entitlement(session, billed)
        with pytest.raises(SubscriptionRefused) as same:
            await subscription_moves.transfer_subscription(session, merchant, billed.id, customer_id=customer.id)
        assert same.value.reason == SubscriptionRefusal.SAME_CUSTOMER
        with pytest.raises(NotFound):
            await subscription_moves.transfer_subscription(session, merchant, billed.id, customer_id=10**9)
        await subscription_moves.transfer_subscription(session, merchant, billed.id, customer_id=other.id)
        moved = await _entitlement(session, billed)
        assert first.revoked_at is not None
        assert (billed.customer_id, moved.customer_id, moved.expires_at) == (
            other.id,
            other.id,
            billed.current_period_end,
        )
        charged = await _charged(
            session, merchant, customer, await shop.monthly_price(session, await shop.product(session, merchant.id))
        )
        with pytest.raises(SubscriptionRefused) as own_card:
            await subscription_moves.transfer_subscription(session, merchant, charged.id, customer_id=other.id)
        assert own_card.value.reason == SubscriptionRefusal.CHARGED
        # Terminated, then revived until a later day with access anew.
        await subscription_moves.terminate_subscription(session, merchant.id, charged.id)
        assert charged.status == SubscriptionStatus.ENDED
        for ended in (subscription_moves.terminate_subscription, subscription_moves.cancel_subscription):
            with pytest.raises(SubscriptionRefused):
                await ended(session, merchant.id, charged.id)
        with pytest.raises(SubscriptionRefused) as running:
            await subscription_moves.revive_subscription(
                session, merchant, billed.id, expires_at=frozen.now() + timedelta(days=1)
            )
        assert running.value.reason == SubscriptionRefusal.RUNNING
        until = frozen.now() + timedelta(days=20)
        await subscription_moves.revive_subscription(session, merchant, charged.id, expires_at=until)
        revived = await _entitlement(session, charged)
        assert (charged.status, charged.due_at, revived.expires_at, revived.revoked_at) == (
            SubscriptionStatus.ACTIVE,
            until,
            until,
            None,
        )


async def test_several_changes_at_once_and_the_method_renewals_charge(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        charged = await _charged(session, merchant, customer, price)
        profile = PaymentProfile(
            merchant_id=merchant.id,
            customer_id=customer.id,
            gateway="sandbox",
            customer_ref="cus-2",
            method_token="pm-2",
        )
        other = await shop.customer(session, merchant.id, "other@example.com")
        theirs = PaymentProfile(
            merchant_id=merchant.id, customer_id=other.id, gateway="sandbox", customer_ref="cus-3", method_token="pm-3"
        )
        session.add_all([profile, theirs])
        await session.flush()
        with pytest.raises(NotFound):
            await subscription_moves.update_subscription(
                session, merchant, charged.id, SubscriptionUpdate(payment_details_id=theirs.id)
            )
        with pytest.raises(SubscriptionRefused) as not_billed:
            await subscription_moves.update_subscription(
                session, merchant, charged.id, SubscriptionUpdate(in_trial=True)
            )
        assert not_billed.value.reason == SubscriptionRefusal.NOT_MERCHANT_BILLED
        later = charged.current_period_end + timedelta(days=3)
        change = SubscriptionUpdate(
            status=SubscriptionStatus.CANCELED,
            expires_at=later,
            external_properties={"crm": "42"},
            payment_details_id=profile.id,
        )
        await subscription_moves.update_subscription(session, merchant, charged.id, change)
        assert (charged.status, charged.current_period_end, charged.external_properties) == (
            SubscriptionStatus.CANCELED,
            later,
            {"crm": "42"},
        )
        assert (charged.gateway_customer_ref, charged.gateway_method) == ("cus-2", "pm-2")
        types = [type_ for type_, _ in await shop.events_of(session, merchant.id)]
        assert types[-2:] == ["subscribe.updated", "subscribe.cancelled.success"]


async def test_subscriptions_are_found_by_what_names_them_and_never_without_a_filter(
    sessions: async_sessionmaker[AsyncSession], frozen: clock.FrozenClock
) -> None:
    async with sessions() as session, session.begin():
        merchant, customer, price = await _shop(session)
        billed = await merchant_billed.register_subscription(
            session,
            merchant,
            MerchantBilled(
                customer.id, price.id, await shop.payment_method(session, merchant.id), "ext-1", payment_ref="pay-1"
            ),
        )
        other = await shop.customer(session, merchant.id, "other@example.com")
        charged = await _charged(
            session, merchant, other, await shop.monthly_price(session, await shop.product(session, merchant.id))
        )
        assert await find_subscriptions(session, merchant.id, SubscriptionFilter(), offset=0, limit=10) == (0, [])
        for narrowed, expected in (
            (SubscriptionFilter(customer_id=customer.id), [billed.id]),
            (SubscriptionFilter(external_id="ext-1"), [billed.id]),
            (SubscriptionFilter(method_ref=billed.gateway_method), [billed.id]),
            (SubscriptionFilter(price_id=charged.price_id), [charged.id]),
            (SubscriptionFilter(statuses={SubscriptionStatus.ACTIVE}), [billed.id, charged.id]),
            (SubscriptionFilter(payment_id=10**9), []),
        ):
            total, found = await find_subscriptions(session, merchant.id, narrowed, offset=0, limit=10)
            assert (total, [d.subscription.id for d in found]) == (len(expected), expected), narrowed
        [details] = (
            await find_subscriptions(session, merchant.id, SubscriptionFilter(external_id="ext-1"), offset=0, limit=1)
        )[1]
        assert (details.next_charge, details.next_payment_at) == (0, None)  # the merchant bills it, not Boxoffice
        shown = await subscription_details(session, merchant.id, charged.id)
        assert (shown.next_charge, shown.next_payment_at) == (price.amount, charged.current_period_end)
        stranger = await shop.merchant(session, "Elsewhere")
        with pytest.raises(NotFound):
            await subscription_details(session, stranger.id, charged.id)
