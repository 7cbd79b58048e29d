"""What the access check reads, from the request's session or from this process's short-lived caches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from boxoffice.access import repository as repo
from boxoffice.access.models import Entitlement
from boxoffice.access.viewer_reads import ViewerReads
from boxoffice.catalog import repository as catalog_repo
from boxoffice.catalog.models import Price, Product
from boxoffice.identity import repository as identity_repo
from boxoffice.identity.models import AuthSession, Customer, Merchant
from boxoffice.identity.pins import is_age_verified
from boxoffice.kit import clock
from boxoffice.kit.cache import TTLCache
from boxoffice.restrictions import repository as restrictions_repo
from boxoffice.restrictions.models import CountrySet, RestrictionSettings
from boxoffice.restrictions.service import restriction_settings

T = TypeVar("T")


class Lookups(Protocol):
    async def restriction_settings(self, merchant_id: int) -> RestrictionSettings: ...
    async def country_set(self, merchant_id: int, set_id: int) -> CountrySet | None: ...
    async def packages_containing(self, merchant_id: int, product_id: int) -> Sequence[int]: ...
    async def current_entitlement(
        self, merchant_id: int, customer_id: int, product_ids: Sequence[int], now: datetime
    ) -> Entitlement | None: ...
    async def price(self, merchant_id: int, price_id: int) -> Price | None: ...
    async def pin_verified(self, customer: Customer) -> bool: ...


class SessionLookups:
    """Straight from the database, inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def restriction_settings(self, merchant_id: int) -> RestrictionSettings:
        return await restriction_settings(self.session, merchant_id)

    async def country_set(self, merchant_id: int, set_id: int) -> CountrySet | None:
        return await restrictions_repo.country_set(self.session, merchant_id, set_id)

    async def packages_containing(self, merchant_id: int, product_id: int) -> Sequence[int]:
        return await catalog_repo.package_ids_containing(self.session, merchant_id, product_id)

    async def current_entitlement(
        self, merchant_id: int, customer_id: int, product_ids: Sequence[int], now: datetime
    ) -> Entitlement | None:
        return await repo.current_entitlement(self.session, merchant_id, customer_id, product_ids, now)

    async def price(self, merchant_id: int, price_id: int) -> Price | None:
        return await catalog_repo.price_by_id(self.session, merchant_id, price_id)

    async def pin_verified(self, customer: Customer) -> bool:
        return await is_age_verified(self.session, customer)


class LookupCaches:
    """The caches behind CachedLookups, shared by every request of an app process."""

    def __init__(self) -> None:
        self.settings: TTLCache[RestrictionSettings] = TTLCache()
        self.country_sets: TTLCache[CountrySet | None] = TTLCache()
        self.packages: TTLCache[Sequence[int]] = TTLCache()
        self.entitlements: TTLCache[Entitlement | None] = TTLCache()
        self.prices: TTLCache[Price | None] = TTLCache()
        self.pins: TTLCache[bool] = TTLCache()


