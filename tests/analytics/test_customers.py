"""One customer as the merchant's analytics see them: what they have spent (per currency, refunds taken off),
what they bought first and last, and what they last signed in from and asked to watch."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import service as access
from boxoffice.access.content_log import ContentLog
from boxoffice.access.lookups import SessionLookups
from boxoffice.analytics import customers
from boxoffice.analytics.customers import Activity, Lifetime
from boxoffice.billing import renewals
from boxoffice.identity import authentication
from boxoffice.identity.models import Customer
from boxoffice.kit.errors import DomainError, NotFound
from boxoffice.kit.settings import Settings
from tests import shop
from tests.analytics.conftest import DECLINED, Shop, card, client


async def lifetime(store: Shop, customer: Customer) -> Lifetime:
    async with store.sessions() as session:
        return await customers.customer_lifetime(session, store.merchant.id, customer.id)


async def activity(store: Shop, customer: Customer) -> Activity:
    async with store.sessions() as session:
        return await customers.customer_activity(session, store.merchant.id, customer.id)


async def test_a_customer_of_another_merchant_is_not_found(
    store: Shop, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        other = await shop.customer(session, (await shop.merchant(session, "Other")).id)
    for figures in (customers.customer_lifetime, customers.customer_activity):
        async with store.sessions() as session:
            with pytest.raises(NotFound):
                await figures(session, store.merchant.id, other.id)


async def test_a_customer_who_did_nothing_has_spent_nothing_and_visited_nothing(store: Shop) -> None:
    viewer = await store.customer()
    found = await lifetime(store, viewer)
    assert (found.customer.id, found.products_bought, found.spent, found.first, found.last) == (
        viewer.id,
        0,
        {},
        None,
        None,
    )
    seen = await activity(store, viewer)
    assert (seen.customer.id, seen.last_login, seen.last_visit) == (viewer.id, None, None)


async def test_what_was_spent_is_per_currency_with_refunds_taken_off(store: Shop) -> None:
    viewer, someone_else = await store.customer("ada@example.com"), await store.customer("bob@example.com")
    film, show, extra = await store.product("Film"), await store.product("Show"), await store.product("Extra")
    first = await store.buy(viewer, await store.one_time_price(film, 999, "EUR"))
    store.clock.advance(hours=1)
    await store.buy(viewer, await store.one_time_price(extra, 500, "EUR"), card(DECLINED))  # took nothing
    dollars = await store.buy(viewer, await store.one_time_price(show, 700, "USD"))
    await store.buy(someone_else, await store.one_time_price(extra, 400, "EUR"))
    await store.refund(first, 300)
    store.clock.advance(hours=1)
    await store.refund(dollars)
    found = await lifetime(store, viewer)
    assert found.spent == {"EUR": 699, "USD": 0}  # the dollars all refunded: still a currency they paid in
    assert found.products_bought == 2
    assert found.first is not None and found.last is not None
    assert (found.first.payment.id, found.first.product and found.first.product.title) == (first.id, "Film")
    assert (found.last.payment.id, found.last.product and found.last.product.title) == (dollars.id, "Show")
    assert found.first.parent_payment_id is None


async def test_a_renewal_names_the_charge_that_started_its_subscription(store: Shop, settings: Settings) -> None:
    viewer = await store.customer()
    started = await store.subscribe(viewer, await store.monthly_price(await store.product("Channel")))
    assert started.subscription.due_at is not None
    store.clock.advance(seconds=(started.subscription.due_at - store.clock.now()).total_seconds())
    report = await renewals.renew_due_subscriptions(
        store.sessions,
        store.gateways,
        as_of=store.clock.now(),
        retry_days=settings.dunning_retry_days,
        merchant_id=store.merchant.id,
    )
    assert report.renewed == 1
    found = await lifetime(store, viewer)
    assert found.spent == {"EUR": 999 * 2}
    assert found.products_bought == 1  # one item, paid for twice
    assert found.first is not None and found.last is not None
    assert (found.first.payment.id, found.first.parent_payment_id) == (started.payment.id, None)
    assert found.last.payment.kind == "renewal"
    assert found.last.parent_payment_id == started.payment.id


async def test_activity_is_the_last_sign_in_and_the_last_thing_asked_to_watch(store: Shop, settings: Settings) -> None:
    viewer = await store.customer()
    film, show = await store.product("Film"), await store.product("Show")
    log = ContentLog()

    async def watch(product_id: int) -> None:
        async with store.sessions() as session:
            product = await access.get_product(session, store.merchant, product_id)
            lookups = SessionLookups(session)
            with contextlib.suppress(DomainError):  # a refusal is logged too
                await access.check_access(lookups, store.merchant, viewer, product, client(), log.record)
        await log.flush(store.sessions)

    async def sign_in(country: str) -> None:
        async with store.sessions() as session, session.begin():
            await authentication.start_session(session, settings, store.merchant, viewer, client(country))

    await sign_in("FR")
    bought = await store.buy(viewer, await store.one_time_price(film))
    store.clock.advance(minutes=1)
    await watch(film.id)
    seen = await activity(store, viewer)
    assert seen.last_login is not None and seen.last_login.country_code == "FR"
    assert seen.last_visit is not None
    assert seen.last_visit.request.outcome == "granted"
    assert seen.last_visit.product is not None and seen.last_visit.product.id == film.id
    assert seen.last_visit.entitlement is not None
    assert seen.last_visit.entitlement.id == bought.entitlement_id

    store.clock.advance(minutes=1)
    await sign_in("DE")
    await watch(show.id)  # not bought: refused, and granted by nothing
    seen = await activity(store, viewer)
    assert seen.last_login is not None and seen.last_login.country_code == "DE"
    assert seen.last_visit is not None
    assert seen.last_visit.request.outcome == "no_access"
    assert seen.last_visit.product is not None and seen.last_visit.product.id == show.id
    assert seen.last_visit.entitlement is None


async def test_a_visit_to_an_item_the_merchant_deleted_names_no_item(store: Shop) -> None:
    viewer, film = await store.customer(), await store.product("Film")
    log = ContentLog()
    log.record(access.content_request(store.merchant.id, film.id, viewer.id, "no_access", client()), store.clock.now())
    await log.flush(store.sessions)
    async with store.sessions() as session, session.begin():
        await session.delete(await session.merge(film, load=False))
    seen = await activity(store, viewer)
    assert seen.last_visit is not None
    assert (seen.last_visit.request.product_id, seen.last_visit.product) == (film.id, None)
    assert store.clock.now() - seen.last_visit.request.requested_at < timedelta(seconds=1)
