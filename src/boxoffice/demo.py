"""A demo tenant for a first look: a merchant, a viewer and a few priced assets, and half a year of business for
the dashboard's figures to say something (`seed_history`). Safe to run again."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.billing import plan_switch, purchases, refunds, sandbox_clocks, subscriptions
from boxoffice.billing.models import CHARGING, PaymentStatus, SubscriptionStatus
from boxoffice.catalog import service as catalog
from boxoffice.catalog.access_types import BY_ID
from boxoffice.catalog.models import Price
from boxoffice.catalog.service import ProductChanges
from boxoffice.gateways.protocol import Card
from boxoffice.gateways.registry import Gateways
from boxoffice.identity import accounts, authentication, merchants
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import Customer, Merchant
from boxoffice.kit import clock
from boxoffice.kit.client_info import ClientInfo, Device, parse_device
from boxoffice.kit.db import create_engine, session_factory, transaction
from boxoffice.kit.errors import Forbidden
from boxoffice.kit.money import Money
from boxoffice.kit.sealing import Sealer
from boxoffice.kit.settings import Settings
from boxoffice.web.landing import Link, Section

MERCHANT_EMAIL = "demo@example.com"
# Published on purpose: the demo tenant exists to be signed into from the README.
MERCHANT_PASSWORD = "demo-merchant-password"  # noqa: S105
VIEWER_EMAIL = "viewer@example.com"
VIEWER_PASSWORD = "demo-viewer-password"  # noqa: S105

# (title, asset type, content, [(access type id, money, description, trial days)])
DemoPrice = tuple[int, Money, str, int | None]
ASSETS: list[tuple[str, str, str, list[DemoPrice]]] = [
    (
        "Opening Night (live event)",
        "html_asset",
        "<p>The live stream starts at 20:00.</p>",
        [(2, Money(499, "USD"), "48-hour pass", None)],
    ),
    (
        "The Long Road (film)",
        "jw_asset",
        "jw-media-demo-0001",
        [
            (3, Money(299, "USD"), "7-day rental", None),
            (3, Money(299, "EUR"), "7-day rental (EUR)", None),
        ],
    ),
    (
        "Boxoffice Plus",
        "package",
        "",
        [
            (7, Money(999, "USD"), "Monthly", 7),
            (10, Money(9900, "USD"), "Yearly", None),
        ],
    ),
]


@dataclass(frozen=True)
class Demo:
    merchant: Merchant
    created: bool


async def seed_demo(session: AsyncSession, sealer: Sealer, page_origins: tuple[str, ...] = ()) -> Demo:
    """The demo tenant; `page_origins` are where its publisher page is opened (`/demo/publisher`), which the
    hosted pages may then be framed by and tell what happened."""
    merchant = await identity_repo.merchant_by_email(session, MERCHANT_EMAIL)
    created = merchant is None
    if merchant is None:
        merchant = await merchants.create_merchant(
            session,
            email=MERCHANT_EMAIL,
            password=MERCHANT_PASSWORD,
            password_confirmation=MERCHANT_PASSWORD,
            full_name="Boxoffice Demo",
            sealer=sealer,
        )
    if await identity_repo.customer_by_email(session, merchant.id, VIEWER_EMAIL) is None:
        await accounts.register_customer(
            session,
            merchant,
            email=VIEWER_EMAIL,
            full_name="Demo Viewer",
            password=VIEWER_PASSWORD,
            password_confirmation=VIEWER_PASSWORD,
            metadata={},
            source="demo",
            client=ClientInfo(None, None, parse_device(None), None),
        )
    for title, asset_type, content, prices in ASSETS:
        if await catalog.find_product(session, merchant.id, title):
            continue
        product = await catalog.create_product(
            session, merchant.id, title=title, asset_type=asset_type, content=content
        )
        for access_type_id, money, description, trial in prices:
            await catalog.add_price(
                session,
                product,
                access_type=BY_ID[access_type_id],
                money=money,
                description=description,
                trial_days=trial,
            )
    if not set(page_origins) <= set(merchant.allowed_origins):
        await merchants.set_allowed_origins(session, merchant, [*merchant.allowed_origins, *page_origins])
    return Demo(merchant, created)


# The landing page's section on the demo: how to seed it, and how its merchant and viewer sign in.
LANDING = Section(
    key="demo",
    heading="Try the demo",
    text=(
        "The boxoffice demo command (make run runs it) seeds a merchant, a viewer and three priced assets, and"
        " prints the merchant's client_id and client_secret. The merchant signs in with its e-mail and password"
        " (no client_id) for the token the merchant API takes as an Authorization: Bearer header; the viewer signs"
        " in under the merchant's client_id."
    ),
    links=(Link("/docs#/accounts", "Sign-in in the API reference", "POST /accounts/authenticate"),),
    commands=(
        f"curl -s -d grant_type=password -d username={MERCHANT_EMAIL} -d password={MERCHANT_PASSWORD}"
        " {base}/accounts/authenticate",
        f"curl -s -d client_id=CLIENT_ID -d grant_type=password -d username={VIEWER_EMAIL}"
        f" -d password={VIEWER_PASSWORD} {{base}}/accounts/authenticate",
    ),
)


# Half a year of business, made through the use cases the API calls, on a sandbox test clock: the subscribers'
# billing runs as of the clock, which moves a day at a time to now, so their renewals (and the declines of cards
# that expired meanwhile) happen day by day as they would have; what runs on real time (sign-ups, sign-ins, rentals,
# refunds) is pinned to the clock's day.
HISTORY_CLOCK = "Demo history"
HISTORY_WEEKS = 26
HISTORY_SEED = 19  # the same history every time
DEVICES = {"desktop": 45, "mobile": 35, "tablet": 10, "tv": 10}
COUNTRIES = {"US": 30, "GB": 14, "DE": 12, "FR": 9, "NL": 6, "ES": 6, "CA": 6, "BR": 5, "AU": 4, "JP": 3, "IN": 5}
GOOD_CARD = "4242424242424242"
SUBSCRIBED = "Boxoffice Plus"  # the asset with the monthly (a week's trial first) and the yearly fee


@dataclass
class History:
    customers: int = 0
    subscriptions: int = 0
    purchases: int = 0
    refunds: int = 0
    switches: int = 0
    renewals: int = 0
    declined: int = 0


@dataclass
class _Subscriber:
    customer: Customer
    subscription_id: int
    yearly: bool


@dataclass
class _Book:
    """What the history has made so far, and the means to make more."""

    sessions: async_sessionmaker[AsyncSession]
    gateways: Gateways
    settings: Settings
    merchant: Merchant
    clock_id: int
    pick: random.Random
    ends: datetime
    monthly: Price
    yearly: Price
    rentals: list[Price]
    made: History = field(default_factory=History)
    subscribers: list[_Subscriber] = field(default_factory=list)
    people: list[tuple[Customer, ClientInfo]] = field(default_factory=list)

    def client(self) -> ClientInfo:
        device = self.pick.choices(list(DEVICES), list(DEVICES.values()))[0]
        country = self.pick.choices(list(COUNTRIES), list(COUNTRIES.values()))[0]
        address = f"198.51.100.{self.pick.randint(1, 254)}"
        return ClientInfo(address, country, Device(device, "Linux", None, "Firefox"), "Firefox")

    def card(self, at: datetime, *, may_expire: bool = False) -> Card:
        """A card good for years; or, `may_expire`, one in four expiring within three months, whose renewals are
        then declined (past due while dunning retries them, then ended). Of those given lately, half expired at
        the end of last month: their renewals this month are in dunning now."""
        if may_expire and self.pick.random() < 0.25:
            last_month = self.ends.replace(day=1) - timedelta(days=1)
            if (last_month.year, last_month.month) >= (at.year, at.month) and self.pick.random() < 0.5:
                return Card(GOOD_CARD, last_month.month, last_month.year, "123", "Demo Viewer")
            months = at.month - 1 + self.pick.randint(1, 3)
            return Card(GOOD_CARD, months % 12 + 1, at.year + months // 12, "123", "Demo Viewer")
        return Card(GOOD_CARD, 12, at.year + 4, "123", "Demo Viewer")


async def seed_history(settings: Settings, merchant_id: int) -> History | None:
    """Half a year of customers, rentals, refunds, trials, subscriptions, renewals, plan switches, cancellations and
    declined renewals for the demo merchant, ending now; None when it has it already, or takes its payments
    through a real gateway (a test clock is the sandbox's)."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    gateways = Gateways(sessions, settings, Sealer(settings.encryption_keys))
    try:
        async with transaction(sessions) as session:
            merchant = await identity_repo.merchant_by_id(session, merchant_id)
            assert merchant is not None
            if any(found.name == HISTORY_CLOCK for found in await sandbox_clocks.list_clocks(session, merchant_id)):
                return None
            start = (clock.now() - timedelta(weeks=HISTORY_WEEKS)).replace(hour=9, minute=0, second=0, microsecond=0)
            try:
                test_clock = await sandbox_clocks.create_clock(session, merchant_id, HISTORY_CLOCK, start)
            except Forbidden:
                return None  # its payments go through a real gateway now: no test clock, and no history made up
            book = await _book(session, sessions, gateways, settings, merchant, test_clock.id)
        for day in range(HISTORY_WEEKS * 7):
            moment = start + timedelta(days=day)
            await _day(book, day, moment)
            until = min(moment + timedelta(days=1), clock.now() - timedelta(minutes=1))
            _, report = await sandbox_clocks.advance(
                sessions, gateways, merchant_id, book.clock_id, until, settings.dunning_retry_days
            )
            book.made.renewals += report.renewed
            book.made.declined += report.declined
        # The last hours' newcomers, in their trial still.
        for newcomer in range(5):
            at = until - timedelta(minutes=10 * (5 - newcomer))
            with clock.pinned(at):
                customer, client = await _sign_up(book, at)
            await _subscribe(book, customer, client, at, yearly=False, stays=True)
        return book.made
    finally:
        await gateways.aclose()
        await engine.dispose()


async def _book(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    gateways: Gateways,
    settings: Settings,
    merchant: Merchant,
    clock_id: int,
) -> _Book:
    prices: dict[str, Price] = {}
    for title, *_ in ASSETS:
        product = await catalog.find_product(session, merchant.id, title)
        assert product is not None
        if title == SUBSCRIBED:
            # Its subscribers move between the monthly and the yearly fee: the MRR's expansion and contraction.
            await catalog.update_product(session, merchant.id, product.id, ProductChanges(plan_switch_enabled=True))
        prices |= {price.description: price for price in await catalog.prices_of(session, product)}
    rentals = [prices["7-day rental"], prices["7-day rental (EUR)"], prices["48-hour pass"]]
    return _Book(
        sessions, gateways, settings, merchant, clock_id, random.Random(HISTORY_SEED), clock.now(), prices["Monthly"],
        prices["Yearly"], rentals,
    )  # fmt: skip


async def _day(book: _Book, day: int, moment: datetime) -> None:
    """One day: newcomers sign up (more as the months go by), some rent, some subscribe (a trial first for the
    monthly fee); some subscribers switch or cancel; some rentals are refunded; some viewers sign in again."""
    pick = book.pick
    expected = (4 + day / 21) / 7  # newcomers a day: four a week at first, about thirteen at the end
    newcomers = int(expected) + (pick.random() < expected % 1)
    for newcomer in range(newcomers):
        at = moment - timedelta(minutes=10 * (newcomers - newcomer))  # signed up just before the clock's time
        with clock.pinned(at):
            customer, client = await _sign_up(book, at)
        roll = pick.random()
        if roll < 0.5:
            await _subscribe(book, customer, client, at, yearly=pick.random() < 0.25)
        elif roll < 0.85:
            await _rent(book, customer, client, at + timedelta(minutes=5))
    for subscriber in list(book.subscribers):
        roll = pick.random()
        if roll < 0.03 / 7:
            await _cancel(book, subscriber)
        elif roll < 0.045 / 7:
            await _switch(book, subscriber)
    with clock.pinned(moment + timedelta(hours=20)):
        async with transaction(book.sessions) as session:
            for customer, client in pick.sample(book.people, k=len(book.people) // 70):
                await authentication.start_session(session, book.settings, book.merchant, customer, client)


async def _sign_up(book: _Book, at: datetime) -> tuple[Customer, ClientInfo]:
    client = book.client()
    number = len(book.people) + 1
    async with transaction(book.sessions) as session:
        customer = await accounts.register_customer(
            session,
            book.merchant,
            email=f"viewer{number}@demo.example.com",
            full_name=f"Viewer {number}",
            password=None,
            password_confirmation=None,
            metadata={},
            source="demo",
            client=client,
        )
        await authentication.start_session(session, book.settings, book.merchant, customer, client)
    book.people.append((customer, client))
    book.made.customers += 1
    return customer, client


async def _subscribe(
    book: _Book, customer: Customer, client: ClientInfo, at: datetime, *, yearly: bool, stays: bool = False
) -> None:
    await sandbox_clocks.attach_customer(book.sessions, book.merchant.id, book.clock_id, customer.id)
    started = await subscriptions.subscribe(
        book.sessions,
        book.gateways.sandbox,
        book.merchant,
        customer,
        price_id=(book.yearly if yearly else book.monthly).id,
        source=book.card(at, may_expire=True),
        idempotency_key=uuid.uuid4().hex,
        return_url=None,
        client=client,
    )
    book.made.subscriptions += 1
    subscriber = _Subscriber(customer, started.subscription.id, yearly)
    if not yearly and not stays and book.pick.random() < 0.2:
        await _cancel(book, subscriber)  # tried, and left before the trial's end
    else:
        book.subscribers.append(subscriber)


async def _cancel(book: _Book, subscriber: _Subscriber) -> None:
    if subscriber in book.subscribers:
        book.subscribers.remove(subscriber)
    async with transaction(book.sessions) as session:
        found = await subscriptions.subscription_of(session, book.merchant.id, subscriber.subscription_id)
        if found.status in CHARGING:
            await subscriptions.cancel(session, book.merchant.id, found, immediately=False)


async def _switch(book: _Book, subscriber: _Subscriber) -> None:
    """A monthly subscriber takes the yearly fee (most), or a yearly one the monthly fee; only an active one can."""
    async with book.sessions() as session:
        found = await subscriptions.subscription_of(session, book.merchant.id, subscriber.subscription_id)
    if found.status != SubscriptionStatus.ACTIVE:
        return
    paid = await plan_switch.switch_plan(
        book.sessions,
        book.gateways,
        book.merchant,
        subscriber.customer,
        subscription_id=subscriber.subscription_id,
        price_id=(book.monthly if subscriber.yearly else book.yearly).id,
        idempotency_key=uuid.uuid4().hex,
        client=ClientInfo(None, None, parse_device(None), None),
    )
    if paid.status == PaymentStatus.SUCCEEDED:
        subscriber.yearly = not subscriber.yearly
        book.made.switches += 1


async def _rent(book: _Book, customer: Customer, client: ClientInfo, at: datetime) -> None:
    with clock.pinned(at):
        paid = await purchases.buy_access(
            book.sessions,
            book.gateways.sandbox,
            book.merchant,
            customer,
            price_id=book.pick.choice(book.rentals).id,
            source=book.card(at),
            idempotency_key=uuid.uuid4().hex,
            return_url=None,
            client=client,
        )
    book.made.purchases += 1
    if paid.status == PaymentStatus.SUCCEEDED and book.pick.random() < 0.08:
        with clock.pinned(at + timedelta(hours=book.pick.randint(1, 60))):
            await refunds.refund_payment(
                book.sessions,
                book.gateways,
                book.merchant.id,
                paid.id,
                amount=None,
                reason="The stream would not play",
                idempotency_key=uuid.uuid4().hex,
            )
        book.made.refunds += 1
