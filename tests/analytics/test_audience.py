"""Who signs up and who signs in: a merchant's registration and login records counted per device, per country
(by name, an unknown one as Unknown) and, for sign-ups, per way the account was made; largest first, then by
name."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.analytics import audience
from boxoffice.analytics.audience import Audience, Total
from boxoffice.identity import authentication
from boxoffice.identity.accounts import register_customer
from boxoffice.identity.models import Customer
from boxoffice.kit.settings import Settings
from tests import shop
from tests.analytics.conftest import Shop, client

PASSWORD = "correct horse"
NOBODY = Audience(0, [], [], [])


async def sign_up(store: Shop, email: str, country: str | None, device: str, source: str = "signup") -> Customer:
    async with store.sessions() as session, session.begin():
        return await register_customer(
            session,
            store.merchant,
            email=email,
            full_name="Viewer",
            password=PASSWORD,
            password_confirmation=PASSWORD,
            metadata=None,
            client=client(country, device),
            source=source,
        )


async def sign_in(store: Shop, settings: Settings, customer: Customer, country: str | None, device: str) -> None:
    async with store.sessions() as session, session.begin():
        await authentication.start_session(session, settings, store.merchant, customer, client(country, device))


async def counted(store: Shop, merchant_id: int | None = None) -> tuple[Audience, Audience]:
    """Registrations, then logins."""
    async with store.sessions() as session:
        merchant = merchant_id or store.merchant.id
        return await audience.count_registrations(session, merchant), await audience.count_logins(session, merchant)


async def test_nobody_yet_counts_nothing(store: Shop) -> None:
    assert await counted(store) == (NOBODY, NOBODY)


async def test_sign_ups_are_counted_per_device_country_and_way_in(store: Shop) -> None:
    await sign_up(store, "a@example.com", "FR", "mobile")
    await sign_up(store, "b@example.com", "FR", "desktop")
    await sign_up(store, "c@example.com", "DE", "mobile", source="merchant")
    await sign_up(store, "d@example.com", None, "tv", source="merchant")  # a private address: no country
    registrations, logins = await counted(store)
    assert registrations == Audience(
        4,
        [Total("mobile", 2), Total("desktop", 1), Total("tv", 1)],
        [Total("France", 2), Total("Germany", 1), Total("Unknown", 1)],
        [Total("merchant", 2), Total("signup", 2)],  # equal counts: by name
    )
    assert logins == NOBODY  # signing up is not signing in


async def test_each_sign_in_counts(store: Shop, settings: Settings) -> None:
    ada = await sign_up(store, "ada@example.com", "GB", "desktop")
    for country, device in [("GB", "desktop"), ("GB", "mobile"), ("ZZ", "mobile"), ("FR", "mobile")]:
        await sign_in(store, settings, ada, country, device)
    _, logins = await counted(store)
    assert logins == Audience(
        4,
        [Total("mobile", 3), Total("desktop", 1)],
        [
            Total("United Kingdom of Great Britain and Northern Ireland", 2),
            Total("France", 1),
            Total("Unknown", 1),  # a code of no country
        ],
    )


async def test_only_the_merchants_own_audience_counts(
    store: Shop, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(store, settings, await sign_up(store, "ada@example.com", "GB", "desktop"), "GB", "desktop")
    async with sessions() as session, session.begin():
        other = await shop.merchant(session, "Other")
    assert await counted(store, other.id) == (NOBODY, NOBODY)