class CachedLookups:
    """The same reads through caches that are dropped the moment what they hold changes (see boxoffice.kit.cache):
    the hot path of every play asks the database nothing while what it needs is unchanged. One per request;
    whatever it must read, it reads over one connection, opened on the first miss."""

    def __init__(self, caches: LookupCaches, sessions: async_sessionmaker[AsyncSession], viewers: ViewerReads) -> None:
        self.caches, self.sessions, self.viewers = caches, sessions, viewers
        self._session: AsyncSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _read(self, work: Callable[[SessionLookups], Awaitable[T]]) -> T:
        if self._session is None:
            self._session = self.sessions()
        return await work(SessionLookups(self._session))

    async def restriction_settings(self, merchant_id: int) -> RestrictionSettings:
        return await self.caches.settings.get_or_load(
            merchant_id, lambda: self._read(lambda s: s.restriction_settings(merchant_id)), merchant_id
        )

    async def country_set(self, merchant_id: int, set_id: int) -> CountrySet | None:
        return await self.caches.country_sets.get_or_load(
            (merchant_id, set_id), lambda: self._read(lambda s: s.country_set(merchant_id, set_id)), merchant_id
        )

    async def packages_containing(self, merchant_id: int, product_id: int) -> Sequence[int]:
        return await self.caches.packages.get_or_load(
            (merchant_id, product_id),
            lambda: self._read(lambda s: s.packages_containing(merchant_id, product_id)),
            merchant_id,
        )

    async def current_entitlement(
        self, merchant_id: int, customer_id: int, product_ids: Sequence[int], now: datetime
    ) -> Entitlement | None:
        key = _entitlement_key(merchant_id, customer_id, product_ids)
        found = await self.caches.entitlements.get_or_load(
            key,
            lambda: self._read(lambda s: s.current_entitlement(merchant_id, customer_id, product_ids, now)),
            merchant_id,
            customer_id,
        )
        if found is not None and not found.starts_at <= now < found.expires_at:
            # It ran out while cached: ask again rather than open or close on stale times.
            self.caches.entitlements.discard(key)
            return await self._read(lambda s: s.current_entitlement(merchant_id, customer_id, product_ids, now))
        return found

    def knows_entitlement(self, merchant_id: int, customer_id: int, product_ids: Sequence[int]) -> bool:
        return self.caches.entitlements.has(
            _entitlement_key(merchant_id, customer_id, product_ids), merchant_id, customer_id
        )

    def keep_entitlement(
        self,
        merchant_id: int,
        customer_id: int,
        product_ids: Sequence[int],
        entitlement: Entitlement | None,
        generation: tuple[int, int, int],
    ) -> None:
        """What `current_entitlement` would have read, read by the caller alongside other rows."""
        key = _entitlement_key(merchant_id, customer_id, product_ids)
        self.caches.entitlements.put(key, entitlement, generation)

    async def price(self, merchant_id: int, price_id: int) -> Price | None:
        return await self.caches.prices.get_or_load(
            (merchant_id, price_id), lambda: self._read(lambda s: s.price(merchant_id, price_id)), merchant_id
        )

    async def pin_verified(self, customer: Customer) -> bool:
        return await self.caches.pins.get_or_load(
            (customer.merchant_id, customer.id),
            lambda: self._read(lambda s: s.pin_verified(customer)),
            customer.merchant_id,
            customer.id,
        )

    async def auth_session(self, merchant_id: int, session_id: int) -> AuthSession | None:
        return await self._read(lambda s: identity_repo.auth_session(s.session, merchant_id, session_id))

    async def customer(self, merchant_id: int, customer_id: int) -> Customer | None:
        return await self._read(lambda s: identity_repo.customer_by_id(s.session, merchant_id, customer_id))

    async def merchant(self, merchant_id: int) -> Merchant | None:
        return await self._read(lambda s: identity_repo.merchant_by_id(s.session, merchant_id))

    async def product(self, merchant_id: int, product_id: int) -> Product | None:
        return await self._read(lambda s: catalog_repo.product_by_id(s.session, merchant_id, product_id))

    async def viewer_with_entitlement(
        self, merchant_id: int, session_id: int, customer_id: int, product_ids: Sequence[int]
    ) -> repo.Viewer | None:
        # Not through a session: the hot path's one statement goes straight to a connection. The one this request
        # already holds, if it has read anything else: a second checkout from the same pool while holding the
        # first would deadlock once every connection of the pool is held by a request waiting for its second.
        # Holding none, it reads together with the other first checks waiting to read (see viewer_reads).
        if self._session is None:
            return await self.viewers.read(merchant_id, session_id, customer_id, product_ids)
        held = await self._session.connection()
        asks = [(session_id, customer_id)]
        return (await repo.viewers_with_entitlement(held, merchant_id, asks, product_ids, clock.now()))[0]


def _entitlement_key(
    merchant_id: int, customer_id: int, product_ids: Sequence[int]
) -> tuple[int, int, tuple[int, ...]]:
    return merchant_id, customer_id, tuple(product_ids)
